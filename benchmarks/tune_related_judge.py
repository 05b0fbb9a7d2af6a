"""Fit the judge of ``related`` (``index/analysis/judge_weights.json``) and report it out of fold.

    .venv/bin/python benchmarks/tune_related_judge.py --index /tmp/ans-index [--folds 5] [--write]

For every multi question of the three development files the document rankings of
:func:`index.analysis.related.document_rankings` are computed once.  Per fold (grouped by question: a
multi question's notices recur across questions, so no grouping by notice can keep them apart), on the
other folds:

1. the fusion (``index/tuned.py``: passage, finding, k, alternative, place, level) with the best Recall@10
   (``benchmarks/tune_related_cut.py``'s grid and criterion);
2. the judge: a logistic regression (L2 ``L2`` on standardised features, Newton's method) of "this
   candidate is a labelled notice" over the :data:`index.analysis.judge.FEATURES` of the fusion's first
   ``CANDIDATES`` notices;
3. its thresholds: *listed* with the best mean F1 of the listed notices (top 10 of the judged order with
   a probability at or above it and an evidence sentence; an empty list has precision 1), *高* the lowest
   probability at which listed notices were right ≥ 80 % (at least 5 of them).

Applied to the held-out fold.  Prints the out-of-fold Recall@10 of the judged order beside the fused
order's, the recall, precision and F1 of the listed notices, the precision of 高, the reliability of the
probability (table and expected calibration error over the judged top 10), per question file, and the
warm latency of ``related_with_more``; ``--write`` writes the judge fitted on all questions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)
from tune_related_cut import choose as choose_fusion  # noqa: E402  (the fusion's own grid and criterion)

from index import tuned  # noqa: E402
from index.analysis import related as rel  # noqa: E402
from index.analysis.evidence import Evidence, evidence, topic_grams, topic_words  # noqa: E402
from index.analysis.judge import CANDIDATES, FEATURES, WEIGHTS, Judge, features  # noqa: E402
from index.answer.evaluate import load_questions  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402

FILES = ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl")
#: L2 penalty of the standardised coefficients (not tuned: 0.1–10 gave the same out-of-fold figures ±0.005).
L2 = 3.0
THRESHOLDS = [round(t, 3) for t in np.arange(0.05, 0.95, 0.025)]
#: 高 means: listed notices at that probability were right at least this often (in the training folds).
PRECISION_HIGH = 0.8
LISTED_TOP = 10


class Question:
    """One multi question: its rankings, topic and each candidate's evidence (computed once)."""

    def __init__(self, searcher: Searcher, name: str, q: dict) -> None:
        self.file, self.query, self.relevant = name, q["query"], set(q["relevant"])
        cleaned, exclude = rel.related_query_text(searcher, q["query"])
        self.rankings, self.passages = rel.document_rankings(searcher, cleaned, searcher.embed_query(cleaned),
                                                             None, exclude)
        self.grams, self.phrases = topic_grams(searcher, cleaned), topic_words(searcher, cleaned)
        self.searcher = searcher
        self._evidence: dict[str, Evidence | None] = {}

    def evidence(self, doc_id: str) -> Evidence | None:
        """The candidate's evidence sentence (cached)."""
        if doc_id not in self._evidence:
            first = [c for c, _ in self.passages.get(doc_id, [])]
            self._evidence[doc_id] = evidence(self.searcher, doc_id, self.grams, first, self.phrases)
        return self._evidence[doc_id]

    def rows(self, setting: tuple[float, ...]) -> tuple[list[str], np.ndarray, np.ndarray, list[bool]]:
        """(candidates in fused order, feature rows, labels, has evidence) under one fusion setting."""
        scores = rel.fuse_rankings(self.rankings, passage_weight=setting[0], finding_weight=setting[1],
                                   k=setting[2], alternative_weight=setting[3], place_weight=setting[4],
                                   level_weight=setting[5])
        ids = sorted(scores, key=lambda d: -scores[d])[:CANDIDATES]
        found = [self.evidence(d) for d in ids]
        x = features(self.rankings, scores, ids, found, self.grams)
        return ids, x, np.array([d in self.relevant for d in ids], float), [f is not None for f in found]


