"""Run the ingest: files → documents → chunks → vectors + keyword index → store.

Incremental: unchanged documents keep their chunks and vectors, changed ones
are replaced, identical content under another id is indexed once, and a run
that changes nothing writes nothing.  The whole new state is written as a new
index generation and switched in atomically (see :mod:`index.store`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from index import store
from index.config import DEFAULT_MODEL_DIR, Config, Limits
from index.encoder import chunk_passage, finding_passage, get_embedder, keyword_text
from index.errors import IndexMismatch
from index.keyword import KeywordIndex
from index.query import clean_str
from index.records import Chunk, Document
from index.sentences import split_sentences
from index.tokenize import write_userdict
from ingest.raw import RawDocument

from .chunk import chunk_document
from .load import LoadError, iter_files, load_file
from .prepare import BudgetExceeded, PrepareError, prepare, time_budget
from .structure import Structure

if TYPE_CHECKING:
    from index.milvus_store import MilvusTarget


@dataclass
class IngestReport:
    """What one ingest run did, per document and per rejected file."""

    indexed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, same as doc_id)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    removed: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    written: bool = False
    counts: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when the index content differs from before the run."""
        return bool(self.indexed or self.replaced or self.removed)


def _empty(config: Config) -> store.IndexData:
    return store.IndexData(config=config)


def _previous(root: Path, config: Config | None, rebuild: bool) -> store.IndexData | None:
    if rebuild or store.current_generation(root) is None:
        return None
    try:
        return store.load(root, model=config.model if config else None)
    except IndexMismatch as exc:
        raise IndexMismatch(f"{exc}（或加 --rebuild，用给出的文件建立新的索引）") from exc


def ingest(
    paths: Sequence[Path],
    root: Path,
    config: Config | None = None,
    remove: Sequence[str] = (),
    rebuild: bool = False,
    progress: bool = True,
    on_item: Callable[[str, str, str], None] | None = None,
    limits: Limits | None = None,
    target: MilvusTarget | None = None,
) -> IngestReport:
    """Ingest ``paths`` into the index at ``root``; remove the ``remove`` doc ids.

    ``on_item(source, status, detail)`` is called per document or rejected file
    (status: indexed / replaced / unchanged / duplicate / rejected / removed),
    for callers that show per-file results (the CLI, the upload page).
    Each document is read, cleaned, parsed and chunked under ``limits``
    (default :meth:`Limits.from_env`); any failure of one file, whatever its
    cause, becomes one rejection naming the file and the reason, and the run
    goes on.
    ``target``: write to Milvus instead of the folder (:class:`index.milvus_store.MilvusTarget`).
    """
    root = Path(root)
    report = IngestReport()
    notify = on_item or (lambda *_: None)
    limits = limits or Limits.from_env()

    def reject(source: str, reason: str) -> None:
        report.rejected.append((source, reason))
        notify(source, "rejected", reason)

    with target.lock() if target is not None else store.writer_lock(root):
        prev = target.previous(config, rebuild) if target is not None else _previous(root, config, rebuild)
        cfg = prev.config if prev else (config or Config.from_env())
        docs: dict[str, Document] = dict(prev.documents) if prev else {}
        by_hash = {d.content_hash: d.doc_id for d in docs.values()}
        fresh: set[str] = set()
        prechunked: dict[str, list[Chunk]] = {}
        files = list(iter_files(list(paths)))
        for item in tqdm(files, desc="解析 parse", unit="file", disable=not progress or len(files) < 20):
            if isinstance(item, LoadError):
                reject(item.source, item.reason)
                continue
            for outcome in _read_file(item.path, item.doc_id, item.shown, cfg, limits):
                if isinstance(outcome, LoadError):
                    reject(outcome.source, outcome.reason)
                    continue
                doc, doc_chunks, source = outcome
                _place_document(doc, doc_chunks, source, docs, by_hash, fresh, prechunked, report, notify)
        for doc_id in remove:
            if docs.pop(doc_id, None) is not None:
                report.removed.append(doc_id)
                notify(doc_id, "removed", doc_id)
            else:
                report.not_found.append(doc_id)
        if not report.changed and not rebuild:
            return report
        if target is not None:  # Milvus: upsert / delete by document
            # only new and changed documents are chunked and embedded (no model load for a pure --remove)
            part = _assemble({d: docs[d] for d in docs if d in fresh}, fresh, None, cfg, progress) if fresh else None
            report.counts = target.write(docs, fresh, report.removed, cfg, part, rebuild)
            report.written = True
            return report
        data = _assemble(docs, fresh, prev, cfg, progress, prechunked)
        store.write_generation(root, data, extra_writers=[keyword_writer(data)])
        report.written = True
        report.counts = {"documents": len(data.documents), "chunks": len(data.chunks),
                         "findings": len(data.finding_keys)}
    return report


