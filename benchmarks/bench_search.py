"""Print ingest, cold-start, search and ask figures on this machine, and at 100k / 1M chunks.

    python benchmarks/bench_search.py [--scales 100000,1000000] [--repeat 5] [--st]

1. Ingests ``tests/data/shared/corpus/`` into a fresh temporary index (the ONNX
   encoder when the default model has one): documents, chunks, seconds,
   chunks/s and distinct texts embedded/s (chunks, finding statements and
   sentences), peak memory.  ``--st`` ingests it again with
   sentence-transformers (``NOTICE_ONNX=0``) in the same run, side by side.
2. Cold ``python -m index ask`` from a fresh process (median of 3), and
   whether that process imported torch.
3. Search and ask latency (p50/p95, model already loaded), queries per second
   and where the time goes (query embedding, keyword, vector, fusion, answer),
   over the questions of ``tests/data/shared/eval/questions.jsonl``.
4. For each of ``--scales``: the corpus replicated to that many chunks, then a
   fresh process opens it and prints open time, resident memory, search
   p50/p95 over both dev question files and the recall@10 of the approximate
   (IVF) vector index against exact search.  How the copies vary: each copy's
   chunk (and sentence) vectors are the real ones plus Gaussian noise
   (sigma 0.02 per dimension), re-normalised; the keyword index is the real
   bm25s index of the real chunks, its postings repeated per copy with every
   copied chunk's BM25 weights scaled by a random factor in [0.8, 1.2] (as a
   different chunk length would), so no two copies score alike.  Documents
   and chunks are written in full (their text repeated).  Above 200k chunks
   no sentence vectors are written (disk and build time), so only search is
   timed there.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index.answer.reader import Answerer  # noqa: E402
from index.encode.encoder import chunk_passage, finding_passage  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402
from index.store import folder as store  # noqa: E402
from index.store.keyword import SETTINGS  # noqa: E402
from index.text.sentences import split_sentences  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402


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


def replicate(root: Path, target: int, out: Path, sentences: bool = True) -> int:
    """Write an index at ``out`` whose chunks are those of ``root`` repeated (with variation) up to ``target``."""
    data = store.load(root)
    base_chunks = data.chunks
    n0 = len(base_chunks)
    copies = max(1, -(-target // n0))
    rng = np.random.default_rng(0)

    def noisy(block: np.ndarray, copy: int) -> np.ndarray:
        block = np.array(block, dtype="float32")
        if copy:
            block += rng.normal(0, 0.02, block.shape).astype("float32")
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        return block

    docs, chunks = {}, []
    vectors = np.zeros((target, data.config.dimension), dtype="float32")
    for copy in range(copies):
        for doc_id, doc in data.documents.items():
            twin = dataclasses.replace(doc, doc_id=f"{doc_id}~{copy}" if copy else doc_id, findings=[])
            docs[twin.doc_id] = twin
        start = copy * n0
        take = min(n0, target - start)
        vectors[start:start + take] = noisy(data.chunk_vectors[:take], copy)
        for chunk in base_chunks[:take]:
            doc_id = f"{chunk.doc_id}~{copy}" if copy else chunk.doc_id
            chunks.append(dataclasses.replace(chunk, chunk_id=len(chunks), doc_id=doc_id))
    used = {c.doc_id for c in chunks}
    scaled = store.IndexData(config=data.config, documents={k: v for k, v in docs.items() if k in used},
                             chunks=chunks, chunk_vectors=vectors)
    if sentences:
        counts = np.diff(np.asarray(data.sentence_offsets))
        sentence_offsets = np.concatenate([[0], np.cumsum(np.tile(counts, copies)[:target])])
        scaled.sentence_vectors = np.vstack([noisy(data.sentence_vectors, c) for c in range(copies)])[
            : sentence_offsets[-1]]
        scaled.sentence_offsets = sentence_offsets
    assert data.path is not None
    store.write_generation(out, scaled, extra_writers=[replicated_keywords(data.path, copies, target, n0)])
    return len(chunks)


def replicated_keywords(base: Path, copies: int, target: int, n0: int):
    """A generation writer: the base bm25s index, postings repeated per copy, weights varied per chunk."""
    def write(folder: Path) -> None:
        shutil.copy(base / store.USERDICT, folder / store.USERDICT)
        src, dst = base / store.KEYWORD_DIR, folder / store.KEYWORD_DIR
        dst.mkdir()
        for name in ("vocab.index.json", SETTINGS):
            shutil.copy(src / name, dst / name)
        params = json.loads((src / "params.index.json").read_text(encoding="utf-8"))
        params["num_docs"] = target
        (dst / "params.index.json").write_text(json.dumps(params), encoding="utf-8")
        data = np.load(src / "data.csc.index.npy")
        indices = np.load(src / "indices.csc.index.npy")
        indptr = np.load(src / "indptr.csc.index.npy")
        factor = np.random.default_rng(1).uniform(0.8, 1.2, target).astype("float32")
        factor[:n0] = 1.0  # the first copy is the real corpus
        offsets = np.arange(copies, dtype=np.int64) * n0
        lengths = []
        out_data = np.lib.format.open_memmap(dst / "data.csc.index.npy", "w+", np.float32,
                                             (int(len(data) * copies),))
        out_idx = np.lib.format.open_memmap(dst / "indices.csc.index.npy", "w+", indices.dtype,
                                            (int(len(data) * copies),))
        pos = 0
        for token in range(len(indptr) - 1):
            docs = indices[indptr[token]:indptr[token + 1]].astype(np.int64)
            rows = (offsets[:, None] + docs[None, :]).ravel()
            rows = rows[rows < target]
            weights = np.tile(data[indptr[token]:indptr[token + 1]], copies)[: len(rows)] * factor[rows]
            out_data[pos:pos + len(rows)] = weights
            out_idx[pos:pos + len(rows)] = rows
            pos += len(rows)
            lengths.append(len(rows))
        out_data.flush()
        out_idx.flush()
        del out_data, out_idx
        if pos < len(data) * copies:  # the last copy was cut short: trim the files
            for name, dtype in (("data.csc.index.npy", np.float32), ("indices.csc.index.npy", indices.dtype)):
                full = np.load(dst / name, mmap_mode="r")
                np.save(dst / f"{name}.tmp.npy", np.asarray(full[:pos], dtype=dtype))
                del full
                os.replace(dst / f"{name}.tmp.npy", dst / name)
        new_indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(indptr.dtype)
        np.save(dst / "indptr.csc.index.npy", new_indptr)

    return write


def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def texts_embedded(root: Path) -> int:
    """Distinct texts the ingest of ``root`` embedded: chunk passages, finding statements, sentences."""
    data = store.load(root, vectors=False)
    texts = {chunk_passage(data.documents[c.doc_id], c) for c in data.chunks}
    texts |= {finding_passage(f) for d in data.documents.values() for f in d.findings}
    texts |= {c.text[a:b] for c in data.chunks for a, b in split_sentences(c.text)}
    return len(texts)


def time_ingest(label: str, root: Path) -> None:
    """Ingest the shared corpus into ``root`` and print the figures."""
    from index.encode import encoder as embed

    embed._embedder.cache_clear()  # the encoder loads inside the timed run
    t0 = time.perf_counter()
    report = ingest([SHARED / "corpus"], root, progress=False)
    seconds = time.perf_counter() - t0
    counts = report.counts
    texts = texts_embedded(root)
    print(f"\n## ingest {SHARED / 'corpus'}, {label} (model load included)")
    print(f"documents {counts['documents']}  chunks {counts['chunks']}  findings {counts['findings']}  "
          f"distinct texts embedded {texts}  seconds {seconds:.1f}  chunks/s {counts['chunks'] / seconds:.1f}  "
          f"texts/s {texts / seconds:.1f}  peak RSS {peak_rss_mb():.0f} MB  "
          f"rejected {len(report.rejected)} duplicates {len(report.duplicates)}")


def cold_ask(root: Path, question: str, runs: int = 3) -> None:
    """``python -m index ask`` from a fresh process: wall and CPU seconds, and whether it imported torch.

    Run with the ONNX encoder and, side by side, with sentence-transformers (``NOTICE_ONNX=0``).  CPU
    seconds (user + system of the child) are printed beside wall time because on a shared machine the
    wall time mostly measures the other processes.
    """
    print(f"\n## cold CLI ask (fresh process, {runs} runs each)")
    for label, env in (("ONNX", {}), ("sentence-transformers", {"NOTICE_ONNX": "0"})):
        walls, cpus = [], []
        torch = False
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            result = subprocess.run([sys.executable, "-X", "importtime", "-m", "index", "ask", question,
                                     "--index", str(root), "--json"], cwd=REPO, capture_output=True, text=True,
                                    env={**os.environ, **env})
            walls.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if result.returncode != 0:
                print(result.stderr[-500:])
            torch = torch or any(line.startswith("import time:") and line.split("|")[-1].strip() == "torch"
                                 for line in result.stderr.splitlines())
        print(f"{label:22s} wall median {statistics.median(walls):5.2f} s (min {min(walls):5.2f})  "
              f"CPU median {statistics.median(cpus):5.2f} s  torch imported: {torch}  "
              f"load average {os.getloadavg()[0]:.1f}")


def measure(root: Path, repeat: int) -> None:
    """In a fresh process: open a (large) index, time searches, approximate-index recall, memory."""
    questions = [json.loads(line)["query"] for name in ("questions.jsonl", "questions_more.jsonl")
                 for line in (SHARED / "eval" / name).open(encoding="utf-8")]
    from index.encode.encoder import get_embedder

    t0 = time.perf_counter()
    searcher = Searcher(root)
    opened = time.perf_counter() - t0
    base_rss = rss_mb()
    get_embedder(searcher.data.config).encode_queries(["预热"])  # the model is not part of the index's open time
    model_rss = rss_mb() - base_rss
    for query in questions[:5]:
        searcher.search(query)
    timings: dict[str, list[float]] = {k: [] for k in ("search", "embed", "keyword", "vector", "fusion")}
    for _ in range(repeat):
        for query in questions:
            searcher.clear_cache()
            t0 = time.perf_counter()
            searcher.search(query, top=10)
            timings["search"].append((time.perf_counter() - t0) * 1e3)
            for stage in ("embed", "keyword", "vector", "fusion"):
                timings[stage].append(getattr(searcher.timings, stage))
    rss_after = rss_mb()
    manifest = searcher.data.manifest
    print(f"chunks {len(searcher.chunks)}  documents {len(searcher.documents)}  "
          f"vector index {manifest.get('vector_index')}  open {opened:.2f} s")
    parts = "  ".join(f"{k} {statistics.median(timings[k]):.1f}" for k in ("embed", "keyword", "vector", "fusion"))
    print(f"search {percentiles(timings['search'])}  ({len(timings['search'])} queries); median ms by stage: {parts}")
    print(f"RSS after the queries {rss_after:.0f} MB (model {model_rss:.0f} MB of it)")
    ann, exact = searcher.data.ann_index, searcher.data.chunk_index
    if ann is not None:
        vectors = np.vstack([searcher.embed_query(q) for q in questions]).astype("float32")
        t0 = time.perf_counter()
        _, approx_ids = ann.search(vectors, 10)
        ann_ms = (time.perf_counter() - t0) * 1e3 / len(vectors)
        t0 = time.perf_counter()
        _, exact_ids = exact.search(vectors, 10)
        exact_ms = (time.perf_counter() - t0) * 1e3 / len(vectors)
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_ids, exact_ids, strict=True)])
        print(f"ANN recall@10 vs exact {recall:.3f} over {len(vectors)} queries (IVF {ann_ms:.1f} ms/query, "
              f"exact {exact_ms:.1f} ms/query, batched); RSS after exact search {rss_mb():.0f} MB")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="100000", help="comma-separated chunk counts (e.g. 100000,1000000)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--st", action="store_true", help="also ingest with sentence-transformers, side by side")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the fresh-process half of step 4
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.repeat)
        return
    queries = [json.loads(line)["query"] for line in (SHARED / "eval" / "questions.jsonl").open(encoding="utf-8")]
    machine = platform.processor() or platform.machine()
    print(f"# machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "index"
        time_ingest("ONNX encoder" if os.environ.get("NOTICE_ONNX") != "0" else "sentence-transformers", root)
        if args.st:
            os.environ["NOTICE_ONNX"] = "0"
            time_ingest("sentence-transformers (NOTICE_ONNX=0)", Path(tmp) / "index-st")
            del os.environ["NOTICE_ONNX"]
            from index.encode import encoder as embed

            embed._embedder.cache_clear()
        print(f"index on disk {folder_mb(root):.1f} MB")
        cold_ask(root, queries[0])
        searcher = Searcher(root)
        report_latency(f"shared corpus ({len(searcher.chunks)} chunks)", time_queries(searcher, queries, args.repeat))
        print(f"RSS with model and index loaded {rss_mb():.0f} MB (peak so far {peak_rss_mb():.0f} MB)")
        del searcher
        for scale in [int(x) for x in args.scales.split(",") if x]:
            big = Path(tmp) / f"scaled-{scale}"
            t0 = time.perf_counter()
            n = replicate(root, scale, big, sentences=scale <= 200_000)
            print(f"\n## replicated to {n} chunks (built in {time.perf_counter() - t0:.0f} s, "
                  f"{folder_mb(big):.0f} MB on disk); a fresh process opens it:", flush=True)
            subprocess.run([sys.executable, __file__, "--measure", str(big), "--repeat", str(max(1, args.repeat // 2))],
                           check=True)
            shutil.rmtree(big, ignore_errors=True)


if __name__ == "__main__":
    main()
