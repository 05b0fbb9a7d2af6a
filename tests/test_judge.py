"""The judge of related notices (index.analysis.judge) on the real corpus and all labelled multi questions.

The shipped judge is fitted on these questions (``benchmarks/tune_related_judge.py``; its out-of-fold
figures are in docs/crossref.md), so the figures here are in sample: the test guards that the shipped
weights and the code computing their features still agree — a feature computed differently from the
tuning script, or weights of another feature order, makes the confidence uncalibrated and the order worse.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from shared_data import QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD

from index.analysis.judge import FEATURES, WEIGHTS, Judge, load_judge
from index.analysis.related import related
from index.answer.evaluate import load_questions


def test_the_shipped_weights_are_json_of_the_features_with_ordered_thresholds() -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    judge = load_judge()
    assert tuple(data["features"]) == FEATURES == judge.features
    assert len(judge.coef) == len(judge.mean) == len(judge.scale) == len(FEATURES)
    assert 0 < judge.listed <= judge.high <= 1.01
    with pytest.raises(ValueError, match="features"):
        Judge.from_dict({**data, "features": list(reversed(FEATURES))})


def test_more_of_the_topic_in_a_sentence_is_judged_more_likely() -> None:
    judge = load_judge()
    row = np.array(judge.mean, dtype=float)
    cover = FEATURES.index("cover")
    low, high = row.copy(), row.copy()
    low[cover], high[cover] = 0.1, 0.8
    p_low, p_high = judge.probabilities(np.vstack([low, high]))
    assert p_high > p_low


def test_confidence_is_calibrated_and_orders_the_labelled_notices_first(searcher) -> None:
    questions = [q for path in (QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD) for q in load_questions(path)
                 if q.get("type") == "multi" and q.get("relevant")]
    assert len(questions) >= 60
    pairs, recall10, listed_r, listed_p = [], [], [], []
    for q in questions:
        relevant = set(q["relevant"])
        entries = related(searcher, q["query"], top=10, cut=False)
        pairs += [(e["confidence"], e["doc_id"] in relevant) for e in entries]
        recall10.append(len({e["doc_id"] for e in entries} & relevant) / len(relevant))
        kept = [e["doc_id"] for e in entries if e["listed"]]
        hit = len(set(kept) & relevant)
        listed_r.append(hit / len(relevant))
        listed_p.append(hit / len(kept) if kept else 1.0)
    p = np.array(pairs, dtype=float)
    bins = np.minimum((p[:, 0] * 10).astype(int), 9)
    ece = sum(abs(p[bins == b, 0].mean() - p[bins == b, 1].mean()) * (bins == b).mean()
              for b in range(10) if (bins == b).any())
    assert ece <= 0.07, ece  # 0.041 when written
    assert np.mean(recall10) >= 0.90, np.mean(recall10)  # 0.911 (the fused order alone: 0.904)
    assert np.mean(listed_r) >= 0.72 and np.mean(listed_p) >= 0.72, (np.mean(listed_r), np.mean(listed_p))
