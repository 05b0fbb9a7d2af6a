"""Reciprocal rank fusion: the one place rankings are combined, for chunks (search) and documents (related).

A key ranked ``r``-th (from 0) in a ranking of weight ``w`` scores ``w / (k + r + 1)``; a key's scores add
up over the rankings.  :class:`Fusion` holds the chunk-level weights, constant and depth.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from index import tuned

Key = TypeVar("Key", bound=Hashable)


@dataclass
class Fusion:
    """How keyword and vector rankings are combined (tuned on the eval set)."""

    rrf_k: float = tuned.RRF_K
    keyword_weight: float = tuned.KEYWORD_WEIGHT
    dense_weight: float = tuned.DENSE_WEIGHT
    depth: int = tuned.DEPTH  # candidates taken from each ranking


def reciprocal_rank_fusion(rankings: Iterable[tuple[float, Iterable[Key]]], k: float) -> dict[Key, float]:
    """``{key: sum of weight / (k + rank + 1)}`` over the ``(weight, keys best first)`` rankings.

    The dict is in order of each key's first appearance (rankings in the order given), so a stable sort
    by score keeps ties in that order.
    """
    scores: dict[Key, float] = {}
    for weight, ranking in rankings:
        for rank, key in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank + 1)
    return scores


def ranked(scores: dict[Key, float]) -> list[tuple[Key, float]]:
    """``(key, score)`` pairs, best first (ties in the dict's order)."""
    return sorted(scores.items(), key=lambda item: -item[1])


__all__ = ["Fusion", "ranked", "reciprocal_rank_fusion"]
