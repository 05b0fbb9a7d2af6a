"""Themes (共性问题) figures, and the choice of ``index.tuned.THEME_THRESHOLD`` by k-fold cross-validation.

    .venv/bin/python benchmarks/bench_themes.py --index DIR [--grid] [--folds 5] [--seed 0]

Prints, for the index's groups at the current threshold: how many groups, members and notices,
their coherence and the time :func:`index.analysis.themes.themes` takes (cold: first call, vectors
embedded; warm: vectors cached).

Coherence is measured against labelled topics: the multi-notice questions of the development files
(type ``multi``, each with its complete ``relevant`` notices) that ask about a problem.  Each problem
statement (unit) of a notice that some question lists is labelled with the question, among those listing
its notice, whose query is nearest to the statement (cosine of the index's query and passage vectors);
statements of notices no question lists stay unlabelled.  Over pairs of labelled statements from two
different notices, *precision* is the share of pairs grouped together that have the same topic, *recall*
the share of same-topic pairs grouped together, and the criterion is their F1 (pair-counting F-measure).
The mean cosine silhouette of the grouped statements is printed beside it.

``--grid`` tries thresholds 0.90–0.98; per fold (notices split into ``--folds`` folds, a pair is in a fold
when either of its notices is) the threshold with the best F1 on the pairs of the other folds is applied
to the held-out pairs, and the out-of-fold F1, precision and recall are printed with the in-sample table.
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import EVAL  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402
from index.analysis import findings as findings_mod  # noqa: E402
from index.analysis.findings import corpus_problem_units, embed_units  # noqa: E402
from index.analysis.themes import cluster, themes  # noqa: E402
from index.answer.evaluate import load_questions  # noqa: E402
from index.encode.encoder import get_embedder  # noqa: E402
from index.store.folder import load  # noqa: E402
from index.text.problem import states_problem  # noqa: E402

FILES = ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl")
GRID = [round(0.90 + 0.005 * i, 3) for i in range(17)]


def topic_labels(data, units, vectors) -> tuple[list[int], list[dict]]:
    """Each unit's topic (index into the questions; -1: unlabelled) and the questions.

    Topics are the multi questions that state a problem (:func:`index.text.problem.states_problem`);
    in each notice a topic lists, the statement nearest to its query is labelled with it (nearest topic
    first when two topics pick the same statement).
    """
    questions = [q for name in FILES for q in load_questions(EVAL / name)
                 if q.get("type") == "multi" and q.get("relevant") and states_problem(q["query"])]
    qvec = get_embedder(data.config).encode_queries([q["query"] for q in questions])
    sims = vectors @ qvec.T
    best: dict[int, tuple[float, int]] = {}
    for qi, q in enumerate(questions):
        for doc_id in q["relevant"]:
            rows = [i for i, u in enumerate(units) if u.doc_id == doc_id]
            if rows:
                row = max(rows, key=lambda i: sims[i, qi])
                if row not in best or sims[row, qi] > best[row][0]:
                    best[row] = (float(sims[row, qi]), qi)
    return [best[i][1] if i in best else -1 for i in range(len(units))], questions


def pair_table(units, labels) -> list[tuple[int, int, bool]]:
    """Labelled pairs of units from different notices: (i, j, same topic)."""
    rows = [i for i, lab in enumerate(labels) if lab >= 0]
    return [(i, j, labels[i] == labels[j]) for i, j in combinations(rows, 2) if units[i].doc_id != units[j].doc_id]


def pair_scores(groups: list[list[int]], pairs) -> tuple[float, float, float]:
    """Precision, recall and F1 of the grouping over ``pairs``."""
    group_of = {i: g for g, rows in enumerate(groups) for i in rows}
    together = [(same, group_of[i] == group_of[j]) for i, j, same in pairs]
    tp = sum(1 for same, tog in together if same and tog)
    grouped = sum(1 for _, tog in together if tog)
    positive = sum(1 for same, _ in together if same)
    p = tp / grouped if grouped else 0.0
    r = tp / positive if positive else 0.0
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def silhouette(vectors: np.ndarray, groups: list[list[int]]) -> float:
    """Mean cosine silhouette (singletons count 0), as sklearn defines it."""
    from sklearn.metrics import silhouette_score

    labels = np.zeros(len(vectors), dtype=int)
    for g, rows in enumerate(groups):
        labels[rows] = g
    if not 2 <= len(groups) < len(vectors):
        return 0.0
    return float(silhouette_score(vectors, labels, metric="cosine"))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    parser.add_argument("--seed", type=int, default=tuned.FOLD_SEED)
    args = parser.parse_args()
    data = load(args.index)
    get_embedder(data.config)  # the model load is not themes' time
    start = time.perf_counter()
    result = themes(data)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    themes(data)
    warm = time.perf_counter() - start
    units = corpus_problem_units(data)
    vectors = embed_units(data, units)
    labels, questions = topic_labels(data, units, vectors)
    pairs = pair_table(units, labels)
    threshold = tuned.THEME_THRESHOLD
    groups = cluster(vectors, threshold)
    p, r, f = pair_scores(groups, pairs)
    notices = len({d for g in result for d in g["doc_ids"]})
    print(f"themes at threshold {threshold}: {len(result)} groups (≥2 notices), "
          f"{sum(g['count_members'] for g in result)} members, {notices} notices; {len(units)} statements")
    print(f"  coherence: pair precision {p:.3f}, recall {r:.3f}, F1 {f:.3f} over {len(pairs)} labelled pairs "
          f"({sum(s for *_, s in pairs)} same-topic; {sum(lab >= 0 for lab in labels)} statements labelled by "
          f"{len(questions)} topics); silhouette {silhouette(vectors, groups):.3f}")
    places = [g["count_places"] for g in result]
    unnamed = {m["doc_id"] for g in result for m in g["members"] if not m["place"]}
    print(f"  places/units per group: min {min(places)}, mean {np.mean(places):.1f}; "
          f"groups with no place named: {sum(1 for p in places if p == 0)}; notices with none: {len(unnamed)}")
    print(f"  time: cold {cold:.2f} s, warm {warm:.2f} s (vectors cached: {len(findings_mod._VECTORS)})")
    if not args.grid:
        return
    table = {t: cluster(vectors, t) for t in GRID}
    print("\nthreshold  groups≥2  precision  recall  F1     silhouette")
    for t in GRID:
        gp, gr, gf = pair_scores(table[t], pairs)
        big = sum(1 for g in table[t] if len(g) >= 2)
        print(f"{t:.3f}      {big:4d}      {gp:.3f}      {gr:.3f}   {gf:.3f}  {silhouette(vectors, table[t]):.3f}")
    rng = np.random.default_rng(args.seed)
    notices = sorted({u.doc_id for u in units})
    fold_of = dict(zip(notices, rng.permutation(len(notices)) % args.folds, strict=True))
    tp = grouped = positive = 0
    chosen = []
    for fold in range(args.folds):
        def held(pair, fold=fold) -> bool:
            return fold_of[units[pair[0]].doc_id] == fold or fold_of[units[pair[1]].doc_id] == fold
        train = [x for x in pairs if not held(x)]
        test = [x for x in pairs if held(x)]
        best = max(GRID, key=lambda t: (pair_scores(table[t], train)[2], t))
        chosen.append(best)
        group_of = {i: g for g, rows in enumerate(table[best]) for i in rows}
        for i, j, same in test:
            tog = group_of[i] == group_of[j]
            tp += same and tog
            grouped += tog
            positive += same
    op = tp / grouped if grouped else 0.0
    orr = tp / positive if positive else 0.0
    of = 2 * op * orr / (op + orr) if tp else 0.0
    print(f"\n{args.folds}-fold (by notice) chosen thresholds: {chosen}")
    print(f"out-of-fold pair precision {op:.3f}, recall {orr:.3f}, F1 {of:.3f}")


if __name__ == "__main__":
    main()
