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
crash before that leaves the previous generation live and loadable, and a write
that fails (full disk, file size limit) removes its own temporary folder.  Nothing
read back from disk is pickled.

Integrity: ``manifest.json`` lists every other file of the generation with its
size and SHA-256 (computed while writing, ``files``).  Opening checks the sizes
and the counts (and the checksums of a small index); :func:`verify_generation`
checks everything (``python -m index check``).  Damage is an :class:`IndexCorrupt`
naming the file and the remedy, never a silently smaller or keyword-only index.
A missing ``CURRENT`` while generations exist is recovered from the newest
generation that verifies, never taken for an empty index.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.config import CHUNKER_VERSION, FORMAT_VERSION, Config
from index.errors import IndexCorrupt, IndexLocked, IndexMismatch, IndexMissing, store_io_error
from index.records import Chunk, Document

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
#: Opening an index whose files hold at most this many bytes also verifies their checksums.
VERIFY_AT_OPEN_BYTES = 64 * 2**20
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
FINDINGS = "findings.jsonl"
CHUNK_VECTORS = "chunks.faiss"
FINDING_VECTORS = "findings.faiss"
SENTENCE_VECTORS = "sentences.faiss"
#: Files that only the kept text can rebuild; damage elsewhere is repaired by re-embedding the text.
TEXT_FILES = (MANIFEST, DOCUMENTS)
_GEN_NAME = re.compile(r"^gen-(\d{6,})$")


@dataclass
class Damage:
    """One damaged or missing file of an index: what is wrong and what to do."""

    path: Path
    problem: str
    remedy: str

    def line(self) -> str:
        """One Chinese line naming the file, the problem and the remedy."""
        return f"{self.path}：{self.problem}；{self.remedy}"

    def to_dict(self) -> dict:
        """JSON form (``check --json``)."""
        return {"file": str(self.path), "problem": self.problem, "remedy": self.remedy}


def rebuild_hint(root: Path) -> str:
    """The remedy when the notices' text itself is lost: a new index from the original files."""
    return f"请用原始文件重建索引：python -m ingest 原始文件 --index {root} --rebuild"


def repair_hint(root: Path) -> str:
    """The remedy when only derived files are damaged: re-embed the text the index keeps."""
    return f"可由索引保存的正文重建：python -m ingest --index {root} --repair"


def _remedy(root: Path, name: str) -> str:
    return rebuild_hint(root) if name in TEXT_FILES else repair_hint(root)


def corrupt(root: Path, gen: Path, name: str, problem: str) -> IndexCorrupt:
    """An :class:`IndexCorrupt` for file ``name`` of generation ``gen``."""
    damage = Damage(gen / name, problem, _remedy(root, name))
    return IndexCorrupt(f"索引文件已损坏 {damage.line()}", [damage])


def corrupt_from(damages: list[Damage]) -> IndexCorrupt:
    """One :class:`IndexCorrupt` for ``damages``: the first one's line, and how many more."""
    more = f"（另有 {len(damages) - 1} 处损坏，运行 python -m index check 查看）" if len(damages) > 1 else ""
    return IndexCorrupt(f"索引文件已损坏 {damages[0].line()}{more}", damages)


class _JsonlRows:
    """Rows of a JSON-lines file read one at a time through saved byte offsets (memory-mapped)."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self.path = path
        self.offsets = offsets
        self._handle = path.open("rb")

    def row(self, i: int) -> dict:
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        # pread: no shared file position, so the page's threads can read rows at the same time
        raw = os.pread(self._handle.fileno(), end - start, start)
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise corrupt(self.path.parent.parent, self.path.parent, self.path.name,
                          f"第 {i + 1} 行不是完整的 JSON（文件被改动）") from exc
        if not isinstance(row, dict):
            raise corrupt(self.path.parent.parent, self.path.parent, self.path.name, f"第 {i + 1} 行不是一条记录")
        return row

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
        """Vectors of the sentences of one chunk (in :func:`index.text.sentences.split_sentences` order)."""
        if self.sentence_vectors is None or self.sentence_offsets is None:
            return None
        return self.sentence_vectors[self.sentence_offsets[chunk_id]:self.sentence_offsets[chunk_id + 1]]


def generations_on_disk(root: Path) -> list[Path]:
    """The complete generation folders of ``root`` (with a manifest), newest first."""
    found = []
    try:
        entries = list(Path(root).iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise store_io_error(exc, "读取", root) from exc
    for path in entries:
        matched = _GEN_NAME.match(path.name)
        if matched and path.is_dir() and (path / MANIFEST).is_file():
            found.append((int(matched.group(1)), path))
    return [path for _, path in sorted(found, reverse=True)]


def named_generation(root: Path) -> Path | None:
    """The generation ``CURRENT`` names (read once), or None when ``CURRENT`` is missing or names none."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        raise store_io_error(exc, "读取", root / CURRENT) from exc
    gen = root / name
    return gen if _GEN_NAME.match(name) and (gen / MANIFEST).is_file() else None


