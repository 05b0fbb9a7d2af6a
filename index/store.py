"""The index folder: generations written beside each other, switched atomically.

Layout::

    DIR/CURRENT              name of the live generation (replaced atomically)
    DIR/.lock                held by the one writer
    DIR/gen-000007/
        manifest.json        config (model, dimension, chunker) + counts
        documents.jsonl      one Document per line (clean text, original, findings)
        chunks.jsonl         one Chunk per line; line number = vector row
        chunks.faiss         FAISS inner-product index over chunk vectors (exact, flat)
        chunks.ann.faiss     approximate (IVF) index over the same vectors, written above
                             ``config.ann_above`` chunks; searches use it when present
        chunks.offsets.npy   byte offset of each line of chunks.jsonl (+ end), documents.offsets.npy
                             likewise, documents.ids.json the document ids in order, chunk_doc.npy
                             each chunk's document position: large indexes open without parsing
                             every chunk and document (read lazily, one line at a time)
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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.config import CHUNKER_VERSION, FORMAT_VERSION, Config
from index.records import Chunk, Document

from .errors import IndexLocked, IndexMismatch, IndexMissing

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
KEYWORD_DIR = "keyword"
USERDICT = "userdict.txt"
SENTENCE_OFFSETS = "sentence_offsets.npy"
ANN_FILE = "chunks.ann.faiss"
CHUNK_OFFSETS = "chunks.offsets.npy"
DOC_OFFSETS = "documents.offsets.npy"
DOC_IDS = "documents.ids.json"
CHUNK_DOC = "chunk_doc.npy"
#: Above this many chunks an index opens lazily (chunks and documents parsed when used).
LAZY_ABOVE = 50_000


class _JsonlRows:
    """Rows of a JSON-lines file read one at a time through saved byte offsets (memory-mapped)."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self.path = path
        self.offsets = offsets
        self._handle = path.open("rb")

    def row(self, i: int) -> dict:
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        # pread: no shared file position, so the page's threads can read rows at the same time
        return json.loads(os.pread(self._handle.fileno(), end - start, start))

    def __len__(self) -> int:
        return len(self.offsets) - 1


class ChunkTable(Sequence):
    """The chunks of a large index, parsed from ``chunks.jsonl`` when asked for (a few cached).

    Behaves like the ``list[Chunk]`` a small index holds: ``len``, indexing, iteration.
    """

    CACHE = 4096

    def __init__(self, rows: _JsonlRows) -> None:
        self._rows = rows
        self._cache: dict[int, Chunk] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        chunk = self._cache.get(i)
        if chunk is None:
            if len(self._cache) >= self.CACHE:
                self._cache.clear()
            chunk = self._cache[i] = Chunk.from_dict(self._rows.row(i))
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        for i in range(len(self)):
            yield Chunk.from_dict(self._rows.row(i))


class DocumentTable(Mapping):
    """The documents of a large index by id, parsed from ``documents.jsonl`` when asked for (cached)."""

    def __init__(self, ids: list[str], rows: _JsonlRows) -> None:
        self._ids = ids
        self._position = {doc_id: i for i, doc_id in enumerate(ids)}
        self._rows = rows
        self._cache: dict[str, Document] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._position

    def __getitem__(self, doc_id: str) -> Document:
        doc = self._cache.get(doc_id)
        if doc is None:
            position = self._position[doc_id]  # KeyError for an unknown id, as a dict
            if len(self._cache) >= ChunkTable.CACHE:
                self._cache.clear()
            doc = self._cache[doc_id] = Document.from_dict(self._rows.row(position))
        return doc


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
    chunk_doc: np.ndarray | None = None  # chunk i belongs to the document at position chunk_doc[i]
    ann_index: faiss.Index | None = None  # approximate index over the chunk vectors (large indexes)

    def chunk_sentence_vectors(self, chunk_id: int) -> np.ndarray | None:
        """Vectors of the sentences of one chunk (in :func:`index.sentences.split_sentences` order)."""
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
        raise IndexMissing(f"没有找到索引：{root}；请先运行 `python -m ingest 文件或文件夹 --index {root}`")
    return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))


