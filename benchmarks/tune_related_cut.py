"""Choose the document fusion of ``index.analysis.related`` by k-fold cross-validation.

    .venv/bin/python benchmarks/tune_related_cut.py --index /tmp/ans-index

For each multi question of the three dev files the document rankings of
:func:`index.analysis.related.document_rankings` (keyword, passage vectors, findings, and a keyword
ranking per instance the question names) are computed once.  Per fold, on the other folds:

the fusion (``PASSAGE_WEIGHT``, ``FINDING_WEIGHT``, ``DOC_RRF_K``, ``ALTERNATIVE_WEIGHT`` from a
grid) with the best mean Recall@10 of the uncut ranking is chosen (ties: the better mean average
precision over the top 30) and applied to the held-out fold.  Prints the out-of-fold and in-sample
multi Recall@10 of the fused order (all files and per file).  ``related`` orders the fusion's first 30
by its judge, fitted with the fusion chosen again per fold: ``benchmarks/tune_related_judge.py``, which
uses this script's grid and criterion.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402  (the tuned values and shared criteria)
from index.analysis import related as rel  # noqa: E402
from index.answer.evaluate import load_questions  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402

FILES = ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl")
#: (passage, finding, k, alternative, place, level weight) tried; the keyword ranking has weight 1.
GRID = list(itertools.product((0.1, 0.25, 0.5, 0.75, 1.0), (0.25, 0.5, 1.0), (5.0, 10.0, 20.0, 60.0),
                              (0.0, 0.25, 0.5, 0.75, 1.0), (0.0, 0.5, 1.0, 2.0, 3.0), (0.0, 0.5, 1.0, 2.0)))

Row = tuple[list[str], list[float], set[str]]


def ranked_rows(rankings: list[dict], relevant: list[set[str]],
                setting: tuple[float, ...]) -> list[Row]:
    """(doc ids, scores, relevant) per question, best first (top 30), under one fusion setting."""
    rows = []
    for ranking, rel_ids in zip(rankings, relevant, strict=True):
        scores = rel.fuse_rankings(ranking, passage_weight=setting[0], finding_weight=setting[1], k=setting[2],
                                   alternative_weight=setting[3], place_weight=setting[4],
                                   level_weight=setting[5])
        ids = sorted(scores, key=lambda d: -scores[d])[:30]
        rows.append((ids, [scores[d] for d in ids], rel_ids))
    return rows


def recall10(rows: list[Row]) -> float:
    """Mean Recall@10 of uncut rankings."""
    return float(np.mean([len(set(ids[:10]) & r) / len(r) for ids, _, r in rows]))


def mean_ap(rows: list[Row]) -> float:
    """Mean average precision over the top 30 (the tie-break between settings of equal recall)."""
    aps = []
    for ids, _, r in rows:
        hits = [i for i, d in enumerate(ids) if d in r]
        aps.append(sum((n + 1) / (i + 1) for n, i in enumerate(hits)) / len(r))
    return float(np.mean(aps))


def choose(rankings: list[dict], relevant: list[set[str]]) -> tuple[float, ...]:
    """The fusion setting with the best Recall@10 (then MAP) on these questions."""
    by_setting = {s: ranked_rows(rankings, relevant, s) for s in GRID}
    return max(GRID, key=lambda s: (round(recall10(by_setting[s]), 9), mean_ap(by_setting[s])))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    args = parser.parse_args()
    questions = [(f, q) for f in FILES for q in load_questions(SHARED / "eval" / f) if q["type"] == "multi"]
    searcher = Searcher(args.index)
    rankings, relevant = [], []
    for _, q in questions:
        cleaned, exclude = rel.related_query_text(searcher, q["query"])
        ranking, _ = rel.document_rankings(searcher, cleaned, searcher.embed_query(cleaned), None, exclude)
        rankings.append(ranking)
        relevant.append(set(q["relevant"]))
    current = (tuned.PASSAGE_WEIGHT, tuned.FINDING_WEIGHT, tuned.DOC_RRF_K, tuned.ALTERNATIVE_WEIGHT,
               tuned.PLACE_WEIGHT, tuned.LEVEL_WEIGHT)
    print(f"{len(questions)} multi questions; Recall@10 uncut with the module's setting {current}: "
          f"{recall10(ranked_rows(rankings, relevant, current)):.3f}")
    folds = np.random.default_rng(tuned.FOLD_SEED).permutation(len(questions)) % args.folds
    held: dict[int, Row] = {}
    chosen = []
    for k in range(args.folds):
        train = [i for i in range(len(questions)) if folds[i] != k]
        test = [i for i in range(len(questions)) if folds[i] == k]
        setting = choose([rankings[i] for i in train], [relevant[i] for i in train])
        chosen.append(setting)
        for i, row in zip(test, ranked_rows([rankings[i] for i in test], [relevant[i] for i in test], setting),
                          strict=True):
            held[i] = row
    setting_all = choose(rankings, relevant)
    inside = ranked_rows(rankings, relevant, setting_all)
    print(f"chosen per fold (passage, finding, k, alternative, place, level): {chosen}")
    print(f"chosen on all: {setting_all}")
    oof = [held[i] for i in range(len(questions))]
    for name, rows in (("out of fold", oof), ("in sample", inside)):
        per_file = "  ".join(f"{f} {recall10([r for r, (g, _) in zip(rows, questions, strict=True) if g == f]):.3f}"
                             for f in FILES)
        print(f"Recall@10 of the fused order, {name:11s} {recall10(rows):.3f}  ({per_file})")

if __name__ == "__main__":
    main()
