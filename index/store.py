"""The index folder: generations written beside each other, switched atomically.

Layout::

    DIR/CURRENT              name of the live generation (replaced atomically)
    DIR/.lock                held by the one writer
    DIR/gen-000007/
        manifest.json        config (model, dimension, chunker) + counts
        documents.jsonl      one Document per line (clean text, original, findings)
        chunks.jsonl         one Chunk per line; line number = vector row
        chunks.faiss         FAISS inner-product index over chunk vectors
        findings.jsonl       (doc_id, label) per finding vector row
        findings.faiss       FAISS index over finding vectors
        sentences.faiss      vectors of each chunk's sentences (for extractive answers)
        sentence_offsets.npy chunk i's sentences are rows offsets[i]:offsets[i+1]
        keyword/             bm25s index (JSON + .npy, memory-mapped on load)
        userdict.txt         jieba user dictionary used for the keyword index

A writer builds a whole new generation folder, then replaces ``CURRENT``; a
crash before that leaves the previous generation live and loadable.  Nothing
read back from disk is pickled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from ingest.config import CHUNKER_VERSION, FORMAT_VERSION, Config
from ingest.records import Chunk, Document

from .errors import IndexLocked, IndexMismatch, IndexMissing

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
KEYWORD_DIR = "keyword"
USERDICT = "userdict.txt"
SENTENCE_OFFSETS = "sentence_offsets.npy"


@dataclass
class IndexData:
    """Everything a generation holds, in memory."""

    config: Config
    documents: dict[str, Document] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    chunk_vectors: np.ndarray | None = None
    finding_keys: list[tuple[str, str]] = field(default_factory=list)
    finding_vectors: np.ndarray | None = None
    path: Path | None = None
    manifest: dict = field(default_factory=dict)
    chunk_index: faiss.Index | None = None
    finding_index: faiss.Index | None = None
    sentence_vectors: np.ndarray | None = None  # rows: sentences of chunk 0, then chunk 1, ...
    sentence_offsets: np.ndarray | None = None  # chunk i's sentences are rows offsets[i]:offsets[i+1]
    sentence_index: faiss.Index | None = None

    def chunk_sentence_vectors(self, chunk_id: int) -> np.ndarray | None:
        """Vectors of the sentences of one chunk (in :func:`ingest.sentences.split_sentences` order)."""
        if self.sentence_vectors is None or self.sentence_offsets is None:
            return None
        return self.sentence_vectors[self.sentence_offsets[chunk_id]:self.sentence_offsets[chunk_id + 1]]


def current_generation(root: Path) -> Path | None:
    """Return the live generation folder of ``root``, or None if there is none."""
    marker = root / CURRENT
    if not marker.is_file():
        return None
    name = marker.read_text(encoding="utf-8").strip()
    gen = root / name
    return gen if (gen / MANIFEST).is_file() else None


def read_manifest(root: Path) -> dict:
    """Read the live manifest, raising IndexMissing with a clear message."""
    gen = current_generation(Path(root))
    if gen is None:
        raise IndexMissing(f"没有找到索引 / no index at {root}: run `python -m ingest PATH --index {root}` first")
    return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))


def check_compatible(manifest: dict, root: Path, model: str | None = None) -> None:
    """Fail clearly if the index was built by another format, chunker or model."""
    cfg = manifest.get("config", {})
    if cfg.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"index at {root} has format {cfg.get('format_version')}, this program reads {FORMAT_VERSION}: re-ingest it"
        )
    if cfg.get("chunker_version") != CHUNKER_VERSION:
        raise IndexMismatch(
            f"index at {root} was chunked by version {cfg.get('chunker_version')}, this program uses "
            f"{CHUNKER_VERSION}: re-ingest it (python -m ingest PATH --index {root} --rebuild)"
        )
    if model is not None and _model_key(model) != _model_key(cfg.get("model", "")):
        raise IndexMismatch(
            f"index at {root} was built with model {cfg.get('model')!r}, not {model!r}: "
            "use the same model or build a new index"
        )


def _model_key(model: str) -> str:
    path = Path(model)
    return str(path.resolve()) if path.exists() else model


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _read_faiss(path: Path) -> faiss.Index | None:
    """Read a saved FAISS index, memory-mapped (the OS pages vectors in on use)."""
    if not path.is_file():
        return None
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)


def vectors_of(index: faiss.Index | None) -> np.ndarray | None:
    """A zero-copy (n, d) float32 view of the vectors held by a flat FAISS index."""
    if index is None:
        return None
    flat = faiss.downcast_index(index)
    n, d = flat.ntotal, flat.d
    if n == 0:
        return np.zeros((0, d), dtype="float32")
    return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)


def load(root: Path | str, model: str | None = None, vectors: bool = True) -> IndexData:
    """Load the live generation of the index at ``root``.

    ``model``, when given, must match the model the index was built with.
    ``vectors=False`` skips the vector files (for tools that only read text).
    """
    root = Path(root)
    manifest = read_manifest(root)
    check_compatible(manifest, root, model)
    gen = current_generation(root)
    assert gen is not None
    data = IndexData(config=Config.from_dict(manifest["config"]), path=gen, manifest=manifest)
    for row in _read_jsonl(gen / "documents.jsonl"):
        doc = Document.from_dict(row)
        data.documents[doc.doc_id] = doc
    data.chunks = [Chunk.from_dict(row) for row in _read_jsonl(gen / "chunks.jsonl")]
    data.finding_keys = [(r["doc_id"], r["label"]) for r in _read_jsonl(gen / "findings.jsonl")]
    if vectors:
        data.chunk_index = _read_faiss(gen / "chunks.faiss")
        data.finding_index = _read_faiss(gen / "findings.faiss")
        data.chunk_vectors = vectors_of(data.chunk_index)
        data.finding_vectors = vectors_of(data.finding_index)
        data.sentence_index = _read_faiss(gen / "sentences.faiss")
        data.sentence_vectors = vectors_of(data.sentence_index)
        if (gen / SENTENCE_OFFSETS).is_file():
            data.sentence_offsets = np.load(gen / SENTENCE_OFFSETS, mmap_mode="r", allow_pickle=False)
        if data.chunk_vectors is not None and len(data.chunk_vectors) != len(data.chunks):
            raise IndexMismatch(f"index at {root} is inconsistent: {len(data.chunks)} chunks but "
                                f"{len(data.chunk_vectors)} vectors; re-ingest it")
    return data


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Hold the single-writer lock of ``root`` (fails at once if held)."""
    root.mkdir(parents=True, exist_ok=True)
    handle = (root / ".lock").open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexLocked(f"another process is writing to the index at {root}; try again when it is done") from exc
        yield
    finally:
        handle.close()