def live_generation(root: Path) -> tuple[Path | None, bool]:
    """The live generation of ``root`` and whether it was recovered (``CURRENT`` missing or wrong).

    ``CURRENT`` is read once.  Without a usable ``CURRENT`` the newest generation
    that fully verifies is live; when generations exist but none verifies, this
    raises :class:`IndexCorrupt` (an index is never taken for empty).
    """
    root = Path(root)
    gen = named_generation(root)
    if gen is not None:
        return gen, False
    candidates = generations_on_disk(root)
    if not candidates:
        return None, False
    for candidate in candidates:
        if not verify_generation(root, candidate, full=True):
            return candidate, True
    names = "、".join(path.name for path in candidates)
    raise IndexCorrupt(f"索引文件已损坏 {root / CURRENT}：缺失或无效，且现有版本（{names}）都未通过校验；"
                       f"{rebuild_hint(root)}",
                       [Damage(root / CURRENT, f"缺失或无效，且现有版本（{names}）都未通过校验", rebuild_hint(root))])


def current_generation(root: Path) -> Path | None:
    """Return the live generation folder of ``root``, or None if there is none (see :func:`live_generation`)."""
    return live_generation(Path(root))[0]


def manifest_of(root: Path, gen: Path) -> dict:
    """The parsed manifest of ``gen`` (an :class:`IndexCorrupt` when it is not a JSON object)."""
    try:
        raw = (gen / MANIFEST).read_bytes()
    except FileNotFoundError as exc:
        raise corrupt(root, gen, MANIFEST, "文件缺失") from exc
    except OSError as exc:
        raise store_io_error(exc, "读取", gen / MANIFEST) from exc
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise corrupt(root, gen, MANIFEST, "内容不是有效的 JSON（文件被截断或改动）") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("config"), dict):
        raise corrupt(root, gen, MANIFEST, "内容不是索引清单（缺少 config）")
    files = manifest.get("files")
    if files is not None and not (isinstance(files, dict) and all(
            isinstance(v, dict) and isinstance(v.get("size"), int) and isinstance(v.get("sha256"), str)
            for v in files.values())):
        raise corrupt(root, gen, MANIFEST, "文件清单（files）格式不对")
    return manifest


def read_manifest(root: Path) -> dict:
    """Read the live manifest, raising IndexMissing with a clear message."""
    root = Path(root)
    gen = current_generation(root)
    if gen is None:
        raise IndexMissing(f"没有找到索引：{root}；请先运行 `python -m ingest 文件或文件夹 --index {root}`")
    return manifest_of(root, gen)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 * 2**20):
            digest.update(block)
    return digest.hexdigest()


#: Files every generation has had since the first format (checked when a manifest lists no files).
_ALWAYS = (DOCUMENTS, CHUNKS, FINDINGS, CHUNK_VECTORS, FINDING_VECTORS, KEYWORD_DIR)


