"""Embedded folder index vs the same index exported to Milvus Lite, side by side.

    python benchmarks/bench_milvus.py [--index DIR] [--milvus-uri FILE.db]

Builds the shared-corpus index when ``--index`` is not given (or is empty),
exports it with :func:`index.store.milvus.export` (vectors copied), then on the
165 labelled questions (``questions.jsonl`` + ``questions_more.jsonl``) prints
Recall@5, MRR@10, answer-hit@5, ask accuracy and multi Recall@10 for both
backends (measures of :func:`index.answer.evaluate.evaluate`), how many ``ask``
answers are identical (export-then-ask agreement), whether the filters return
the same document sets, and search latency.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index.analysis.related import related_documents  # noqa: E402
from index.answer.evaluate import evaluate, load_questions  # noqa: E402
from index.answer.reader import Answerer  # noqa: E402
from index.filters import KINDS, Filters  # noqa: E402
from index.retrieve.milvus_search import MilvusSearcher  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402
from index.store import folder as store  # noqa: E402
from index.store.milvus import export  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402

MEASURES = ("recall@5", "mrr@10", "answer_hit@5", "answer_accuracy", "multi_recall@10")

#: Filters checked for identical document sets (real organisations and years of the corpus).
FILTERS = [Filters(kinds=(k,)) for k in KINDS] + [
    Filters(org="张家界"), Filters(org="宣传部"), Filters(org="辽中"), Filters(date_from="2021"),
    Filters(date_to="2020-12"), Filters(date_from="2020-06", date_to="2022"),
    Filters(kinds=("feedback",), date_from="2023"), Filters(org="不存在的单位"), Filters(kinds=("nonsense",)),
]


def questions() -> list[dict]:
    """The 165 labelled dev questions."""
    rows = []
    for name in ("questions.jsonl", "questions_more.jsonl"):
        rows += load_questions(SHARED / "eval" / name)
    return rows


def report_for(searcher: Searcher, rows: list[dict]) -> dict:
    """evaluate() with related() for multi questions, as ``python -m index evaluate`` does."""
    return evaluate(searcher, rows, related=lambda q, k: related_documents(searcher, q, k))


def latency(searcher: Searcher, rows: list[dict]) -> tuple[float, float]:
    """Median and p95 search time (ms) over the questions, query vectors cached (backend cost only)."""
    times = []
    for q in rows:
        searcher.search(q["query"], top=10)
        started = time.perf_counter()
        searcher.search(q["query"], top=10)
        times.append((time.perf_counter() - started) * 1e3)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> int:
    """Print the side-by-side figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--milvus-uri", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-milvus-"))
    root = args.index or work / "index"
    if store.current_generation(root) is None:
        started = time.perf_counter()
        ingest([SHARED / "corpus" / "notices.jsonl", SHARED / "corpus" / "seed.txt"], root, progress=False)
        print(f"built the embedded index in {time.perf_counter() - started:.0f} s")
    uri = args.milvus_uri or str(work / "milvus.db")
    started = time.perf_counter()
    counts = export(root, uri)
    print(f"export-milvus: {counts} in {time.perf_counter() - started:.1f} s → {uri}")

    embedded = Searcher(root)
    started = time.perf_counter()
    milvus = MilvusSearcher(uri)
    print(f"MilvusSearcher opened in {time.perf_counter() - started:.2f} s")
    rows = questions()
    single = [q for q in rows if q.get("type") != "multi"]
    reports = {name: report_for(s, rows) for name, s in (("embedded", embedded), ("milvus-lite", milvus))}
    a, b = reports["embedded"], reports["milvus-lite"]
    print(f"\n{len(rows)} questions: {a['count']} single ({a['count_fact']} fact), {a['count_multi']} multi")
    print(f"{'measure':18s} {'embedded':>9s} {'milvus-lite':>12s} {'diff':>7s}")
    for key in MEASURES:
        print(f"{key:18s} {a[key]:9.4f} {b[key]:12.4f} {b[key] - a[key]:+7.4f}")

    ask_a, ask_b = Answerer(embedded), Answerer(milvus)
    same = sum(ask_a.ask(q["query"]).answer == ask_b.ask(q["query"]).answer for q in single)
    print(f"\nexport-then-ask: {same}/{len(single)} identical answers")

    inside = same = exact = small = total = 0
    for filters in FILTERS:
        allowed = {d for d, doc in embedded.documents.items() if filters.accepts(doc)}
        all_candidates = sum(c.doc_id in allowed for c in embedded.chunks) <= milvus.fusion.depth
        for q in single[:20]:
            docs_a = {h.doc_id for h in embedded.search(q["query"], top=30, per_doc=1, filters=filters)}
            docs_b = {h.doc_id for h in milvus.search(q["query"], top=30, per_doc=1, filters=filters)}
            total += 1
            inside += docs_b <= allowed
            same += len(docs_a ^ docs_b) <= 2
            if all_candidates:  # every allowed passage is a candidate of both: the sets must be equal
                small += 1
                exact += docs_a == docs_b
    print(f"filters ({len(FILTERS)} filters x 20 questions, top 30 notices): every Milvus hit inside the filter "
          f"{inside}/{total}; same notices (±2 at the cut) {same}/{total}; identical sets where every allowed "
          f"passage is a candidate {exact}/{small}")

    for name, searcher in (("embedded", embedded), ("milvus-lite", milvus)):
        p50, p95 = latency(searcher, single)
        print(f"search latency {name:12s} p50 {p50:.1f} ms, p95 {p95:.1f} ms (query vector cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
