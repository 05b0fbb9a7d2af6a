"""The Milvus backend: the same index held in Milvus collections instead of a folder.

``pymilvus`` speaks one API to Milvus Lite (a local file, ``URI`` ending in
``.db``) and to a standalone or distributed server (``http://host:19530``,
with a token); only the URI changes.  Five collections, named
``{prefix}_{name}``:

``meta``       config (model, dimension, chunker) and the jieba user dictionary terms
``documents``  each Document as JSON, split in parts (VARCHAR is at most 65,535 bytes),
               so ``doc``, compare and themes work from Milvus alone
``chunks``     one row per passage: dense vector (HNSW, inner product), two BM25
               sparse fields made on the server by BM25 Functions, and the filter
               fields (kind, org, unit, title, date as INT64 ``yyyymmdd``)
``sentences``  the sentence vectors of each chunk (for extractive answers)
``findings``   one vector per finding / problem statement (compare, related, themes)

Writes are per document: upsert its rows (primary keys ``doc_id#position``),
delete its rows beyond the new count, then write the document row last, so a
document is listed only once its passages are in.  Reads use
``consistency_level="Strong"`` so a search right after an ingest sees every row.

The two BM25 fields: ``text`` is title + heading path + passage analysed on the
server by the ``jieba`` tokenizer (the issue's contract, usable by any Milvus
client); ``keywords`` holds the embedded index's own tokens (jieba words with the
domain dictionary plus Han bigrams).  Milvus Lite offers only the ``standard``
and ``jieba`` tokenizers (no ``whitespace``), so each token is written as ``x``
+ its UTF-8 hex: the standard tokenizer keeps such a word whole, and BM25 then
scores exactly the embedded index's tokens.  Search ranks by ``keywords``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.config import Config
from index.errors import IndexError_, IndexLocked, IndexMismatch, IndexMissing
from index.filters import Filters, check_text
from index.records import Chunk, Document
from index.store import folder as store
from index.store.protocols import WriteBatch

MILVUS_ENV = "NOTICE_MILVUS_URI"
TOKEN_ENV = "NOTICE_MILVUS_TOKEN"
PREFIX_ENV = "NOTICE_MILVUS_PREFIX"
DEFAULT_PREFIX = "notices"
#: Bump when the collections' schema changes.
SCHEMA_VERSION = 1

MAX_VARCHAR = 65535
DOC_PART_CHARS = 16000  # 16,000 characters × at most 4 UTF-8 bytes < 65,535 bytes
MAX_META_CHARS = 8000
DUMMY_DIM = 2  # Milvus requires a vector field in every collection
CONSISTENCY = "Strong"
HNSW = {"M": 16, "efConstruction": 200}
BM25_PARAMS = {"bm25_k1": 1.2, "bm25_b": 0.75}  # the embedded index's bm25s settings
IVF = {"nlist": 64}
BATCH = 256

COLLECTIONS = ("meta", "documents", "chunks", "sentences", "findings")


class MilvusUnavailable(IndexError_):
    """Milvus cannot be reached or opened (wrong URI, server down, Lite file held by another process)."""


def is_lite(uri: str) -> bool:
    """A URI ending in ``.db`` is a Milvus Lite file."""
    return str(uri).endswith(".db")


def milvus_uri(explicit: str | None = None, environ: dict | None = None) -> str:
    """The Milvus URI: the explicit one, else ``$NOTICE_MILVUS_URI``, else ''."""
    env = os.environ if environ is None else environ
    return str(explicit or env.get(MILVUS_ENV, "") or "")


_CLIENTS: dict[tuple[str, str], object] = {}
_CLIENTS_LOCK = threading.Lock()


def client(uri: str, token: str | None = None):  # -> pymilvus.MilvusClient
    """One MilvusClient per URI and token in this process.

    Milvus Lite holds a file lock per ``.db`` file: a second client on the same
    file, in this or another process, cannot open it, so clients are shared.
    """
    from pymilvus import MilvusClient

    token = token if token is not None else os.environ.get(TOKEN_ENV, "")
    key_uri = str(Path(uri).expanduser().resolve()) if is_lite(uri) else uri
    with _CLIENTS_LOCK:
        found = _CLIENTS.get((key_uri, token))
        if found is not None:
            return found
        if is_lite(uri):
            Path(key_uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            made = MilvusClient(uri=key_uri, token=token) if token else MilvusClient(uri=key_uri)
        except Exception as exc:  # pymilvus raises MilvusException, ConnectionError, RuntimeError...
            hint = ("（一个 Milvus Lite 文件同时只能由一个进程打开）" if is_lite(uri)
                    else "（服务是否在运行？令牌从 NOTICE_MILVUS_TOKEN 读取）")
            raise MilvusUnavailable(f"无法打开 Milvus {uri}：{_short(exc)}{hint}") from exc
        _CLIENTS[(key_uri, token)] = made
        return made


def milvus_errors(method):
    """Decorator: an error raised by pymilvus (a bad expression, a lost server) becomes a MilvusUnavailable."""
    import functools

    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except IndexError_:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith(("pymilvus", "grpc", "milvus")):
                raise
            raise MilvusUnavailable(f"Milvus 查询失败：{_short(exc)}") from exc

    return wrapped


def close_clients() -> None:
    """Close every shared client (tests and benchmarks release Lite files this way)."""
    with _CLIENTS_LOCK:
        for made in _CLIENTS.values():
            with contextlib.suppress(Exception):
                made.close()
        _CLIENTS.clear()


class _DropMvccWarning(logging.Filter):
    """pymilvus warns on every query_iterator against Milvus Lite that it uses a client-side timestamp."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_DropMvccWarning())