def verify_generation(root: Path, gen: Path, full: bool = False, manifest: dict | None = None,
                      names: set[str] | None = None) -> list[Damage]:
    """The damaged files of ``gen``: missing, of the wrong size, or (``full``) of the wrong checksum.

    ``names``: only these files (top-level names, ``keyword`` for its folder).  A
    manifest without a file list (older indexes) is checked for the files it must hold.
    """
    root = Path(root)
    try:
        manifest = manifest if manifest is not None else manifest_of(root, gen)
    except IndexCorrupt as exc:
        return list(exc.damages)
    damages: list[Damage] = []
    files = manifest.get("files")
    if files is None:
        for name in _ALWAYS:
            if (names is None or name in names) and not (gen / name).exists():
                damages.append(Damage(gen / name, "文件缺失", _remedy(root, name)))
        return damages
    for rel, info in files.items():
        top = rel.split("/", 1)[0]
        if names is not None and top not in names:
            continue
        path = gen / rel
        if rel.startswith("/") or ".." in rel.split("/"):
            damages.append(Damage(gen / MANIFEST, f"文件清单含有无效路径 {rel!r}", rebuild_hint(root)))
            continue
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            damages.append(Damage(path, "文件缺失", _remedy(root, top)))
            continue
        except OSError as exc:
            raise store_io_error(exc, "读取", path) from exc
        if size != info["size"]:
            damages.append(Damage(path, f"大小不符（应为 {info['size']} 字节，实为 {size} 字节：文件被截断或改动）",
                                  _remedy(root, top)))
        elif full:
            try:
                ok = sha256_of(path) == info["sha256"]
            except OSError as exc:
                raise store_io_error(exc, "读取", path) from exc
            if not ok:
                damages.append(Damage(path, "校验和不符（内容被改动）", _remedy(root, top)))
    return damages


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


def _read_jsonl(path: Path, root: Path | None = None) -> Iterator[dict]:
    """The rows of a JSON-lines file; a broken line is an :class:`IndexCorrupt` naming the file and line."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                raise corrupt(root or path.parent.parent, path.parent, path.name,
                              f"第 {number} 行不是完整的 JSON（文件被截断或改动）") from exc
            if not isinstance(row, dict):
                raise corrupt(root or path.parent.parent, path.parent, path.name, f"第 {number} 行不是一条记录")
            yield row


def _read_faiss(path: Path, ivf: bool = False, root: Path | None = None) -> faiss.Index | None:
    """Read a saved FAISS index, memory-mapped (the OS pages vectors in on use); None when the file is absent.

    Flat indexes are mapped zero-copy (``IO_FLAG_MMAP_IFC``; plain ``IO_FLAG_MMAP`` reads
    their vectors into memory: 7 s and 1.5 GB at 1M chunks); IVF indexes map their lists.
    A file FAISS cannot read is an :class:`IndexCorrupt`.
    """
    if not path.is_file():
        return None
    flag = faiss.IO_FLAG_MMAP if ivf else getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP)
    try:
        return faiss.read_index(str(path), flag | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError as exc:
        raise corrupt(root or path.parent.parent, path.parent, path.name,
                      "不是可读的 FAISS 向量文件（文件头或内容被改动）") from exc


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise corrupt(path.parent.parent, path.parent, path.name, "不是可读的数组文件") from exc


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
    ``CURRENT`` is read once; the files are checked against the manifest (sizes
    and counts; checksums too below :data:`VERIFY_AT_OPEN_BYTES`): damage raises
    :class:`IndexCorrupt`, an OS error :class:`StoreIOError`.
    """
    root = Path(root)
    try:
        gen, _ = live_generation(root)
        if gen is None:
            raise IndexMissing(f"没有找到索引：{root}；请先运行 `python -m ingest 文件或文件夹 --index {root}`")
        manifest = manifest_of(root, gen)
        check_compatible(manifest, root, model)
        files = manifest.get("files") or {}
        names = None if vectors else {DOCUMENTS, CHUNKS, FINDINGS, DOC_IDS, DOC_OFFSETS, CHUNK_OFFSETS, CHUNK_DOC}
        total = sum(info["size"] for info in files.values())
        damages = verify_generation(root, gen, full=total <= VERIFY_AT_OPEN_BYTES, manifest=manifest, names=names)
        if damages:
            raise corrupt_from(damages)
        return load_generation(root, gen, manifest, vectors, lazy)
    except OSError as exc:
        raise store_io_error(exc, "读取") from exc


