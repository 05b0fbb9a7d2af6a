"""Choose ``index.related.CUT_RATIO`` by k-fold cross-validation on the multi-notice questions.

    .venv/bin/python benchmarks/tune_related_cut.py --index /tmp/i8-index

For each multi question of both dev files the uncut ranking (30 documents
with their scores) is computed once.  Per fold, the ratio that maximises the
mean F2 (recall weighted twice) of the cut list against the relevant notices on the other folds is
chosen and applied to the held-out fold.  Prints multi Recall@10 uncut, and
out-of-fold and in-sample recall, precision, F2 and mean list length of the
cut list.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.evaluate import load_questions  # noqa: E402
from index.related import related  # noqa: E402
from index.search import Searcher  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))
#: F-beta with beta 2: missing a notice on the topic costs more than listing an extra one.
BETA = 2.0
RATIOS = [round(r, 2) for r in np.arange(0.3, 0.96, 0.05)]


def cut_figures(rows: list[tuple[list[str], list[float], set[str]]], ratio: float) -> dict:
    """Recall, precision, F2 and list length of lists cut at ``ratio`` × the best score (top 10)."""
    recall, precision, fbeta, length = [], [], [], []
    for ids, scores, relevant in rows:
        kept = [d for d, s in zip(ids[:10], scores[:10], strict=True) if s >= ratio * scores[0]]
        hit = len(set(kept) & relevant)
        r, p = hit / len(relevant), hit / max(len(kept), 1)
        recall.append(r)
        precision.append(p)
        fbeta.append((1 + BETA**2) * r * p / (BETA**2 * p + r) if r + p else 0.0)
        length.append(len(kept))
    return {"recall": float(np.mean(recall)), "precision": float(np.mean(precision)), "f": float(np.mean(fbeta)),
            "length": float(np.mean(length))}


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    questions = [q for f in ("questions.jsonl", "questions_more.jsonl")
                 for q in load_questions(SHARED / "eval" / f) if q["type"] == "multi"]
    searcher = Searcher(args.index)
    rows = []
    for q in questions:
        entries = related(searcher, q["query"], top=30, cut=False)
        rows.append(([e["doc_id"] for e in entries], [e["score"] for e in entries], set(q["relevant"])))
    uncut = np.mean([len(set(ids[:10]) & rel) / len(rel) for ids, _, rel in rows])
    print(f"{len(rows)} multi questions; Recall@10 uncut {uncut:.3f}")
    folds = np.random.default_rng(0).permutation(len(rows)) % args.folds
    held: list[tuple[list[str], list[float], set[str]]] = []
    chosen = []
    per_fold = []
    for k in range(args.folds):
        train = [r for r, f in zip(rows, folds, strict=True) if f != k]
        test = [r for r, f in zip(rows, folds, strict=True) if f == k]
        best = max(RATIOS, key=lambda ratio: cut_figures(train, ratio)["f"])
        chosen.append(best)
        per_fold.append((test, best))
    for test, best in per_fold:
        held.extend((ids[:10], [s if s >= best * scores[0] else -1.0 for s in scores[:10]], rel)
                    for ids, scores, rel in test)
    # Held-out lists carry -1 for what their fold's ratio cut; a ratio of 0 then keeps exactly the rest.
    oof = cut_figures([(ids, [max(s, 0.0) if s >= 0 else -1.0 for s in scores], rel)
                       for ids, scores, rel in held], 0.0)
    best_all = max(RATIOS, key=lambda ratio: cut_figures(rows, ratio)["f"])
    inside = cut_figures(rows, best_all)
    print(f"ratios chosen per fold: {chosen}; on all: {best_all}")
    for name, fig in (("cut, out of fold", oof), ("cut, in sample", inside)):
        print(f"{name:18s} recall {fig['recall']:.3f}  precision {fig['precision']:.3f}  F2 {fig['f']:.3f}  "
              f"mean length {fig['length']:.1f}")


if __name__ == "__main__":
    main()
