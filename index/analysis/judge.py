"""The second, finer judgement of a related notice: how likely it is to raise the searched problem.

:mod:`index.analysis.related` fuses its document rankings (keyword, passage vectors, findings, the
instances a question names, places, levels) into one score and gathers each candidate's evidence
sentence (:mod:`index.analysis.evidence`).  Neither alone says whether a notice *states* the topic: a
notice near the top of the fusion may hold none of the topic's rare words, one further down may
state it in one sentence.  The judge is a logistic regression over general features of a candidate —
its share of the best fused score, its reciprocal rank in each ranking, its evidence cover, whether it
has evidence at all, the number of topic words — giving the probability that the notice is one a
person would list for the question.

It is learned, not written: ``benchmarks/tune_related_judge.py`` fits it on the labelled multi-notice
questions of the development files (5 folds grouped by question; the fusion of each fold chosen on its
training folds too) and writes ``judge_weights.json`` beside this module: feature names, their mean
and scale, coefficients, and the two thresholds chosen out of fold (listed: best mean F1 of the listed
notices; 高: lowest probability at which listed notices were right ≥ 80 % in the training folds).  The
features use ranks and text only, so they mean the same with any encoder and on both backends.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .evidence import Evidence

WEIGHTS = Path(__file__).with_name("judge_weights.json")
#: Candidates of the fusion judged per query (the top 30: on the development questions they hold 0.978
#: of the labelled notices; Recall@10 is measured on the judged order).
CANDIDATES = 30
#: Feature names, in the order of the weights file.
FEATURES = ("ratio", "keyword", "passage", "finding", "alternative", "place", "level", "cover", "has_evidence",
            "topic_grams")


@dataclass(frozen=True)
class Judge:
    """A fitted judge: standardisation, coefficients and the thresholds of 中 (listed) and 高."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float
    listed: float
    high: float

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The probability of each row of ``x`` (one row per candidate, columns as ``features``)."""
        if not len(x):
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.coef + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def relevance(self, probability: float, found: Evidence | None) -> str:
        """相关程度: 高 / 中 for a notice with evidence at the thresholds, else 低."""
        if found is None or probability < self.listed:
            return "低"
        return "高" if probability >= self.high else "中"

    def to_dict(self) -> dict:
        """The JSON form written by the tuning script."""
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "bias": self.bias, "listed": self.listed, "high": self.high}

    @classmethod
    def from_dict(cls, data: dict) -> Judge:
        """A judge from its JSON form; raises ValueError when its features are not :data:`FEATURES`."""
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"judge_weights.json: features {data['features']} ≠ {list(FEATURES)}")
        return cls(tuple(data["features"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                   np.asarray(data["coef"], float), float(data["bias"]), float(data["listed"]),
                   float(data["high"]))


@lru_cache(maxsize=1)
def load_judge(path: str = str(WEIGHTS)) -> Judge:
    """The shipped judge (``judge_weights.json``, JSON: no pickle)."""
    return Judge.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def features(rankings: dict[str, dict[str, list]], scores: dict[str, float], candidates: list[str],
             found: list[Evidence | None], grams: dict[str, float]) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate (``found``: each candidate's evidence, in order).

    Ranks are reciprocal (1 / (1 + rank), 0 when a ranking does not hold the notice); an instance the
    question names counts by the best of its rankings.
    """
    best = max((scores[d] for d in candidates), default=0.0) or 1.0
    position = {name: {doc_id: i for i, doc_id in enumerate(ranking)} for name, ranking in rankings.items()}

    def reciprocal(name: str, doc_id: str) -> float:
        at = position.get(name, {}).get(doc_id)
        return 0.0 if at is None else 1.0 / (1 + at)

    alternatives = [name for name in position if name.startswith("alternative")]
    rows = []
    for doc_id, evidence in zip(candidates, found, strict=True):
        rows.append([scores[doc_id] / best, reciprocal("keyword", doc_id), reciprocal("passage", doc_id),
                     reciprocal("finding", doc_id), max((reciprocal(n, doc_id) for n in alternatives), default=0.0),
                     reciprocal("place", doc_id), reciprocal("level", doc_id),
                     evidence.cover if evidence else 0.0, 1.0 if evidence else 0.0, math.log1p(len(grams))])
    return np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURES))