def load_generation(root: Path, gen: Path, manifest: dict, vectors: bool, lazy: bool | None) -> IndexData:
    """Read the files of ``gen`` (already checked against ``manifest``), checking the counts as it goes."""
    try:
        config = Config.from_dict(manifest["config"])
    except (TypeError, ValueError, KeyError) as exc:
        raise corrupt(root, gen, MANIFEST, f"配置（config）无效：{exc}") from exc
    data = IndexData(config=config, path=gen, manifest=manifest)
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else {}
    laid_out = all((gen / name).is_file() for name in (CHUNK_OFFSETS, DOC_OFFSETS, DOC_IDS, CHUNK_DOC))
    if lazy is None:
        lazy = counts.get("chunks", 0) > LAZY_ABOVE
    if lazy and laid_out:
        try:
            ids = json.loads((gen / DOC_IDS).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise corrupt(root, gen, DOC_IDS, "内容不是有效的 JSON") from exc
        doc_offsets, chunk_offsets = _load_npy(gen / DOC_OFFSETS), _load_npy(gen / CHUNK_OFFSETS)
        for name, offsets, size in ((DOC_OFFSETS, doc_offsets, len(ids) + 1),
                                    (CHUNK_OFFSETS, chunk_offsets, counts.get("chunks", len(chunk_offsets) - 1) + 1)):
            if len(offsets) != size:
                raise corrupt(root, gen, name, f"行数不符（{len(offsets) - 1} 行，应为 {size - 1} 行）")
        for name, offsets in ((DOCUMENTS, doc_offsets), (CHUNKS, chunk_offsets)):
            if (gen / name).stat().st_size != int(offsets[-1]):
                raise corrupt(root, gen, name, "大小与行偏移不符（文件被截断或改动）")
        data.documents = DocumentTable(ids, _JsonlRows(gen / DOCUMENTS, doc_offsets))
        data.chunks = ChunkTable(_JsonlRows(gen / CHUNKS, chunk_offsets))
        data.chunk_doc = _load_npy(gen / CHUNK_DOC)
    else:
        for row in _read_jsonl(gen / DOCUMENTS, root):
            doc = _record(root, gen, DOCUMENTS, Document.from_dict, row)
            data.documents[doc.doc_id] = doc
        data.chunks = [_record(root, gen, CHUNKS, Chunk.from_dict, row) for row in _read_jsonl(gen / CHUNKS, root)]
    try:
        data.finding_keys = [(r["doc_id"], r["label"]) for r in _read_jsonl(gen / FINDINGS, root)]
    except KeyError as exc:
        raise corrupt(root, gen, FINDINGS, "记录缺少字段") from exc
    for name, have in ((DOCUMENTS, len(data.documents)), (CHUNKS, len(data.chunks)),
                       (FINDINGS, len(data.finding_keys))):
        want = counts.get(name.split(".")[0])
        if isinstance(want, int) and want != have:
            raise corrupt(root, gen, name, f"记录数不符（读到 {have} 条，清单记为 {want} 条：文件被截断或改动）")
    if vectors:
        _load_vectors(root, gen, data)
    return data


def _record(root: Path, gen: Path, name: str, build, row: dict):
    try:
        return build(row)
    except (KeyError, TypeError, ValueError) as exc:
        raise corrupt(root, gen, name, f"记录格式不对（{type(exc).__name__}）") from exc


def _load_vectors(root: Path, gen: Path, data: IndexData) -> None:
    """The vector files of ``gen`` into ``data``; the chunk and finding vectors must exist and match the counts."""
    data.ann_index = _read_faiss(gen / ANN_FILE, ivf=True, root=root)
    if data.ann_index is not None:
        faiss.extract_index_ivf(data.ann_index).nprobe = data.config.ann_nprobe
    data.chunk_index = _read_faiss(gen / CHUNK_VECTORS, root=root)
    data.finding_index = _read_faiss(gen / FINDING_VECTORS, root=root)
    for name, index in ((CHUNK_VECTORS, data.chunk_index), (FINDING_VECTORS, data.finding_index)):
        if index is None:  # never a silent keyword-only search
            raise corrupt(root, gen, name, "向量文件缺失")
    data.chunk_vectors = vectors_of(data.chunk_index)
    data.finding_vectors = vectors_of(data.finding_index)
    data.sentence_index = _read_faiss(gen / SENTENCE_VECTORS, root=root)
    data.sentence_vectors = vectors_of(data.sentence_index)
    if (gen / SENTENCE_OFFSETS).is_file():
        data.sentence_offsets = np.load(gen / SENTENCE_OFFSETS, mmap_mode="r", allow_pickle=False)
    for name, vecs, want in ((CHUNK_VECTORS, data.chunk_vectors, len(data.chunks)),
                             (FINDING_VECTORS, data.finding_vectors, len(data.finding_keys))):
        if vecs is not None and len(vecs) != want:
            raise corrupt(root, gen, name, f"向量数不符（{len(vecs)} 个向量，应为 {want} 个）")
    if data.sentence_offsets is not None:
        if len(data.sentence_offsets) != len(data.chunks) + 1:
            raise corrupt(root, gen, SENTENCE_OFFSETS, "行数与段落数不符")
        if data.sentence_vectors is None or len(data.sentence_vectors) != int(data.sentence_offsets[-1]):
            raise corrupt(root, gen, SENTENCE_VECTORS, "句子向量缺失或数量不符")


def load_documents(root: Path, gen: Path, model: str | None = None) -> IndexData:
    """Only the config and the documents of ``gen`` (parsed from ``documents.jsonl``): what a repair rebuilds from."""
    manifest = manifest_of(root, gen)
    check_compatible(manifest, root, model)
    damages = verify_generation(root, gen, full=True, manifest=manifest, names={DOCUMENTS})
    if damages:
        raise corrupt_from(damages)
    try:
        data = IndexData(config=Config.from_dict(manifest["config"]), path=gen, manifest=manifest)
        for row in _read_jsonl(gen / DOCUMENTS, root):
            doc = _record(root, gen, DOCUMENTS, Document.from_dict, row)
            data.documents[doc.doc_id] = doc
    except OSError as exc:
        raise store_io_error(exc, "读取") from exc
    want = (manifest.get("counts") or {}).get("documents")
    if isinstance(want, int) and want != len(data.documents):
        raise corrupt(root, gen, DOCUMENTS, f"记录数不符（读到 {len(data.documents)} 条，清单记为 {want} 条）")
    return data


def restore_current(root: Path, gen: Path) -> None:
    """Point ``CURRENT`` at ``gen`` (atomically); the caller holds :func:`writer_lock`."""
    marker_tmp = root / f".{CURRENT}.tmp"
    try:
        marker_tmp.write_text(gen.name, encoding="utf-8")
        with marker_tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(marker_tmp, root / CURRENT)
    except OSError as exc:
        with contextlib.suppress(OSError):
            marker_tmp.unlink()
        raise store_io_error(exc, "写入", root / CURRENT) from exc


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


class _Sealed:
    """A binary file of a new generation: its size and SHA-256 computed while it is written, then fsynced."""

    def __init__(self, path: Path, files: dict[str, dict], folder: Path) -> None:
        self.path = path
        self._files = files
        self._name = path.relative_to(folder).as_posix()
        self._handle = path.open("wb")
        self._digest = hashlib.sha256()
        self._size = 0

    def write(self, data) -> int:
        """Write ``data`` (bytes-like); return its length."""
        data = bytes(data)
        self._handle.write(data)
        self._digest.update(data)
        self._size += len(data)
        return len(data)

    def __enter__(self) -> _Sealed:
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if exc_info[0] is None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._files[self._name] = {"size": self._size, "sha256": self._digest.hexdigest()}
        finally:
            self._handle.close()


def _write_jsonl(path: Path, rows: Iterator[dict] | list[dict], files: dict[str, dict]) -> np.ndarray:
    """Write JSON lines; return the byte offset of each line plus the end."""
    offsets = [0]
    with _Sealed(path, files, path.parent) as handle:
        for row in rows:
            line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.asarray(offsets, dtype=np.int64)


def _save_npy(path: Path, array: np.ndarray, files: dict[str, dict]) -> None:
    with _Sealed(path, files, path.parent) as handle:
        np.save(handle, array, allow_pickle=False)


def _write_faiss(path: Path, index: faiss.Index, files: dict[str, dict]) -> None:
    """Write a FAISS index through Python (so a full disk is an ``OSError`` with its errno)."""
    with _Sealed(path, files, path.parent) as handle:
        writer = faiss.PyCallbackIOWriter(handle.write)
        faiss.write_index(index, writer)
        del writer


def _write_ann(path: Path, vectors: np.ndarray, config: Config, files: dict[str, dict]) -> dict:
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
    _write_faiss(path, ann, files)
    return {"type": "ivf_flat", "nlist": nlist, "nprobe": config.ann_nprobe}


def _write_vectors(path: Path, vectors: np.ndarray, dim: int, files: dict[str, dict]) -> None:
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype="float32"))
    _write_faiss(path, index, files)