def check_compatible(manifest: dict, root: Path, model: str | None = None) -> None:
    """Fail clearly if the index was built by another format, chunker or model."""
    cfg = manifest.get("config", {})
    if cfg.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"索引 {root} 的格式版本是 {cfg.get('format_version')}，本程序读取版本 {FORMAT_VERSION}：请重新导入"
        )
    if cfg.get("chunker_version") != CHUNKER_VERSION:
        raise IndexMismatch(
            f"索引 {root} 的分段版本是 {cfg.get('chunker_version')}，本程序使用版本 {CHUNKER_VERSION}："
            f"请重新导入（python -m ingest 文件或文件夹 --index {root} --rebuild）"
        )
    if model is not None and _model_key(model) != _model_key(cfg.get("model", "")):
        raise IndexMismatch(
            f"索引 {root} 是用模型 {cfg.get('model')!r} 建立的，而不是 {model!r}：请使用同一个模型，或建立新的索引"
        )


def _model_key(model: str) -> str:
    path = Path(model)
    return str(path.resolve()) if path.exists() else model


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _read_faiss(path: Path, ivf: bool = False) -> faiss.Index | None:
    """Read a saved FAISS index, memory-mapped (the OS pages vectors in on use).

    Flat indexes are mapped zero-copy (``IO_FLAG_MMAP_IFC``; plain ``IO_FLAG_MMAP`` reads
    their vectors into memory: 7 s and 1.5 GB at 1M chunks); IVF indexes map their lists.
    """
    if not path.is_file():
        return None
    flag = faiss.IO_FLAG_MMAP if ivf else getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP)
    return faiss.read_index(str(path), flag | faiss.IO_FLAG_READ_ONLY)


def _load_npy(path: Path) -> np.ndarray:
    return np.load(path, mmap_mode="r", allow_pickle=False)


def vectors_of(index: faiss.Index | None) -> np.ndarray | None:
    """A zero-copy (n, d) float32 view of the vectors held by a flat FAISS index."""
    if index is None:
        return None
    flat = faiss.downcast_index(index)
    n, d = flat.ntotal, flat.d
    if n == 0:
        return np.zeros((0, d), dtype="float32")
    return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)


def load(root: Path | str, model: str | None = None, vectors: bool = True, lazy: bool | None = None) -> IndexData:
    """Load the live generation of the index at ``root``.

    ``model``, when given, must match the model the index was built with.
    ``vectors=False`` skips the vector files (for tools that only read text).
    ``lazy``: read chunks and documents when used instead of all at open
    (:class:`ChunkTable`, :class:`DocumentTable`); by default above
    :data:`LAZY_ABOVE` chunks.  Vectors are memory-mapped either way.
    """
    root = Path(root)
    manifest = read_manifest(root)
    check_compatible(manifest, root, model)
    gen = current_generation(root)
    assert gen is not None
    data = IndexData(config=Config.from_dict(manifest["config"]), path=gen, manifest=manifest)
    laid_out = all((gen / name).is_file() for name in (CHUNK_OFFSETS, DOC_OFFSETS, DOC_IDS, CHUNK_DOC))
    if lazy is None:
        lazy = manifest.get("counts", {}).get("chunks", 0) > LAZY_ABOVE
    if lazy and laid_out:
        ids = json.loads((gen / DOC_IDS).read_text(encoding="utf-8"))
        data.documents = DocumentTable(ids, _JsonlRows(gen / "documents.jsonl", _load_npy(gen / DOC_OFFSETS)))
        data.chunks = ChunkTable(_JsonlRows(gen / "chunks.jsonl", _load_npy(gen / CHUNK_OFFSETS)))
        data.chunk_doc = _load_npy(gen / CHUNK_DOC)
    else:
        for row in _read_jsonl(gen / "documents.jsonl"):
            doc = Document.from_dict(row)
            data.documents[doc.doc_id] = doc
        data.chunks = [Chunk.from_dict(row) for row in _read_jsonl(gen / "chunks.jsonl")]
    data.finding_keys = [(r["doc_id"], r["label"]) for r in _read_jsonl(gen / "findings.jsonl")]
    if vectors:
        data.ann_index = _read_faiss(gen / ANN_FILE, ivf=True)
        if data.ann_index is not None:
            faiss.extract_index_ivf(data.ann_index).nprobe = data.config.ann_nprobe
        data.chunk_index = _read_faiss(gen / "chunks.faiss")
        data.finding_index = _read_faiss(gen / "findings.faiss")
        data.chunk_vectors = vectors_of(data.chunk_index)
        data.finding_vectors = vectors_of(data.finding_index)
        data.sentence_index = _read_faiss(gen / "sentences.faiss")
        data.sentence_vectors = vectors_of(data.sentence_index)
        if (gen / SENTENCE_OFFSETS).is_file():
            data.sentence_offsets = np.load(gen / SENTENCE_OFFSETS, mmap_mode="r", allow_pickle=False)
        if data.chunk_vectors is not None and len(data.chunk_vectors) != len(data.chunks):
            raise IndexMismatch(f"索引 {root} 不一致：{len(data.chunks)} 个段落却有 "
                                f"{len(data.chunk_vectors)} 个向量；请重新导入")
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
            raise IndexLocked(f"另一个进程正在写入索引 {root}；请等它完成后再试") from exc
        yield
    finally:
        handle.close()


