"""Choose ``index.answer.reader.EVIDENCE_RATIO`` (the 哪些单位/哪些巡察… list answer) by k-fold cross-validation.

    .venv/bin/python benchmarks/tune_notice_list.py --index DIR [--folds 5] [--seed 0]

Questions: the multi-notice questions of the three dev files that ``ask`` answers as a list of notices
(answer type ``list_notices``), each labelled with its relevant notices.  For every ratio in a grid
the list ``ask`` returns is compared with the relevant notices (recall, precision, F2: a missed notice
costs more than an extra one).  Per fold the ratio with the best mean F2 on the other folds is
applied to the held-out fold.  Prints the out-of-fold and in-sample figures, and the list without the
evidence cut (ratio 0: only notices with no evidence sentence at all are left out) beside them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402  (the tuned values and shared criteria)
from index.answer.answer_type import asked_types  # noqa: E402
from index.answer.evaluate import load_questions  # noqa: E402
from index.answer.reader import Answerer  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402
from index.text.query import clean_query  # noqa: E402

FILES = ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl")
BETA = tuned.F_BETA
RATIOS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]


def scores(listed: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """Recall, precision and F2 of one list."""
    hit = len(set(listed) & relevant)
    recall = hit / len(relevant)
    precision = hit / len(listed) if listed else 0.0
    f = (1 + BETA**2) * precision * recall / (BETA**2 * precision + recall) if hit else 0.0
    return recall, precision, f


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    parser.add_argument("--seed", type=int, default=tuned.FOLD_SEED)
    args = parser.parse_args()
    questions = [q for name in FILES for q in load_questions(SHARED / "eval" / name)
                 if q.get("type") == "multi" and q.get("relevant")
                 and asked_types(clean_query(q["query"])).types == ["list_notices"]]
    answerer = Answerer(Searcher(args.index))
    # table[q][r] = (recall, precision, F2, length) of question q's list under ratio r
    table = np.zeros((len(questions), len(RATIOS), 4))
    for qi, q in enumerate(questions):
        for ri, ratio in enumerate(RATIOS):
            answerer.evidence_ratio = ratio
            answer = answerer.ask(q["query"])
            listed = [item["doc_id"] for item in answer.items]
            table[qi, ri] = (*scores(listed, set(q["relevant"])), len(listed))
    folds = np.random.default_rng(args.seed).permutation(len(questions)) % args.folds
    out_of_fold = np.zeros((len(questions), 4))
    chosen = []
    for fold in range(args.folds):
        train, test = folds != fold, folds == fold
        best = int(np.argmax(table[train, :, 2].mean(axis=0)))
        chosen.append(RATIOS[best])
        out_of_fold[test] = table[test, best]
    print(f"{len(questions)} list_notices questions (multi, three dev files), {args.folds}-fold cross-validation")
    print(f"ratios chosen per fold: {chosen}")

    def line(label: str, rows: np.ndarray) -> None:
        print(f"{label:34s} recall {rows[:, 0].mean():.3f}  precision {rows[:, 1].mean():.3f}  "
              f"F2 {rows[:, 2].mean():.3f}  mean length {rows[:, 3].mean():.1f}")

    line("out of fold", out_of_fold)
    for ri, ratio in enumerate(RATIOS):
        line(f"in sample, ratio {ratio}", table[:, ri])


if __name__ == "__main__":
    main()
