"""The one reciprocal rank fusion (index/retrieve/fusion.py): its arithmetic and its order of ties."""

from __future__ import annotations

import pytest

from index.retrieve.fusion import Fusion, ranked, reciprocal_rank_fusion


def test_scores_add_weight_over_k_plus_rank() -> None:
    scores = reciprocal_rank_fusion([(1.0, ["a", "b"]), (2.0, ["b", "c"])], k=10.0)
    assert scores == {"a": pytest.approx(1 / 11), "b": pytest.approx(1 / 12 + 2 / 11), "c": pytest.approx(2 / 12)}
    assert [key for key, _ in ranked(scores)] == ["b", "c", "a"]


def test_ties_keep_first_appearance_order() -> None:
    scores = reciprocal_rank_fusion([(1.0, [3, 1]), (1.0, [1, 3])], k=5.0)
    assert scores[3] == scores[1]
    assert [key for key, _ in ranked(scores)] == [3, 1]


def test_zero_weight_ranking_adds_nothing_and_defaults_are_the_tuned_ones() -> None:
    assert reciprocal_rank_fusion([(0.0, ["x"]), (1.0, [])], k=1.0) == {"x": 0.0}
    assert reciprocal_rank_fusion([], k=1.0) == {}
    fusion = Fusion()
    assert (fusion.rrf_k, fusion.keyword_weight, fusion.dense_weight, fusion.depth) == (10.0, 1.0, 1.0, 100)