def _read_file(path: Path, doc_id: str, shown: str, cfg: Config,
               limits: Limits) -> Iterator[tuple[Document, list[Chunk], str] | LoadError]:
    """Load, clean, parse and chunk the documents of one file, each within the time budget.

    Yields ``(document, chunks, source)`` or a :class:`LoadError`; never
    raises for anything one file can cause (exceptions, a runaway step,
    running out of memory).
    """
    reader = load_file(path, limits, doc_id=doc_id, shown=shown)
    source = shown
    while True:
        reading = True
        try:
            with time_budget(limits.file_seconds):
                item = next(reader, None)
                reading = False
                if item is None:
                    return
                if isinstance(item, LoadError):
                    outcome: tuple[Document, list[Chunk], str] | LoadError = item
                else:
                    source = item.source
                    outcome = _prepare_and_chunk(item, cfg, limits)
        except BudgetExceeded:
            if reading:  # the file's reader was interrupted: it cannot go on
                rest = "（文件其余部分未读取）" if source != shown else ""
                yield LoadError(shown, f"过于复杂：{limits.file_seconds:g} 秒内没有读完{rest}（见 --file-seconds）")
                return
            yield LoadError(source, f"过于复杂：{limits.file_seconds:g} 秒内没有完成清洗、解析和分段"
                                    "（见 --file-seconds）")
            continue
        except PrepareError as exc:
            outcome = LoadError(source, str(exc))
        except RecursionError:
            outcome = LoadError(source, "过于复杂：嵌套过深，无法解析")
        except MemoryError:
            outcome = LoadError(source, "过大：内存不足")
        except Exception as exc:  # one bad file must never abort the batch
            outcome = LoadError(source, f"意外错误（{type(exc).__name__}: {clean_str(str(exc))[:300]}）")
        yield outcome


def _prepare_and_chunk(raw: RawDocument, cfg: Config, limits: Limits) -> tuple[Document, list[Chunk], str]:
    doc = prepare(raw, limits)
    chunks = chunk_document(doc.text, _structure_of(doc), doc.doc_id, cfg.max_chunk_chars)
    if len(chunks) > limits.max_chunks:
        raise PrepareError(f"过大：{len(chunks):,} 个段落（上限 {limits.max_chunks:,}）")
    for chunk in chunks:
        split_sentences(chunk.text)  # the sentences are split again at embedding; here for the budget
    return doc, chunks, raw.source


def _place_document(doc: Document, doc_chunks: list[Chunk], source: str, docs: dict[str, Document],
                    by_hash: dict[str, str], fresh: set[str], prechunked: dict[str, list[Chunk]],
                    report: IngestReport, notify: Callable[[str, str, str], None]) -> None:
    """Add one prepared document to the new state: indexed, replaced, unchanged or duplicate."""
    old = docs.get(doc.doc_id)
    if old is not None and old.content_hash == doc.content_hash:
        report.unchanged.append(doc.doc_id)
        notify(source, "unchanged", doc.doc_id)
        return
    twin = by_hash.get(doc.content_hash)
    if twin is not None and twin != doc.doc_id:
        report.duplicates.append((doc.doc_id, twin))
        notify(source, "duplicate", twin)
        return
    (report.replaced if old is not None else report.indexed).append(doc.doc_id)
    notify(source, "replaced" if old is not None else "indexed", doc.doc_id)
    if old is not None:
        by_hash.pop(old.content_hash, None)
    docs[doc.doc_id] = doc
    by_hash[doc.content_hash] = doc.doc_id
    fresh.add(doc.doc_id)
    prechunked[doc.doc_id] = doc_chunks