def fit(x: np.ndarray, y: np.ndarray) -> Judge:
    """A logistic regression on standardised features (unpenalised bias), thresholds set later."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xb = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = L2 * np.diag([*np.ones(len(w) - 1), 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        w -= np.linalg.solve((xb * (p * (1 - p))[:, None]).T @ xb + penalty, xb.T @ (p - y) + penalty @ w)
    return Judge(FEATURES, mean, scale, w[:-1], float(w[-1]), 0.5, 1.01)


def listed(ids: list[str], p: np.ndarray, has: list[bool], threshold: float) -> list[str]:
    """The listed notices: the judged top 10 with probability ≥ ``threshold`` and an evidence sentence."""
    order = np.argsort(-p, kind="stable")[:LISTED_TOP]
    return [ids[i] for i in order if p[i] >= threshold and has[i]]


def prf(kept: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """Recall, precision (1 for an empty list) and F1."""
    hit = len(set(kept) & relevant)
    r, p = hit / len(relevant), (hit / len(kept) if kept else 1.0)
    return r, p, (2 * p * r / (p + r) if p + r else 0.0)


def thresholds(judge: Judge, data: list[tuple]) -> Judge:
    """The judge with its listed and 高 thresholds chosen on ``data`` ((ids, x, y, has, relevant) per question)."""
    probs = [judge.probabilities(x) for _, x, _, _, _ in data]
    best = max(THRESHOLDS, key=lambda t: (np.mean([prf(listed(ids, p, has, t), rel_)[2]
                                                   for (ids, _, _, has, rel_), p in zip(data, probs, strict=True)]),
                                          -abs(t - 0.5)))
    pairs = [(float(p[ids.index(d)]), d in rel_) for (ids, _, _, has, rel_), p in zip(data, probs, strict=True)
             for d in listed(ids, p, has, best)]
    high = 1.01
    for h in sorted({q for q, _ in pairs}):
        above = [ok for q, ok in pairs if q >= h]
        if len(above) >= 5 and np.mean(above) >= PRECISION_HIGH:
            high = h
            break
    return Judge(judge.features, judge.mean, judge.scale, judge.coef, judge.bias, float(best), round(high, 4))


def main() -> int:
    """Print the out-of-fold figures; with ``--write`` write the judge fitted on all questions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    searcher = Searcher(args.index)
    questions = [Question(searcher, f, q) for f in FILES for q in load_questions(SHARED / "eval" / f)
                 if q.get("type") == "multi" and q.get("relevant")]
    n = len(questions)
    folds = np.random.default_rng(tuned.FOLD_SEED).permutation(n) % args.folds  # as tune_related_cut.py
    rankings, relevant = [q.rankings for q in questions], [q.relevant for q in questions]
    held: dict[int, dict] = {}
    for k in range(args.folds):
        train = [i for i in range(n) if folds[i] != k]
        setting = choose_fusion([rankings[i] for i in train], [relevant[i] for i in train])
        data = {i: (*questions[i].rows(setting), questions[i].relevant) for i in range(n)}
        judge = fit(np.vstack([data[i][1] for i in train]), np.concatenate([data[i][2] for i in train]))
        judge = thresholds(judge, [data[i] for i in train])
        print(f"fold {k}: fusion {setting}, listed ≥ {judge.listed}, 高 ≥ {judge.high}")
        for i in range(n):
            if folds[i] == k:
                ids, x, _, has, rel_ = data[i]
                p = judge.probabilities(x)
                judged = [ids[j] for j in np.argsort(-p, kind="stable")]
                kept = listed(ids, p, has, judge.listed)
                held[i] = {"fused": ids, "judged": judged, "listed": kept, "relevant": rel_,
                           "high": [d for d in kept if p[ids.index(d)] >= judge.high],
                           "top": [(float(p[j]), ids[j] in rel_) for j in np.argsort(-p, kind="stable")[:10]]}

    def report(label: str, part: list[dict]) -> None:
        r10 = lambda key: np.mean([len(set(h[key][:10]) & h["relevant"]) / len(h["relevant"]) for h in part])  # noqa: E731
        figs = np.array([prf(h["listed"], h["relevant"]) for h in part])
        high = [d in h["relevant"] for h in part for d in h["high"]]
        print(f"  {label:<22} n={len(part):>2}  Recall@10 judged {r10('judged'):.3f} (fused {r10('fused'):.3f})  "
              f"listed R {figs[:, 0].mean():.3f} P {figs[:, 1].mean():.3f} F1 {figs[:, 2].mean():.3f}  "
              f"mean listed {np.mean([len(h['listed']) for h in part]):.1f}  高 {len(high)} right "
              f"{np.mean(high or [0]):.3f}")

    print(f"{n} multi questions, {args.folds} folds grouped by question; out of fold:")
    part = [held[i] for i in range(n)]
    report("all", part)
    for name in FILES:
        report(name, [held[i] for i in range(n) if questions[i].file == name])
    pairs = [t for h in part for t in h["top"]]
    print("reliability of the probability (judged top 10, out of fold): bin  n  mean p  right")
    ece = 0.0
    for lo in np.arange(0, 1, 0.1):
        inside = [(p, ok) for p, ok in pairs if lo <= p < lo + 0.1 or (lo >= 0.9 and p == 1.0)]
        if inside:
            mp, right = np.mean([p for p, _ in inside]), np.mean([ok for _, ok in inside])
            ece += len(inside) / len(pairs) * abs(mp - right)
            print(f"  {lo:.1f}–{lo + 0.1:.1f}  {len(inside):>3}  {mp:.3f}  {right:.3f}")
    print(f"expected calibration error {ece:.3f}")
    setting = choose_fusion(rankings, relevant)
    current = (tuned.PASSAGE_WEIGHT, tuned.FINDING_WEIGHT, tuned.DOC_RRF_K, tuned.ALTERNATIVE_WEIGHT,
               tuned.PLACE_WEIGHT, tuned.LEVEL_WEIGHT)
    print(f"fusion chosen on all {setting} (index/tuned.py: {current})")
    data = [(*q.rows(current), q.relevant) for q in questions]
    judge = thresholds(fit(np.vstack([d[1] for d in data]), np.concatenate([d[2] for d in data])), data)
    print("judge on all:", {name: round(float(c), 3) for name, c in zip(FEATURES, judge.coef, strict=True)},
          f"bias {judge.bias:.3f}, listed ≥ {judge.listed}, 高 ≥ {judge.high}")
    if args.write:
        WEIGHTS.write_text(json.dumps(judge.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("written", WEIGHTS.relative_to(REPO))
        from index.analysis import judge as judge_module
        judge_module.load_judge.cache_clear()
        timings = []
        for q in questions:  # warm: model loaded, query vectors cached by the first pass above
            start = time.perf_counter()
            rel.related_with_more(searcher, q.query)
            timings.append((time.perf_counter() - start) * 1000)
        print(f"related_with_more warm p50 {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms "
              f"over {len(timings)} questions (query vector cached)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
