"""Run the ingest: files → documents → chunks → vectors + keyword index → store.

Incremental: unchanged documents keep their chunks and vectors, changed ones
are replaced, identical content under another id is indexed once, and a run
that changes nothing writes nothing.  The whole new state is written as a new
index generation and switched in atomically (see :mod:`index.store.folder`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.config import DEFAULT_MODEL_DIR, Config, Limits
from index.encode.encoder import chunk_passage, finding_passage, get_embedder
from index.errors import IndexCorrupt, IndexMismatch
from index.records import Chunk, Document
from index.store import folder as store
from index.store.folder_writer import FolderWriter
from index.store.protocols import IndexWriter, WriteBatch
from index.text.query import clean_str
from index.text.sentences import split_sentences
from ingest.raw import RawDocument

from . import ocr
from .chunk import chunk_document
from .load import LoadError, iter_files, load_file
from .ocr import prune_page_images
from .prepare import BudgetExceeded, PrepareError, prepare, time_budget
from .structure import Structure


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
    #: Damaged files of the previous generation rebuilt from its kept text (one Chinese line each).
    repaired: list[str] = field(default_factory=list)
    #: The generation ``CURRENT`` was restored to when it was missing or wrong (``gen-000002``).
    recovered: str = ""

    @property
    def changed(self) -> bool:
        """True when the index content differs from before the run."""
        return bool(self.indexed or self.replaced or self.removed or self.repaired)


def _empty(config: Config) -> store.IndexData:
    return store.IndexData(config=config)


def _previous(root: Path, config: Config | None, rebuild: bool, report: IngestReport) -> store.IndexData | None:
    """The generation this run builds on, fully verified; damage is refused or rebuilt from the kept text.

    A missing ``CURRENT`` is restored to the newest generation that verifies.
    Damage to the manifest or ``documents.jsonl`` (the text itself) is refused
    with one :class:`IndexCorrupt` line; damage to any other file (chunks,
    vectors, keyword index) is repaired: the documents are kept and everything
    else is rebuilt from them, as a clean build of the same notices would.
    """
    if rebuild:
        return None
    gen, recovered = store.live_generation(root)
    if gen is None:
        return None
    if recovered:
        store.restore_current(root, gen)
        report.recovered = gen.name
    damages = store.verify_generation(root, gen, full=True)
    try:
        if not damages:
            return store.load(root, model=config.model if config else None)
    except IndexMismatch as exc:
        raise IndexMismatch(f"{exc}（或加 --rebuild，用给出的文件建立新的索引）") from exc
    except IndexCorrupt as exc:  # an older index without checksums: found while parsing
        damages = exc.damages
    if any(_damaged_name(gen, d) in store.TEXT_FILES for d in damages):
        raise IndexCorrupt(f"{store.corrupt_from(damages)}；导入已拒绝，索引未改动", damages)
    prev = store.load_documents(root, gen, model=config.model if config else None)
    report.repaired = [d.line() for d in damages]
    return prev


def _damaged_name(gen: Path, damage: store.Damage) -> str:
    try:
        return damage.path.relative_to(gen).parts[0]
    except ValueError:
        return damage.path.name


def ingest(
    paths: Sequence[Path],
    root: Path,
    config: Config | None = None,
    remove: Sequence[str] = (),
    rebuild: bool = False,
    progress: bool = True,
    on_item: Callable[[str, str, str], None] | None = None,
    limits: Limits | None = None,
    target: IndexWriter | None = None,
    keep_existing: bool = False,
) -> IngestReport:
    """Ingest ``paths`` into the index at ``root``; remove the ``remove`` doc ids.

    ``on_item(source, status, detail)`` is called per document or rejected file
    (status: indexed / replaced / unchanged / duplicate / rejected / removed),
    for callers that show per-file results (the CLI, the upload page).
    Each document is read, cleaned, parsed and chunked under ``limits``
    (default :meth:`Limits.from_env`); any failure of one file, whatever its
    cause, becomes one rejection naming the file and the reason, and the run
    goes on.
    ``target``: where to write instead of the folder ``root`` (an :class:`index.store.protocols.IndexWriter`,
    e.g. :class:`index.store.milvus.MilvusTarget`).
    """
    root = Path(root)
    report = IngestReport()
    notify = on_item or (lambda *_: None)
    limits = limits or Limits.from_env()

    def reject(source: str, reason: str) -> None:
        report.rejected.append((source, reason))
        notify(source, "rejected", reason)

    writer: IndexWriter = target if target is not None else FolderWriter(root)
    with writer.lock():
        # the folder: the live generation verified, damage refused or rebuilt, a lost CURRENT recovered
        prev = writer.previous(config, rebuild) if target is not None else _previous(root, config, rebuild, report)
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
            with _ocr_progress(progress, item.shown):
                for outcome in _read_file(item.path, item.doc_id, item.shown, cfg, limits,
                                          pages_root=root if target is None else None):
                    if isinstance(outcome, LoadError):
                        reject(outcome.source, outcome.reason)
                        continue
                    doc, doc_chunks, source = outcome
                    if keep_existing:
                        doc, doc_chunks = _keep_existing(doc, doc_chunks, source, docs, by_hash, notify)
                    _place_document(doc, doc_chunks, source, docs, by_hash, fresh, prechunked, report, notify)
        for doc_id in remove:
            if docs.pop(doc_id, None) is not None:
                report.removed.append(doc_id)
                notify(doc_id, "removed", doc_id)
            else:
                report.not_found.append(doc_id)
        if not report.changed and not rebuild:
            return report

        def assemble(only_fresh: bool) -> store.IndexData | None:
            if only_fresh:  # only new and changed documents are chunked and embedded (none: no model load)
                part = {d: docs[d] for d in docs if d in fresh}
                return _assemble(part, fresh, None, cfg, progress) if fresh else None
            # a repaired generation keeps only its documents: every chunk and vector is rebuilt from their text
            return _assemble(docs, fresh, None if report.repaired else prev, cfg, progress, prechunked)

        report.counts = writer.write(WriteBatch(documents=docs, fresh=fresh, removed=list(report.removed), config=cfg,
                                                rebuild=rebuild, assemble=assemble))
        if target is None:  # the page images of documents no longer in the index go too
            prune_page_images(root, {d.content_hash for d in docs.values()})
        report.written = True
    return report


def _ocr_progress(progress: bool, shown: str):  # -> contextlib.AbstractContextManager
    """A progress bar for the OCR of a long scan (CLI), unless a caller (the upload page) set its own hook."""
    if not progress or ocr.progress_hook() is not None:
        return contextlib.nullcontext()
    return ocr.reporting(ocr.tqdm_hook(shown))


def _read_file(path: Path, doc_id: str, shown: str, cfg: Config, limits: Limits,
               pages_root: Path | None = None) -> Iterator[tuple[Document, list[Chunk], str] | LoadError]:
    """Load, clean, parse and chunk the documents of one file, each within the time budget.

    Yields ``(document, chunks, source)`` or a :class:`LoadError`; never
    raises for anything one file can cause (exceptions, a runaway step,
    running out of memory).  The page images of an OCR'd document are kept
    under ``pages_root`` (see :func:`ingest.ocr.save_page_images`).
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
                    if pages_root is not None and item.page_images:
                        ocr.save_page_images(pages_root, outcome[0].content_hash, item.page_images)
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


def _keep_existing(doc: Document, doc_chunks: list[Chunk], source: str, docs: dict[str, Document],
                   by_hash: dict[str, str], notify: Callable[[str, str, str], None]) -> tuple[Document, list[Chunk]]:
    """``doc`` under a new id when its id is taken by other content (and the content is not indexed already)."""
    old = docs.get(doc.doc_id)
    if old is None or old.content_hash == doc.content_hash or doc.content_hash in by_hash:
        return doc, doc_chunks
    number = 2
    while f"{doc.doc_id}-{number}" in docs:
        number += 1
    new_id = f"{doc.doc_id}-{number}"
    notify(source, "renamed", f"{doc.doc_id} → {new_id}")
    return (dataclasses.replace(doc, doc_id=new_id),
            [dataclasses.replace(chunk, doc_id=new_id) for chunk in doc_chunks])


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