def _assemble(docs: dict[str, Document], fresh: set[str], prev: store.IndexData | None,
              cfg: Config, progress: bool, prechunked: dict[str, list[Chunk]] | None = None) -> store.IndexData:
    """Chunks and vectors for the new state, reusing the unchanged documents' ones."""
    old_chunk_rows: dict[str, list[int]] = {}
    old_finding_rows: dict[tuple[str, str], int] = {}
    if prev is not None:
        for row, chunk in enumerate(prev.chunks):
            old_chunk_rows.setdefault(chunk.doc_id, []).append(row)
        old_finding_rows = {key: row for row, key in enumerate(prev.finding_keys)}

    chunks: list[Chunk] = []
    sources: list[tuple[str, int]] = []  # ("old", row) or ("new", position in to_embed)
    to_embed: list[str] = []
    sentence_sources: list[tuple[str, int]] = []
    sentence_texts: list[str] = []
    offsets = [0]
    for doc_id, doc in docs.items():
        old = prev if prev is not None and doc_id not in fresh and doc_id in old_chunk_rows else None
        if old is not None:
            doc_chunks = [old.chunks[row] for row in old_chunk_rows[doc_id]]
        elif prechunked and doc_id in prechunked:
            doc_chunks = prechunked[doc_id]
        else:
            doc_chunks = chunk_document(doc.text, _structure_of(doc), doc_id, cfg.max_chunk_chars)
        for position, chunk in enumerate(doc_chunks):
            spans = split_sentences(chunk.text)
            if old is not None and old.sentence_offsets is not None:
                row = old_chunk_rows[doc_id][position]
                sources.append(("old", row))
                first = int(old.sentence_offsets[row])
                sentence_sources.extend(("old", first + i) for i in range(len(spans)))
            else:
                sources.append(("new", len(to_embed)))
                to_embed.append(chunk_passage(doc, chunk))
                sentence_sources.extend(("new", len(sentence_texts) + i) for i in range(len(spans)))
                sentence_texts.extend(chunk.text[s:e] for s, e in spans)
            chunks.append(chunk)
            offsets.append(offsets[-1] + len(spans))
    for number, chunk in enumerate(chunks):
        chunk.chunk_id = number

    finding_keys: list[tuple[str, str]] = []
    finding_sources: list[tuple[str, int]] = []
    finding_texts: list[str] = []
    for doc_id, doc in docs.items():
        for finding in doc.findings:
            key = (doc_id, finding.label)
            finding_keys.append(key)
            if doc_id not in fresh and key in old_finding_rows:
                finding_sources.append(("old", old_finding_rows[key]))
            else:
                finding_sources.append(("new", len(finding_texts)))
                finding_texts.append(finding_passage(finding))

    if Path(cfg.model).resolve() == DEFAULT_MODEL_DIR.resolve() and not Path(cfg.model).exists():
        from .model_setup import ensure_model  # the index only reads the model; ingest builds it

        ensure_model(Path(cfg.model))
    embedder = get_embedder(cfg)
    if cfg.dimension and cfg.dimension != embedder.dimension:
        raise IndexMismatch(
            f"模型 {cfg.model!r} 给出 {embedder.dimension} 维向量，而索引中是 {cfg.dimension} 维"
        )
    cfg.dimension = embedder.dimension
    new_chunks, new_findings, new_sentences = embed_once(embedder, [to_embed, finding_texts, sentence_texts],
                                                         progress)
    old_chunks = prev.chunk_vectors if prev is not None else None
    old_findings = prev.finding_vectors if prev is not None else None
    return store.IndexData(
        config=cfg,
        documents=docs,
        chunks=chunks,
        chunk_vectors=_gather(sources, old_chunks, new_chunks, cfg.dimension),
        finding_keys=finding_keys,
        finding_vectors=_gather(finding_sources, old_findings, new_findings, cfg.dimension),
        sentence_vectors=_gather(sentence_sources, prev.sentence_vectors if prev is not None else None,
                                 new_sentences, cfg.dimension),
        sentence_offsets=np.array(offsets, dtype=np.int64),
    )


def embed_once(embedder, groups: list[list[str]], progress: bool = False) -> list[np.ndarray]:
    """Passage vectors for each list of texts, every distinct text embedded once.

    Chunks, finding statements and sentences repeat each other (a finding's
    problem is often one of its chunk's sentences; boilerplate sentences recur
    across notices), so all three go to the encoder as one de-duplicated batch.
    """
    unique = list(dict.fromkeys(text for group in groups for text in group))
    vectors = embedder.encode_passages(unique, progress=progress and len(unique) > 64)
    row = {text: i for i, text in enumerate(unique)}
    return [vectors[[row[t] for t in group]] if group else vectors[:0] for group in groups]


def _structure_of(doc: Document) -> Structure:
    return Structure(sections=doc.sections, findings=doc.findings, figures=doc.figures)


def _gather(sources: list[tuple[str, int]], old: np.ndarray | None, new: np.ndarray, dim: int) -> np.ndarray:
    out = np.zeros((len(sources), dim), dtype="float32")
    for i, (where, row) in enumerate(sources):
        out[i] = old[row] if where == "old" and old is not None else new[row]
    return out


def keyword_writer(data: store.IndexData) -> Callable[[Path], None]:
    """A writer for :func:`index.store.write_generation`: the user dictionary and the BM25 index."""
    def write(folder: Path) -> None:
        terms = [d.org for d in data.documents.values()] + [d.inspected_unit for d in data.documents.values()]
        userdict = folder / store.USERDICT
        write_userdict(userdict, terms)
        texts = [keyword_text(data.documents[c.doc_id], c) for c in data.chunks]
        KeywordIndex.build(texts, userdict=str(userdict)).save(folder / store.KEYWORD_DIR)

    return write
