"""Warm ``ask`` latency over every development question (the speed target of issue 17: p50 ≤ 15 ms).

    .venv/bin/python benchmarks/bench_ask.py --index DIR

The model and index are loaded first (not timed).  Each question of the three development files is
asked twice: the first pass includes the query's encoding, the second finds the query vector cached
(what a repeated or paged question costs).  Prints p50 / p95 / max of both passes in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD  # noqa: E402

from index.answer.evaluate import load_questions  # noqa: E402
from index.answer.reader import Answerer  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402


def figures(label: str, ms: list[float]) -> str:
    """``label  p50 … p95 … max …`` of a list of milliseconds."""
    ordered = sorted(ms)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{label:<32} p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    args = parser.parse_args()
    answerer = Answerer(Searcher(args.index))
    answerer.ask("巡察组什么时候进驻?")  # loads the model, jieba and the tag dictionary
    queries = [q["query"] for f in (QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD) for q in load_questions(f)]
    passes = []
    for _ in range(2):
        ms = []
        for query in queries:
            start = time.perf_counter()
            answerer.ask(query)
            ms.append((time.perf_counter() - start) * 1e3)
        passes.append(ms)
    print(f"{len(queries)} development questions, index {args.index}")
    print(figures("first pass (query encoded)", passes[0]))
    print(figures("second pass (vector cached)", passes[1]))


if __name__ == "__main__":
    main()
