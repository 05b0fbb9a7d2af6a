"""Run the ingest: files → documents → chunks → vectors + keyword index → store.

Incremental: unchanged documents keep their chunks and vectors, changed ones
are replaced, identical content under another id is indexed once, and a run
that changes nothing writes nothing.  The whole new state is written as a new
index generation and switched in atomically (see :mod:`index.store`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from index import store
from index.errors import IndexMismatch
from index.keyword import KeywordIndex
from index.tokenize import write_userdict

from .chunk import chunk_document
from .config import Config
from .embed import chunk_passage, finding_passage, get_embedder, keyword_text
from .load import LoadError, load_paths
from .prepare import PrepareError, prepare
from .records import Chunk, Document
from .sentences import split_sentences
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
        raise IndexMismatch(f"{exc} (or pass --rebuild to start a new index from the given files)") from exc


def ingest(
    paths: Sequence[Path],
    root: Path,
    config: Config | None = None,
    remove: Sequence[str] = (),
    rebuild: bool = False,
    progress: bool = True,
    on_item: Callable[[str, str, str], None] | None = None,
    target: MilvusTarget | None = None,
) -> IngestReport:
    """Ingest ``paths`` into the index at ``root``; remove the ``remove`` doc ids.

    ``on_item(source, status, detail)`` is called per document or rejected file
    (status: indexed / replaced / unchanged / duplicate / rejected / removed),
    for callers that show per-file results (the CLI, the upload page).
    ``target``: write to Milvus instead of the folder (:class:`index.milvus_store.MilvusTarget`).
    """
    root = Path(root)
    report = IngestReport()
    notify = on_item or (lambda *_: None)
    with target.lock() if target is not None else store.writer_lock(root):
        prev = target.previous(config, rebuild) if target is not None else _previous(root, config, rebuild)
        cfg = prev.config if prev else (config or Config.from_env())
        docs: dict[str, Document] = dict(prev.documents) if prev else {}
        by_hash = {d.content_hash: d.doc_id for d in docs.values()}
        fresh: set[str] = set()
        items = list(load_paths(list(paths)))
        for item in tqdm(items, desc="解析 parse", unit="doc", disable=not progress or len(items) < 20):
            if isinstance(item, LoadError):
                report.rejected.append((item.source, item.reason))
                notify(item.source, "rejected", item.reason)
                continue
            try:
                doc = prepare(item)
            except PrepareError as exc:
                report.rejected.append((item.source, str(exc)))
                notify(item.source, "rejected", str(exc))
                continue
            old = docs.get(doc.doc_id)
            if old is not None and old.content_hash == doc.content_hash:
                report.unchanged.append(doc.doc_id)
                notify(item.source, "unchanged", doc.doc_id)
                continue
            twin = by_hash.get(doc.content_hash)
            if twin is not None and twin != doc.doc_id:
                report.duplicates.append((doc.doc_id, twin))
                notify(item.source, "duplicate", twin)
                continue
            (report.replaced if old is not None else report.indexed).append(doc.doc_id)
            notify(item.source, "replaced" if old is not None else "indexed", doc.doc_id)
            if old is not None:
                by_hash.pop(old.content_hash, None)
            docs[doc.doc_id] = doc
            by_hash[doc.content_hash] = doc.doc_id
            fresh.add(doc.doc_id)
        for doc_id in remove:
            if docs.pop(doc_id, None) is not None:
                report.removed.append(doc_id)
                notify(doc_id, "removed", doc_id)
            else:
                report.not_found.append(doc_id)
        if not report.changed and not rebuild:
            return report
        if target is not None:  # Milvus: upsert / delete by document
            report.counts = target.write(docs, fresh, report.removed, cfg, progress, rebuild)
            report.written = True
            return report
        data = _assemble(docs, fresh, prev, cfg, progress)
        store.write_generation(root, data, extra_writers=[keyword_writer(data)])
        report.written = True
        report.counts = {"documents": len(data.documents), "chunks": len(data.chunks),
                         "findings": len(data.finding_keys)}
    return report


def _assemble(docs: dict[str, Document], fresh: set[str], prev: store.IndexData | None,
              cfg: Config, progress: bool) -> store.IndexData:
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
        doc_chunks = ([old.chunks[row] for row in old_chunk_rows[doc_id]] if old is not None
                      else chunk_document(doc.text, _structure_of(doc), doc_id, cfg.max_chunk_chars))
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

    embedder = get_embedder(cfg)
    if cfg.dimension and cfg.dimension != embedder.dimension:
        raise IndexMismatch(
            f"model {cfg.model!r} gives {embedder.dimension}-d vectors, the index holds {cfg.dimension}-d"
        )
    cfg.dimension = embedder.dimension
    new_chunks = embedder.encode_passages(to_embed, progress=progress and len(to_embed) > 64)
    new_findings = embedder.encode_passages(finding_texts, progress=progress and len(finding_texts) > 64)
    new_sentences = embedder.encode_passages(sentence_texts, progress=progress and len(sentence_texts) > 64)
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