def _short(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc).splitlines()[0][:300]


# -- values -------------------------------------------------------------------------------
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def date_int(date: str) -> int:
    """An ISO date (or year / year-month prefix) as INT64 ``yyyymmdd`` (missing parts 00); 0 without a date."""
    found = _DATE.match((date or "").strip())
    if not found:
        return 0
    year, month, day = found.groups()
    return int(year) * 10000 + int(month or 0) * 100 + int(day or 0)


def date_bound(prefix: str, upper: bool) -> int | None:
    """The INT64 bound for a ``--from`` / ``--to`` prefix, inclusive; None if it is not a date.

    ``2020`` → 20200000 / 20209999, ``2020-06`` → 20200600 / 20200699: the same
    as the embedded filter's comparison of ISO prefixes.
    """
    found = _DATE.match(prefix.strip())
    if not found:
        return None
    year, month, day = found.groups()
    fill = 99 if upper else 0
    return int(year) * 10000 + (int(month) if month else fill) * 100 + (int(day) if day else fill)


def quote(value: str) -> str:
    """A Milvus expression string literal for ``value`` (backslash and double quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'



def quote_like_substring(value: str) -> str:
    """A ``like`` pattern literal matching ``value`` anywhere, its ``%`` / ``_`` / ``\\`` taken literally."""
    literal = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return quote(f"%{literal}%")


def filter_expression(filters: Filters | None) -> str | None:
    """The Milvus boolean expression for ``filters``: '' when nothing is filtered, None when nothing can match.

    Fails closed: every value is escaped, and a date that is not ``yyyy[-mm[-dd]]``
    gives None (no results) rather than dropping the condition.
    """
    if filters is None or not filters.active:
        return ""
    # control characters (newline, CR, NUL ...) break Milvus's expression parser: the filters' usage error
    # (Filters refuses them already; checked again because this text goes into an expression)
    check_text(filters.org, "--org")
    for kind in filters.kinds:
        check_text(kind, "--kind")
    parts: list[str] = []
    if filters.kinds:
        parts.append(f"kind in [{', '.join(quote(k) for k in filters.kinds)}]")
    if filters.org:
        pattern = quote_like_substring(filters.org)
        parts.append(f"(org like {pattern} or unit like {pattern} or title like {pattern})")
    if filters.date_from or filters.date_to:
        parts.append("date > 0")
        if filters.date_from:
            low = date_bound(filters.date_from, upper=False)
            if low is None:
                return None
            parts.append(f"date >= {low}")
        if filters.date_to:
            high = date_bound(filters.date_to, upper=True)
            if high is None:
                return None
            parts.append(f"date <= {high}")
    return " and ".join(parts)


def hex_tokens(tokens: Iterable[str]) -> str:
    """Tokens as ``x``+UTF-8 hex words joined by spaces (kept whole by the ``standard`` tokenizer)."""
    return " ".join("x" + token.encode("utf-8").hex() for token in tokens)


def unhex_tokens(text: str) -> list[str]:
    """Inverse of :func:`hex_tokens`."""
    return [bytes.fromhex(word[1:]).decode("utf-8") for word in text.split()]


def userdict_file(terms: list[str]) -> str:
    """A jieba user dictionary file for ``terms`` (cached by content in the temp folder)."""
    from index.text.tokenize import write_userdict

    key = hashlib.sha256("\n".join(terms).encode("utf-8")).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"notice-milvus-userdict-{key}.txt"
    if not path.is_file():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        write_userdict(tmp, terms)
        os.replace(tmp, path)
    return str(path)


def userdict_terms(documents: Iterable[Document]) -> list[str]:
    """The user dictionary terms an index of ``documents`` gets (organisations, inspected units)."""
    docs = list(documents)
    return sorted({t for t in [d.org for d in docs] + [d.inspected_unit for d in docs] if t})


# -- the index read back from Milvus ------------------------------------------------------
@dataclass
class MilvusIndexData(store.IndexData):
    """An :class:`index.store.folder.IndexData` read from Milvus; sentence vectors fetched per chunk on demand."""

    milvus: MilvusStore | None = None
    chunk_keys: list[str] = field(default_factory=list)  # Milvus primary key of each chunk id
    keyword_tokens: list[list[str]] = field(default_factory=list)  # BM25 tokens of each chunk id
    _sentence_cache: dict[int, np.ndarray] = field(default_factory=dict)

    def chunk_sentence_vectors(self, chunk_id: int) -> np.ndarray | None:
        """Vectors of the sentences of one chunk, read from the ``sentences`` collection."""
        if self.milvus is None or not 0 <= chunk_id < len(self.chunk_keys):
            return None
        found = self._sentence_cache.get(chunk_id)
        if found is None:
            found = self.milvus.sentence_vectors(self.chunk_keys[chunk_id], self.config.dimension)
            if len(self._sentence_cache) > 4096:
                self._sentence_cache.clear()
            self._sentence_cache[chunk_id] = found
        return found


class MilvusStore:
    """The collections of one index in one Milvus (``uri``), named ``{prefix}_*``."""

    def __init__(self, uri: str, token: str | None = None, prefix: str | None = None,
                 index_type: str = "HNSW", create: bool = True) -> None:
        """Connect; ``create=False`` (readers) refuses a Milvus Lite file that does not exist yet."""
        if not uri:
            raise MilvusUnavailable(f"没有 Milvus 地址：请加 --milvus-uri 地址，或设置 {MILVUS_ENV}")
        if not create and is_lite(uri) and not Path(uri).expanduser().exists():
            raise IndexMissing(f"没有找到索引：Milvus Lite 文件 {uri} 不存在；"
                               f"请先运行 `python -m ingest 文件或文件夹 --backend milvus --milvus-uri {uri}`")
        self.uri = uri
        self.prefix = prefix or os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", self.prefix):
            raise MilvusUnavailable(f"集合名前缀 {self.prefix!r} 无效：只能用字母、数字和下划线")
        self.index_type = index_type
        self.client = client(uri, token)
        self._lock = threading.Lock()
        self._vector_index: str | None = None

    def name(self, what: str) -> str:
        """Collection name of ``what`` (one of :data:`COLLECTIONS`)."""
        return f"{self.prefix}_{what}"

    # -- schema ---------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the collections of this index exist."""
        try:
            return all(self.client.has_collection(self.name(n)) for n in COLLECTIONS)
        except Exception as exc:
            raise MilvusUnavailable(f"Milvus {self.uri} 没有响应：{_short(exc)}") from exc

    def drop(self) -> None:
        """Drop every collection of this index."""
        for what in COLLECTIONS:
            if self.client.has_collection(self.name(what)):
                self.client.drop_collection(self.name(what))

    def create(self, dimension: int) -> None:
        """Create the collections (with indexes) that do not exist yet, and load them."""
        from pymilvus import DataType, Function, FunctionType

        c = self.client

        def base(primary_length: int = 1024):
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=primary_length)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=512)
            return schema

        def dummy(schema, params) -> None:
            schema.add_field("dummy", DataType.FLOAT_VECTOR, dim=DUMMY_DIM)
            params.add_index("dummy", index_type="FLAT", metric_type="L2")

        specs = {}
        schema, params = base(), c.prepare_index_params()
        schema.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
        dummy(schema, params)
        specs["meta"] = (schema, params)

        schema, params = base(), c.prepare_index_params()
        schema.add_field("seq", DataType.INT64)
        schema.add_field("part", DataType.INT64)
        schema.add_field("content_hash", DataType.VARCHAR, max_length=256)
        schema.add_field("body", DataType.VARCHAR, max_length=MAX_VARCHAR)
        dummy(schema, params)
        specs["documents"] = (schema, params)

        schema, params = base(), c.prepare_index_params()
        schema.add_field("position", DataType.INT64)
        schema.add_field("kind", DataType.VARCHAR, max_length=64)
        schema.add_field("org", DataType.VARCHAR, max_length=MAX_META_CHARS * 4)
        schema.add_field("unit", DataType.VARCHAR, max_length=MAX_META_CHARS * 4)
        schema.add_field("title", DataType.VARCHAR, max_length=MAX_META_CHARS * 4)
        schema.add_field("date", DataType.INT64)
        schema.add_field("record", DataType.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         analyzer_params={"tokenizer": "jieba"})
        schema.add_field("keywords", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         analyzer_params={"tokenizer": "standard"})
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_field("text_sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("keywords_sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["text_sparse"]))
        schema.add_function(Function(name="keywords_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["keywords"], output_field_names=["keywords_sparse"]))
        vector_params = dict(HNSW) if self.index_type == "HNSW" else dict(IVF) if "IVF" in self.index_type else {}
        params.add_index("vector", index_type=self.index_type, metric_type="IP", params=vector_params)
        for field_name in ("text_sparse", "keywords_sparse"):
            params.add_index(field_name, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                             params=dict(BM25_PARAMS))
        specs["chunks"] = (schema, params)

        for what in ("sentences", "findings"):
            schema, params = base(), c.prepare_index_params()
            schema.add_field("owner", DataType.VARCHAR, max_length=1024)  # chunk key / finding label
            schema.add_field("ordinal", DataType.INT64)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
            params.add_index("vector", index_type="FLAT", metric_type="IP")
            specs[what] = (schema, params)

        for what, (schema, params) in specs.items():
            if not c.has_collection(self.name(what)):
                c.create_collection(self.name(what), schema=schema, index_params=params,
                                    consistency_level=CONSISTENCY)
        self.load_collections()

    def dense_search_params(self, depth: int) -> dict:
        """Search parameters of the chunk vector index (HNSW ``ef`` ≥ depth, IVF ``nprobe``)."""
        index_type = self._index_type_in_use()
        if index_type == "HNSW":
            return {"metric_type": "IP", "params": {"ef": max(2 * depth, 200)}}
        if index_type.startswith("IVF"):
            return {"metric_type": "IP", "params": {"nprobe": 16}}
        return {"metric_type": "IP", "params": {}}

    def _index_type_in_use(self) -> str:
        if self._vector_index is None:
            try:
                info = self.client.describe_index(self.name("chunks"), index_name="vector")
                self._vector_index = str(info.get("index_type") or self.index_type)
            except Exception:  # an older server without describe by name: the configured type
                self._vector_index = self.index_type
        return self._vector_index

    def load_collections(self) -> None:
        """Load the collections into memory (needed before any read after a restart)."""
        for what in COLLECTIONS:
            self.client.load_collection(self.name(what))

    # -- meta -----------------------------------------------------------------------------
    def manifest(self) -> dict:
        """``{"config": ..., "userdict": [...], "schema_version": ...}`` as stored; IndexMissing if none."""
        if not self.exists():
            raise IndexMissing(f"没有找到索引：Milvus {self.uri} 中没有 {self.prefix}_* 集合；请先运行 "
                               f"`python -m ingest 文件或文件夹 --backend milvus --milvus-uri {self.uri}`，"
                               "或 `python -m index export-milvus --index 目录 --milvus-uri 地址`")
        self.load_collections()
        rows = self._query("meta", "", ["pk", "value"])
        values = {row["pk"]: json.loads(row["value"]) for row in rows}
        if "config" not in values:
            raise IndexMissing(f"Milvus {self.uri} 中的索引（{self.prefix}_*）为空或没有写完")
        return values

    def write_meta(self, config: Config, terms: list[str]) -> None:
        """Store the config and the user dictionary terms."""
        rows = [{"pk": key, "doc_id": "", "value": json.dumps(value, ensure_ascii=False),
                 "dummy": [0.0] * DUMMY_DIM}
                for key, value in (("config", config.to_dict()), ("userdict", terms),
                                   ("schema_version", SCHEMA_VERSION), ("written", time.time_ns()))]
        self.client.upsert(self.name("meta"), rows)

    def write_stamp(self) -> str:
        """When the index was last written (changes with every ingest; the page caches by it)."""
        return str(self.manifest().get("written", ""))

    # -- reading --------------------------------------------------------------------------
    def _query(self, what: str, expr: str, fields: list[str]) -> Iterator[dict]:
        """Every row of ``what`` matching ``expr`` (iterated in batches; Strong consistency)."""
        iterator = self.client.query_iterator(self.name(what), batch_size=1000, filter=expr,
                                              output_fields=fields, consistency_level=CONSISTENCY)
        try:
            while True:
                batch = iterator.next()
                if not batch:
                    break
                yield from batch
        finally:
            iterator.close()

    def document_rows(self) -> list[tuple[int, Document]]:
        """(seq, Document) of every document, in ingest order."""
        parts: dict[str, list[tuple[int, str]]] = {}
        seqs: dict[str, int] = {}
        for row in self._query("documents", "", ["doc_id", "seq", "part", "body"]):
            parts.setdefault(row["doc_id"], []).append((row["part"], row["body"]))
            seqs[row["doc_id"]] = row["seq"]
        out = []
        for doc_id, pieces in parts.items():
            pieces.sort()
            if [p for p, _ in pieces] != list(range(len(pieces))):
                continue  # a document being rewritten right now: skip it rather than read half
            try:
                out.append((seqs[doc_id], Document.from_dict(json.loads("".join(b for _, b in pieces)))))
            except (ValueError, TypeError):
                continue
        out.sort(key=lambda item: item[0])
        return out

    def load_data(self, model: str | None = None, vectors: bool = True) -> MilvusIndexData:
        """The whole index as :class:`MilvusIndexData` (documents, chunks, finding and chunk vectors).

        ``vectors=False`` reads documents only (what ingest needs to know what changed).
        """
        manifest = self.manifest()
        store.check_compatible(manifest, Path(self.uri) if is_lite(self.uri) else self.uri, model)  # type: ignore[arg-type]
        config = Config.from_dict(manifest["config"])
        data = MilvusIndexData(config=config)
        data.milvus = self
        data.manifest = {"config": manifest["config"], "backend": "milvus", "uri": self.uri,
                         "prefix": self.prefix, "userdict": manifest.get("userdict", [])}
        docs = self.document_rows()
        data.documents = {doc.doc_id: doc for _, doc in docs}
        seq = {doc.doc_id: number for number, doc in docs}
        if vectors:
            self._load_chunks(data, seq)
            self._load_findings(data, seq)
        data.manifest["counts"] = {"documents": len(data.documents), "chunks": len(data.chunks),
                                   "findings": len(data.finding_keys),
                                   "repaired": sum(1 for d in data.documents.values() if d.repaired)}
        return data

    def _load_chunks(self, data: MilvusIndexData, seq: dict[str, int]) -> None:
        rows = [r for r in self._query("chunks", "", ["pk", "doc_id", "position", "record", "keywords", "vector"])
                if r["doc_id"] in seq]
        rows.sort(key=lambda r: (seq[r["doc_id"]], r["position"]))
        data.chunks = []
        data.chunk_keys = []
        data.keyword_tokens = []
        for number, row in enumerate(rows):
            chunk = Chunk.from_dict(json.loads(row["record"]))
            chunk.chunk_id = number
            data.chunks.append(chunk)
            data.chunk_keys.append(row["pk"])
            data.keyword_tokens.append(unhex_tokens(row["keywords"]))
        dim = data.config.dimension
        data.chunk_vectors = (np.asarray([r["vector"] for r in rows], dtype="float32").reshape(len(rows), dim))

    def _load_findings(self, data: MilvusIndexData, seq: dict[str, int]) -> None:
        rows = [r for r in self._query("findings", "", ["doc_id", "owner", "ordinal", "vector"]) if r["doc_id"] in seq]
        rows.sort(key=lambda r: (seq[r["doc_id"]], r["ordinal"]))
        data.finding_keys = [(r["doc_id"], r["owner"]) for r in rows]
        data.finding_vectors = np.asarray([r["vector"] for r in rows], dtype="float32").reshape(
            len(rows), data.config.dimension)

    def sentence_vectors(self, chunk_key: str, dimension: int) -> np.ndarray:
        """The sentence vectors of one chunk, in sentence order."""
        rows = self.client.query(self.name("sentences"), filter=f"owner == {quote(chunk_key)}",
                                 output_fields=["ordinal", "vector"], consistency_level=CONSISTENCY)
        rows = sorted(rows, key=lambda r: r["ordinal"])
        return np.asarray([r["vector"] for r in rows], dtype="float32").reshape(len(rows), dimension)

    # -- writing --------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer per process.  (Lite's file lock keeps other processes out; on a server,
        running one ingest at a time is the operator's job.)"""
        if not self._lock.acquire(blocking=False):
            raise IndexLocked(f"另一个导入进程正在写入 Milvus {self.uri}")
        try:
            yield
        finally:
            self._lock.release()

    def existing_seq(self) -> dict[str, int]:
        """Sequence number of each stored document."""
        return {r["doc_id"]: r["seq"] for r in self._query("documents", "part == 0", ["doc_id", "seq"])}

    def write_documents(self, data: store.IndexData, doc_ids: list[str], seq: dict[str, int],
                        userdict: str | None, replacing: set[str] | None = None) -> None:
        """Upsert every row of ``doc_ids`` from ``data`` (vectors included), then drop their stale rows.

        ``data.chunks`` may hold other documents too; chunk ``i`` has vector row ``i``.
        ``replacing``: the documents that may have rows already (None: any of them).
        """
        c = self.client
        wanted = set(doc_ids)
        from index.encode.encoder import keyword_text
        from index.text.tokenize import tokenize

        chunk_rows: list[dict] = []
        sentence_rows: list[dict] = []
        counts: dict[str, list[int]] = {d: [0, 0, 0] for d in doc_ids}  # chunks, sentences, findings
        positions: dict[str, int] = {}
        for chunk in data.chunks:
            if chunk.doc_id not in wanted:
                continue
            doc = data.documents[chunk.doc_id]
            position = positions.get(chunk.doc_id, 0)
            positions[chunk.doc_id] = position + 1
            key = f"{chunk.doc_id}#{position:05d}"
            kw_text = keyword_text(doc, chunk)
            tokens = tokenize(kw_text, "both", userdict) or ["<empty>"]
            record = json.dumps(chunk.to_dict(), ensure_ascii=False)
            chunk_rows.append({
                "pk": key, "doc_id": chunk.doc_id, "position": position, "kind": doc.kind,
                "org": doc.org[:MAX_META_CHARS], "unit": doc.inspected_unit[:MAX_META_CHARS],
                "title": doc.title[:MAX_META_CHARS], "date": date_int(doc.date or doc.signed_date),
                "record": record, "text": kw_text, "keywords": hex_tokens(tokens),
                "vector": np.asarray(data.chunk_vectors[chunk.chunk_id], dtype="float32").tolist(),
            })
            counts[chunk.doc_id][0] += 1
            vectors = data.chunk_sentence_vectors(chunk.chunk_id)
            for ordinal, vector in enumerate(vectors if vectors is not None else []):
                sentence_rows.append({"pk": f"{key}#{ordinal:04d}", "doc_id": chunk.doc_id, "owner": key,
                                      "ordinal": ordinal, "vector": np.asarray(vector, dtype="float32").tolist()})
                counts[chunk.doc_id][1] += 1
        finding_rows: list[dict] = []
        for row, (doc_id, label) in enumerate(data.finding_keys):
            if doc_id not in wanted:
                continue
            ordinal = counts[doc_id][2]
            counts[doc_id][2] += 1
            finding_rows.append({"pk": f"{doc_id}#{ordinal:05d}", "doc_id": doc_id, "owner": label,
                                 "ordinal": ordinal,
                                 "vector": np.asarray(data.finding_vectors[row], dtype="float32").tolist()})
        for what, rows in (("chunks", chunk_rows), ("sentences", sentence_rows), ("findings", finding_rows)):
            for start in range(0, len(rows), BATCH):
                c.upsert(self.name(what), rows[start:start + BATCH])
        for doc_id in doc_ids:
            if replacing is not None and doc_id not in replacing:
                continue
            n_chunks, _, n_findings = counts[doc_id]
            c.delete(self.name("chunks"), filter=f"doc_id == {quote(doc_id)} and position >= {n_chunks}")
            c.delete(self.name("findings"), filter=f"doc_id == {quote(doc_id)} and ordinal >= {n_findings}")
            stale = f"doc_id == {quote(doc_id)} and owner >= {quote(f'{doc_id}#{n_chunks:05d}')}"
            c.delete(self.name("sentences"), filter=stale)
        doc_rows = []
        for doc_id in doc_ids:
            body = json.dumps(data.documents[doc_id].to_dict(), ensure_ascii=False)
            pieces = [body[i:i + DOC_PART_CHARS] for i in range(0, len(body), DOC_PART_CHARS)] or [""]
            for part, piece in enumerate(pieces):
                doc_rows.append({"pk": f"{doc_id}#{part:04d}", "doc_id": doc_id, "seq": seq[doc_id], "part": part,
                                 "content_hash": data.documents[doc_id].content_hash, "body": piece,
                                 "dummy": [0.0] * DUMMY_DIM})
            if replacing is None or doc_id in replacing:
                c.delete(self.name("documents"), filter=f"doc_id == {quote(doc_id)} and part >= {len(pieces)}")
        for start in range(0, len(doc_rows), BATCH):
            c.upsert(self.name("documents"), doc_rows[start:start + BATCH])

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Take documents out: their document rows first (so they stop being listed), then their passages."""
        if not doc_ids:
            return
        expr = f"doc_id in [{', '.join(quote(d) for d in doc_ids)}]"
        for what in ("documents", "chunks", "sentences", "findings"):
            self.client.delete(self.name(what), filter=expr)

    def count(self, what: str) -> int:
        """Rows in one collection (Strong consistency)."""
        rows = self.client.query(self.name(what), filter="", output_fields=["count(*)"],
                                 consistency_level=CONSISTENCY)
        return int(rows[0]["count(*)"]) if rows else 0


def export(index_dir: Path | str, uri: str, token: str | None = None, prefix: str | None = None,
           index_type: str = "HNSW") -> dict:
    """Copy an embedded index (vectors included, nothing re-embedded) into Milvus, replacing what was there.

    Returns the counts written.  The keyword tokens are made with the index's own
    user dictionary, so BM25 on Milvus scores the same tokens.
    """
    data = store.load(index_dir)
    gen = data.path
    assert gen is not None
    userdict_path = gen / store.USERDICT
    terms = [line.split()[0] for line in userdict_path.read_text(encoding="utf-8").splitlines()
             if line.strip()] if userdict_path.is_file() else userdict_terms(data.documents.values())
    milvus = MilvusStore(uri, token=token, prefix=prefix, index_type=index_type)
    with milvus.writer_lock():
        milvus.drop()
        milvus.create(data.config.dimension)
        seq = {doc_id: number for number, doc_id in enumerate(data.documents)}
        userdict = userdict_file(terms)
        doc_ids = list(data.documents)
        for start in range(0, len(doc_ids), 64):
            milvus.write_documents(data, doc_ids[start:start + 64], seq, userdict, replacing=set())
        milvus.write_meta(data.config, terms)
    return {"documents": len(data.documents), "chunks": len(data.chunks), "findings": len(data.finding_keys),
            "sentences": 0 if data.sentence_vectors is None else len(data.sentence_vectors)}


class MilvusTarget:
    """Where the ingest pipeline (``python -m ingest``) writes when the backend is Milvus.

    Same stages (load, clean, structure, chunk, embed) as the folder; only the
    documents that are new or changed are chunked and embedded, and they are
    upserted per document; ``--remove`` deletes by document.
    """

    def __init__(self, uri: str, token: str | None = None, prefix: str | None = None) -> None:
        self.milvus = MilvusStore(uri, token=token, prefix=prefix)

    def lock(self) -> contextlib.AbstractContextManager:
        """The single-writer lock."""
        return self.milvus.writer_lock()

    def previous(self, config: Config | None, rebuild: bool) -> store.IndexData | None:
        """The documents already stored (no vectors), or None for a new or rebuilt index."""
        if rebuild or not self.milvus.exists():
            return None
        try:
            self.milvus.manifest()
        except IndexMissing:
            return None
        try:
            return self.milvus.load_data(model=config.model if config else None, vectors=False)
        except IndexMismatch as exc:
            raise IndexMismatch(f"{exc}（或加 --rebuild，用给出的文件建立新的索引）") from exc

    def write(self, batch: WriteBatch) -> dict[str, int]:
        """Upsert the fresh documents, delete the removed; return the counts.

        Only the fresh documents are assembled (chunks and vectors; none for a pure ``--remove``).
        """
        docs, fresh, removed, rebuild = batch.documents, batch.fresh, batch.removed, batch.rebuild
        part = batch.assemble(True)
        config = part.config if part is not None else batch.config
        milvus = self.milvus
        if rebuild:
            milvus.drop()
        milvus.create(config.dimension)
        terms = userdict_terms(docs.values())
        seq = milvus.existing_seq()
        replacing = set(seq)
        following = max(seq.values(), default=-1) + 1
        for doc_id in docs:
            if doc_id not in seq:
                seq[doc_id] = following
                following += 1
        milvus.delete_documents(list(removed))
        doc_ids = [d for d in docs if d in fresh]
        userdict = userdict_file(terms)
        for start in range(0, len(doc_ids), 64):
            assert part is not None
            milvus.write_documents(part, doc_ids[start:start + 64], seq, userdict, replacing=replacing)
        milvus.write_meta(config, terms)
        return {"documents": len(docs), "chunks": milvus.count("chunks"), "findings": milvus.count("findings")}