def _seal_rest(folder: Path, files: dict[str, dict]) -> None:
    """Size, checksum and fsync the files other writers put in ``folder`` (the keyword index)."""
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in files:
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
            files[name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}


def next_generation_name(root: Path) -> str:
    """A generation name never used in ``root`` (one above every generation on disk)."""
    numbers = [int(m.group(1)) for p in root.iterdir() if (m := _GEN_NAME.match(p.name))]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def write_generation(root: Path, data: IndexData, extra_writers: list | None = None) -> Path:
    """Write ``data`` as a new generation of ``root`` and make it live.

    ``extra_writers`` are callables taking the new generation folder (the
    keyword index writes itself this way).  The caller holds :func:`writer_lock`.
    A failure (an OS error is a :class:`StoreIOError`: full disk, file size limit,
    permissions) removes the temporary folder; the previous generation stays live.
    """
    root.mkdir(parents=True, exist_ok=True)
    previous = current_generation(root)
    gen = root / next_generation_name(root)
    tmp = root / f".tmp-{gen.name}-{os.getpid()}"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        _write_files(tmp, data, extra_writers)
        marker_tmp = root / f".{CURRENT}.tmp"
        marker_tmp.write_text(gen.name, encoding="utf-8")
        with marker_tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, gen)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f".{CURRENT}.tmp").unlink()
        if isinstance(exc, OSError):
            raise store_io_error(exc, "写入", exc.filename or tmp) from exc
        raise
    try:
        os.replace(root / f".{CURRENT}.tmp", root / CURRENT)  # the atomic switch
    except BaseException as exc:
        shutil.rmtree(gen, ignore_errors=True)
        if isinstance(exc, OSError):
            raise store_io_error(exc, "写入", root / CURRENT) from exc
        raise
    _prune(root, keep={gen.name, previous.name if previous else ""})
    return gen


