"""Scoring the notice card against the hand labels (``tests/data/card_labels.jsonl``).

One place for the test (``tests/test_card.py``) and the benchmark (``benchmarks/bench_card.py``).

A predicted value matches a labelled one when they say the same thing, written either way: dates, counts,
phones and money by their digits (``2021年11月8日至12月20日`` = ``2021年11月8日到12月20日``), groups by their
ordinal (``市委第三巡察组`` = ``第三巡察组``), names and addresses when one contains the other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingest.card import CARD_FIELDS, group_key

LABELS = Path(__file__).resolve().parent / "data" / "card_labels.jsonl"
_DIGITS = ("period", "feedback_date", "problems", "completed", "rate", "money", "disciplined", "systems", "phone")
_CONTAINS = ("inspected", "mailbox", "hours", "leader")


def load_labels(path: Path = LABELS) -> list[dict]:
    """The labelled notices, one dict per notice (``id``, ``split``, one list of values per field)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(field: str, value: str) -> str:
    value = re.sub(r"\s+", "", str(value))
    if field in _DIGITS:
        return ",".join(re.findall(r"\d+(?:\.\d+)?", value)) or value
    if field == "group":
        return group_key(value)
    if field == "round":
        return value.replace("首轮", "第一轮")
    return value.lower()


def same(field: str, gold: str, pred: str) -> bool:
    """Whether ``pred`` states the labelled value ``gold`` of ``field``."""
    g, p = _norm(field, gold), _norm(field, pred)
    if g == p:
        return True
    return field in _CONTAINS and bool(g) and bool(p) and (g in p or p in g)


def counts(gold: list[str], pred: list[str], field: str) -> tuple[int, int, int]:
    """(true positives, predicted, labelled) for one field of one notice; duplicates count once."""
    golds = list(dict.fromkeys(_norm(field, g) for g in gold))
    preds = list(dict.fromkeys(_norm(field, p) for p in pred))
    hit_pred = sum(1 for p in preds if any(same(field, g, p) or g == p for g in golds))
    hit_gold = sum(1 for g in golds if any(same(field, g, p) or g == p for p in preds))
    return min(hit_pred, hit_gold), len(preds), len(golds)


def score(rows: list[dict], cards: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Per field: tp, predicted, labelled, precision, recall over ``rows``.

    Precision (recall) is 1.0 when nothing was predicted (labelled).
    """
    out: dict[str, dict[str, float]] = {}
    for field in CARD_FIELDS:
        tp = n_pred = n_gold = 0
        for row in rows:
            pred = [item["value"] for item in cards[row["id"]].get(field, [])]
            a, b, c = counts(row.get(field, []), pred, field)
            tp, n_pred, n_gold = tp + a, n_pred + b, n_gold + c
        out[field] = {"tp": tp, "predicted": n_pred, "labelled": n_gold,
                      "precision": tp / n_pred if n_pred else 1.0, "recall": tp / n_gold if n_gold else 1.0}
    return out
