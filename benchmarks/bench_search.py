"""Print ingest, search and ask figures on this machine.

    python benchmarks/bench_search.py [--scale 100000] [--repeat 5]

1. Ingests ``../shared/corpus/`` into a fresh temporary index: documents,
   chunks, seconds, chunks/s, peak memory.
2. Search and ask latency (p50/p95, model already loaded), queries per second
   and where the time goes (query embedding, keyword, vector, fusion, answer),
   over the questions of ``../shared/eval/questions.jsonl``.
3. The same corpus replicated to ``--scale`` chunks.  The replicated chunks
   keep their real text (keyword index built for real) but their vectors are
   synthetic: the real vectors plus small Gaussian noise, re-normalised, so
   FAISS does the full amount of work without re-embedding 100k passages.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index import store  # noqa: E402
from index.answer import Answerer  # noqa: E402
from index.search import Searcher  # noqa: E402
from ingest.pipeline import ingest, keyword_writer  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    """Size of a folder on disk, in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def percentiles(values: list[float]) -> str:
    """p50 / p95 of a list of milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms"


def time_queries(searcher: Searcher, queries: list[str], repeat: int) -> dict[str, list[float]]:
    """Latency of search and ask, with the per-stage breakdown of search."""
    answerer = Answerer(searcher)
    out: dict[str, list[float]] = {k: [] for k in ("search", "ask", "embed", "keyword", "vector", "fusion", "answer")}
    for query in queries[:3]:  # warm-up
        answerer.ask(query)
    for _ in range(repeat):
        for query in queries:
            answerer.clear_cache()  # time cold queries: no cached query or sentence vectors
            t0 = time.perf_counter()
            searcher.search(query, top=10)
            search_ms = (time.perf_counter() - t0) * 1e3
            out["search"].append(search_ms)
            for stage in ("embed", "keyword", "vector", "fusion"):
                out[stage].append(getattr(searcher.timings, stage))
            answerer.clear_cache()
            t0 = time.perf_counter()
            answerer.ask(query)
            ask_ms = (time.perf_counter() - t0) * 1e3
            out["ask"].append(ask_ms)
            out["answer"].append(ask_ms - search_ms)  # sentence scoring (incl. embedding sentences)
    return out


def report_latency(title: str, timings: dict[str, list[float]]) -> None:
    """Print one latency table."""
    print(f"\n## {title}")
    for key in ("search", "ask"):
        values = timings[key]
        print(f"{key:8s} {percentiles(values)}  ({1000 / statistics.mean(values):5.1f} queries/s, 1 thread)")
    stages = ("embed", "keyword", "vector", "fusion", "answer")
    parts = "  ".join(f"{k} {statistics.median(timings[k]):.1f}" for k in stages)
    print(f"median ms by stage: {parts}")


def replicate(root: Path, target: int, out: Path) -> int:
    """Write an index at ``out`` whose chunks are those of ``root`` repeated up to ``target``.

    Chunk and sentence vectors of each copy are the real ones plus small noise, re-normalised.
    """
    data = store.load(root)
    base_chunks = data.chunks
    offsets = np.asarray(data.sentence_offsets)
    counts = np.diff(offsets)
    copies = max(1, -(-target // len(base_chunks)))
    rng = np.random.default_rng(0)

    def noisy(block: np.ndarray, copy: int) -> np.ndarray:
        block = np.array(block, dtype="float32")
        if copy:
            block += rng.normal(0, 0.02, block.shape).astype("float32")
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        return block

    docs, chunks, vectors, sentences = {}, [], [], []
    for copy in range(copies):
        for doc_id, doc in data.documents.items():
            twin = dataclasses.replace(doc, doc_id=f"{doc_id}~{copy}" if copy else doc_id, findings=[])
            docs[twin.doc_id] = twin
        vectors.append(noisy(data.chunk_vectors, copy))
        sentences.append(noisy(data.sentence_vectors, copy))
        for chunk in base_chunks:
            doc_id = f"{chunk.doc_id}~{copy}" if copy else chunk.doc_id
            chunks.append(dataclasses.replace(chunk, chunk_id=len(chunks), doc_id=doc_id))
    chunks = chunks[:target]
    sentence_offsets = np.concatenate([[0], np.cumsum(np.tile(counts, copies)[:target])])
    used = {c.doc_id for c in chunks}
    scaled = store.IndexData(config=data.config, documents={k: v for k, v in docs.items() if k in used},
                             chunks=chunks, chunk_vectors=np.vstack(vectors)[:target],
                             sentence_vectors=np.vstack(sentences)[: sentence_offsets[-1]],
                             sentence_offsets=sentence_offsets)
    store.write_generation(out, scaled, extra_writers=[keyword_writer(scaled)])
    return len(chunks)


def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in (SHARED / "eval" / "questions.jsonl").open(encoding="utf-8")]
    machine = platform.processor() or platform.machine()
    print(f"# machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        t0 = time.perf_counter()
        report = ingest([SHARED / "corpus"], root, progress=False)
        seconds = time.perf_counter() - t0
        counts = report.counts
        print("\n## ingest ../shared/corpus/ (model load included)")
        print(f"documents {counts['documents']}  chunks {counts['chunks']}  findings {counts['findings']}  "
              f"seconds {seconds:.1f}  chunks/s {counts['chunks'] / seconds:.1f}  peak RSS {peak_rss_mb():.0f} MB  "
              f"rejected {len(report.rejected)} duplicates {len(report.duplicates)}")
        searcher = Searcher(root)
        print(f"index on disk {folder_mb(root):.1f} MB")
        report_latency(f"shared corpus ({len(searcher.chunks)} chunks)", time_queries(searcher, queries, args.repeat))
        print(f"RSS with model and index loaded {rss_mb():.0f} MB (peak so far {peak_rss_mb():.0f} MB)")

        big = Path(tmp) / "scaled"
        t0 = time.perf_counter()
        n = replicate(root, args.scale, big)
        print(f"\nbuilt {n} chunk index (synthetic vectors) in {time.perf_counter() - t0:.1f} s, "
              f"{folder_mb(big):.0f} MB on disk")
        gc.collect()
        before = rss_mb()
        scaled = Searcher(big)
        report_latency(f"replicated corpus ({len(scaled.chunks)} chunks, synthetic vectors)",
                       time_queries(scaled, queries, max(1, args.repeat // 2)))
        print(f"RSS {rss_mb():.0f} MB after the queries, {rss_mb() - before:+.0f} MB for the scaled index "
              f"(vectors memory-mapped); peak RSS of the whole run {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