def _write_files(tmp: Path, data: IndexData, extra_writers: list | None) -> dict:
    """Every file of a generation into ``tmp``, the manifest (with sizes and checksums) last."""
    files: dict[str, dict] = {}
    dim = data.config.dimension
    _save_npy(tmp / DOC_OFFSETS, _write_jsonl(tmp / DOCUMENTS, (d.to_dict() for d in data.documents.values()), files),
              files)
    doc_ids = list(data.documents)
    with _Sealed(tmp / DOC_IDS, files, tmp) as handle:
        handle.write(json.dumps(doc_ids, ensure_ascii=False).encode("utf-8"))
    _save_npy(tmp / CHUNK_OFFSETS, _write_jsonl(tmp / CHUNKS, (c.to_dict() for c in data.chunks), files), files)
    position = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    _save_npy(tmp / CHUNK_DOC, np.fromiter((position[c.doc_id] for c in data.chunks), dtype=np.int32,
                                           count=len(data.chunks)), files)
    _write_jsonl(tmp / FINDINGS, ({"doc_id": d, "label": lab} for d, lab in data.finding_keys), files)
    _write_vectors(tmp / CHUNK_VECTORS, _or_empty(data.chunk_vectors, dim), dim, files)
    vector_index = {"type": "flat"}
    if data.chunk_vectors is not None and len(data.chunk_vectors) > data.config.ann_above:
        vector_index = _write_ann(tmp / ANN_FILE, data.chunk_vectors, data.config, files)
    _write_vectors(tmp / FINDING_VECTORS, _or_empty(data.finding_vectors, dim), dim, files)
    if data.sentence_vectors is not None and data.sentence_offsets is not None:
        _write_vectors(tmp / SENTENCE_VECTORS, data.sentence_vectors, dim, files)
        _save_npy(tmp / SENTENCE_OFFSETS, np.asarray(data.sentence_offsets, dtype=np.int64), files)
    for write in extra_writers or []:
        write(tmp)
    _seal_rest(tmp, files)
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
        "files": files,
    }
    with _Sealed(tmp / MANIFEST, {}, tmp) as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return manifest


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