def _write_jsonl(path: Path, rows: Iterator[dict] | list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")


def _write_vectors(path: Path, vectors: np.ndarray, dim: int) -> None:
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype="float32"))
    faiss.write_index(index, str(path))


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def write_generation(root: Path, data: IndexData, extra_writers: list | None = None) -> Path:
    """Write ``data`` as a new generation of ``root`` and make it live.

    ``extra_writers`` are callables taking the new generation folder (the
    keyword index writes itself this way).  The caller holds :func:`writer_lock`.
    """
    root.mkdir(parents=True, exist_ok=True)
    previous = current_generation(root)
    number = int(previous.name.split("-")[1]) + 1 if previous else 1
    gen = root / f"gen-{number:06d}"
    tmp = root / f".tmp-{gen.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    dim = data.config.dimension
    _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in data.documents.values()))
    _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in data.chunks))
    _write_jsonl(tmp / "findings.jsonl", ({"doc_id": d, "label": lab} for d, lab in data.finding_keys))
    _write_vectors(tmp / "chunks.faiss", _or_empty(data.chunk_vectors, dim), dim)
    _write_vectors(tmp / "findings.faiss", _or_empty(data.finding_vectors, dim), dim)
    if data.sentence_vectors is not None and data.sentence_offsets is not None:
        _write_vectors(tmp / "sentences.faiss", data.sentence_vectors, dim)
        np.save(tmp / SENTENCE_OFFSETS, np.asarray(data.sentence_offsets, dtype=np.int64), allow_pickle=False)
    for write in extra_writers or []:
        write(tmp)
    manifest = {
        "config": data.config.to_dict(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "counts": {
            "documents": len(data.documents),
            "chunks": len(data.chunks),
            "findings": len(data.finding_keys),
            "repaired": sum(1 for d in data.documents.values() if d.repaired),
        },
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync_tree(tmp)
    shutil.rmtree(gen, ignore_errors=True)
    os.replace(tmp, gen)
    marker_tmp = root / f".{CURRENT}.tmp"
    marker_tmp.write_text(gen.name, encoding="utf-8")
    with marker_tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(marker_tmp, root / CURRENT)  # the atomic switch
    _prune(root, keep={gen.name, previous.name if previous else ""})
    return gen


def _or_empty(vectors: np.ndarray | None, dim: int) -> np.ndarray:
    return vectors if vectors is not None else np.zeros((0, dim), dtype="float32")


def _prune(root: Path, keep: set[str]) -> None:
    """Remove old generations and leftovers of crashed writers.

    The previous generation is kept so a reader that resolved ``CURRENT`` just
    before the switch can still finish loading it.
    """
    for path in root.iterdir():
        if path.is_dir() and (path.name.startswith("gen-") or path.name.startswith(".tmp-")) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