def _write_jsonl(path: Path, rows: Iterator[dict] | list[dict]) -> np.ndarray:
    """Write JSON lines; return the byte offset of each line plus the end."""
    offsets = [0]
    with path.open("wb") as handle:
        for row in rows:
            line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.asarray(offsets, dtype=np.int64)


def _write_ann(path: Path, vectors: np.ndarray, config: Config) -> dict:
    """Write an IVF index over ``vectors`` (trained on a sample); return what was built."""
    n, dim = vectors.shape
    nlist = int(max(1, min(np.sqrt(n), n // 39)))  # faiss wants >= 39 training points per list
    quantizer = faiss.IndexFlatIP(dim)
    ann = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ann.cp.niter = 10  # k-means iterations: 2 cores train 1M vectors' lists in seconds, not minutes
    sample = vectors
    if n > 40 * nlist:
        rows = np.sort(np.random.default_rng(0).choice(n, 40 * nlist, replace=False))
        sample = vectors[rows]
    ann.train(np.ascontiguousarray(sample, dtype="float32"))
    for start in range(0, n, 100_000):
        ann.add(np.ascontiguousarray(vectors[start:start + 100_000], dtype="float32"))
    faiss.write_index(ann, str(path))
    return {"type": "ivf_flat", "nlist": nlist, "nprobe": config.ann_nprobe}


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
    np.save(tmp / DOC_OFFSETS, _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in data.documents.values())),
            allow_pickle=False)
    doc_ids = list(data.documents)
    (tmp / DOC_IDS).write_text(json.dumps(doc_ids, ensure_ascii=False), encoding="utf-8")
    np.save(tmp / CHUNK_OFFSETS, _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in data.chunks)),
            allow_pickle=False)
    position = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    np.save(tmp / CHUNK_DOC, np.fromiter((position[c.doc_id] for c in data.chunks), dtype=np.int32,
                                         count=len(data.chunks)), allow_pickle=False)
    _write_jsonl(tmp / "findings.jsonl", ({"doc_id": d, "label": lab} for d, lab in data.finding_keys))
    _write_vectors(tmp / "chunks.faiss", _or_empty(data.chunk_vectors, dim), dim)
    vector_index = {"type": "flat"}
    if data.chunk_vectors is not None and len(data.chunk_vectors) > data.config.ann_above:
        vector_index = _write_ann(tmp / ANN_FILE, data.chunk_vectors, data.config)
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
        "vector_index": vector_index,
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
