"""Choose the evidence rule of ``related`` (``index/tuned.py``: ``FRAME_SHARE``, ``EVIDENCE_*``) by cross-validation.

    .venv/bin/python benchmarks/tune_related_evidence.py --index /tmp/ans-index [--folds 5]

For every multi question of the three development files the ranking of
:func:`index.analysis.related.related` (top 10, uncut) is computed once, and for each frame share of
the grid every ranked notice's evidence cover (:func:`index.analysis.evidence.evidence`).  A notice
is listed when it is in the cut list (a share ``CUT_RATIO`` of the best fused score) and its cover is at
least ``EVIDENCE_COVER`` with ``EVIDENCE_GRAMS`` topic bigrams.

Folds are grouped by question (a multi question's notices recur across questions, so no grouping
by notice can keep them apart; every question's labels are in exactly one test fold).  Per fold, on
the other folds: the (frame share, cover, bigrams, cut ratio) with the best mean F1 of the listed notices against the
labelled ones; ``HIGH_COVER`` as the lowest cover at which listed notices were right ≥ 80 %.
Prints the out-of-fold recall, precision and F1 of the listed notices, the precision of 高, the
mean listed per question, per question file, the folds' choices and the warm latency; ``--show`` lists each question.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402
from index.analysis import related as rel  # noqa: E402
from index.analysis.evidence import evidence, topic_grams  # noqa: E402
from index.answer.evaluate import load_questions  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402

FILES = ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl")
SHARES = (0.05, 0.08, 0.12, 0.2, 0.3)
MIN_GRAMS = (1, 2)
COVERS = [round(c, 2) for c in np.arange(0.0, 0.81, 0.05)]
#: the score cut (a share of the best notice's fused score, ``CUT_RATIO``), chosen with the evidence rule
RATIOS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
#: 高 means: listed notices at that cover were right at least this often (in the training folds).
PRECISION_HIGH = 0.8


def question_rows(searcher: Searcher, questions: list[tuple[str, dict]]) -> list[dict]:
    """Per question: file, relevant ids, the top 10 ids, which are in the cut list, covers per frame share."""
    rows = []
    for name, q in questions:
        cleaned, exclude = rel.related_query_text(searcher, q["query"])
        vector = searcher.embed_query(cleaned)
        ranked, scores, _, passages = rel._ranked_documents(searcher, cleaned, vector, 10, None, exclude, False)
        best = max(scores.values(), default=0.0)
        ratio = [scores[d] / best if best else 0.0 for d in ranked]
        covers = {}
        for share in SHARES:
            grams = topic_grams(searcher, cleaned, share)
            found = [evidence(searcher, d, grams, [c for c, _ in passages.get(d, [])]) for d in ranked]
            covers[share] = [f.cover if f else -1.0 for f in found]
            covers[(share, "grams")] = [f.grams if f else 0 for f in found]
        rows.append({"file": name, "query": q["query"], "relevant": set(q["relevant"]), "ids": ranked,
                     "ratio": ratio, "covers": covers})
    return rows


def listed(row: dict, share: float, cover: float, grams: int, cut: float) -> list[str]:
    """The notices listed under one setting."""
    c = row["covers"]
    return [d for d, r, v, g in zip(row["ids"], row["ratio"], c[share], c[(share, "grams")], strict=True)
            if r >= cut and v >= max(cover, 1e-9) and g >= grams]


def prf(rows: list[dict], share: float, cover: float, grams: int, cut: float) -> tuple[float, float, float]:
    """Mean recall, precision (1 for an empty list of a question) and F1 over the questions."""
    rs, ps, fs = [], [], []
    for row in rows:
        kept = listed(row, share, cover, grams, cut)
        hit = len(set(kept) & row["relevant"])
        r = hit / len(row["relevant"])
        p = hit / len(kept) if kept else 1.0
        rs.append(r)
        ps.append(p)
        fs.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(rs)), float(np.mean(ps)), float(np.mean(fs))


def choose(rows: list[dict]) -> tuple[float, float, int, float, float]:
    """(frame share, cover, bigrams, cut ratio, high cover) chosen on ``rows``."""
    share, cover, grams, cut = max(((s, c, g, r) for s in SHARES for c in COVERS for g in MIN_GRAMS for r in RATIOS),
                                   key=lambda sc: (prf(rows, *sc)[2], -sc[1], -sc[2], -abs(sc[3] - rel.CUT_RATIO)))
    pairs = []
    for row in rows:
        ok = set(listed(row, share, cover, grams, cut))
        pairs += [(c, d in row["relevant"]) for d, c in zip(row["ids"], row["covers"][share], strict=True) if d in ok]
    high = 1.01
    for h in sorted({c for c, _ in pairs}):
        above = [ok for c, ok in pairs if c >= h]
        if len(above) >= 5 and np.mean(above) >= PRECISION_HIGH:
            high = h
            break
    return share, float(cover), grams, cut, round(float(high), 4)


def main() -> int:
    """Print the out-of-fold figures and the settings chosen on all questions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    searcher = Searcher(args.index)
    questions = [(f, q) for f in FILES for q in load_questions(SHARED / "eval" / f)
                 if q.get("type") == "multi" and q.get("relevant")]
    rows = question_rows(searcher, questions)
    print(f"{len(rows)} multi questions; module setting FRAME_SHARE {tuned.FRAME_SHARE}, "
          f"EVIDENCE_COVER {tuned.EVIDENCE_COVER}, HIGH_COVER {tuned.HIGH_COVER}")
    order = np.random.default_rng(0).permutation(len(rows))
    fold_of = {int(i): k % args.folds for k, i in enumerate(order)}
    oof: list[tuple[dict, list[str], list[str]]] = []  # row, listed, 高
    choices = []
    for k in range(args.folds):
        train = [r for i, r in enumerate(rows) if fold_of[i] != k]
        share, cover, grams, cut, high = choose(train)
        choices.append((share, cover, grams, cut, high))
        for i, row in enumerate(rows):
            if fold_of[i] == k:
                kept = listed(row, share, cover, grams, cut)
                covers = dict(zip(row["ids"], row["covers"][share], strict=True))
                oof.append((row, kept, [d for d in kept if covers[d] >= high]))
    print("folds chose (frame share, cover, bigrams, cut ratio, 高):", choices)

    def report(label: str, part: list[tuple[dict, list[str], list[str]]]) -> None:
        rs, ps, fs, n = [], [], [], []
        for row, kept, _ in part:
            hit = len(set(kept) & row["relevant"])
            r, p = hit / len(row["relevant"]), (hit / len(kept) if kept else 1.0)
            rs.append(r)
            ps.append(p)
            fs.append(2 * p * r / (p + r) if p + r else 0.0)
            n.append(len(kept))
        high = [d in row["relevant"] for row, _, hs in part for d in hs]
        base = []  # the cut list as before the evidence rule
        for row, _, _ in part:
            kept = [d for d, r in zip(row["ids"], row["ratio"], strict=True) if r >= rel.CUT_RATIO]
            hit = len(set(kept) & row["relevant"])
            base.append((hit / len(row["relevant"]), hit / len(kept) if kept else 1.0))
        print(f"  {label:<24} n={len(part):>2}  listed recall {np.mean(rs):.3f}  precision {np.mean(ps):.3f}  "
              f"F1 {np.mean(fs):.3f}  mean listed {np.mean(n):.1f}  高 {len(high)} right {np.mean(high or [0]):.3f}"
              f"  | cut list only: R {np.mean([b[0] for b in base]):.3f} P {np.mean([b[1] for b in base]):.3f}")

    print("out of fold:")
    report("all", oof)
    for name in FILES:
        report(name, [o for o in oof if o[0]["file"] == name])
    print("chosen on all questions (in sample, for index/tuned.py):", choose(rows))
    if args.show:
        for row, kept, _ in oof:
            miss = row["relevant"] - set(kept)
            extra = set(kept) - row["relevant"]
            print(f"{row['query'][:40]}  listed {len(kept)}  missed {sorted(miss)}  extra {sorted(extra)}")
    timings = []
    for _, q in questions:  # warm: model loaded, query vectors cached by the first pass above
        start = time.perf_counter()
        rel.related_with_more(searcher, q["query"])
        timings.append((time.perf_counter() - start) * 1000)
    print(f"related_with_more warm p50 {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms over {len(timings)} questions (query vector cached)")
    counts = Counter(len(r["relevant"]) for r in rows)
    print("labelled notices per question:", dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
