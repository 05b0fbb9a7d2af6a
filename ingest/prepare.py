"""One raw document → one clean, parsed :class:`~index.records.Document`.

Chains the stages: clean (repair + boilerplate → metadata) → metadata →
structure (sections, findings, figures).  Chunking happens in the pipeline.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time
from collections.abc import Iterator

from index.config import CHUNKER_VERSION, Limits
from index.records import Document
from index.text.repair import is_damaged, without_damage
from ingest.raw import RawDocument

from .card import extract_card
from .clean import clean_shown
from .metadata import extract_metadata
from .structure import Structure, _candidates, parse_structure

#: What the loader's OCR records (see :mod:`ingest.ocr`) and the stored document keeps.
OCR_META_KEYS = ("ocr", "ocr_pages", "ocr_error")


class PrepareError(ValueError):
    """The document cannot be indexed (e.g. no text left after cleaning)."""


class TooComplex(PrepareError):
    """The document is over a limit (size, headings, time budget)."""


class BudgetExceeded(BaseException):
    """One file's time budget ran out.

    A BaseException so that library code catching ``Exception`` (a fallback
    around trafilatura, say) cannot swallow it; :func:`time_budget` callers
    catch it and reject the file.
    """


class _Budget:
    """The running :func:`time_budget` of this thread: its start, its seconds and whether SIGALRM enforces it."""

    def __init__(self, seconds: float, use_alarm: bool) -> None:
        self.start = time.monotonic()
        self.seconds = seconds
        self.use_alarm = use_alarm


_RUNNING = threading.local()


def grant_more_time(seconds: float) -> None:
    """Give the running :func:`time_budget` (if any) ``seconds`` more: for slow steps known up front (OCR).

    Without a running budget this does nothing.
    """
    budget: _Budget | None = getattr(_RUNNING, "budget", None)
    if budget is None or seconds <= 0:
        return
    budget.seconds += seconds
    if budget.use_alarm:
        left = budget.start + budget.seconds - time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the body with :class:`BudgetExceeded` after ``seconds`` of wall-clock time.

    Uses ``SIGALRM`` (it also interrupts a regular expression that runs away:
    ``re`` checks for signals while matching) when called from the main
    thread; elsewhere (the Streamlit page runs ingest in a worker thread) it
    can only check afterwards, and the body is bounded by the size and
    heading limits instead.  :func:`grant_more_time` extends it from inside.
    """
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    budget = _Budget(seconds, use_alarm)
    outer = getattr(_RUNNING, "budget", None)
    _RUNNING.budget = budget
    if not use_alarm:
        try:
            yield
        finally:
            _RUNNING.budget = outer
        if time.monotonic() - budget.start > budget.seconds:
            raise BudgetExceeded(budget.seconds)
        return

    def expire(signum: int, frame: object) -> None:
        raise BudgetExceeded(budget.seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _RUNNING.budget = outer


def content_hash(text: str, title: str) -> str:
    """Identity of a document's content: same clean text and title → same hash."""
    data = f"{CHUNKER_VERSION}\n{title}\n{text}".encode(errors="surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def prepare(raw: RawDocument, limits: Limits | None = None) -> Document:
    """Clean, describe and parse ``raw``; raises PrepareError when nothing is left.

    Raises :class:`TooComplex` when the text is over ``limits`` (text
    characters after normalisation, numbered-heading candidates).
    """
    limits = limits or Limits()
    if len(raw.text) > limits.max_text_chars:
        raise TooComplex(f"过大：正文 {len(raw.text):,} 个字符（上限 {limits.max_text_chars:,}；见 --max-chars）")
    text, shown, boiler = clean_shown(raw)
    if not text.strip():
        raise PrepareError("清洗后没有剩下正文（为空，或只有网页模板内容）")
    if len(text) > limits.max_text_chars:
        raise TooComplex(f"过大：规范化后 {len(text):,} 个字符（上限 {limits.max_text_chars:,}；见 --max-chars）")
    # structure's later steps compare headings pairwise: count the candidates first
    headings = len(_candidates(text))
    if headings > limits.max_headings:
        raise TooComplex(f"过于复杂：{headings:,} 个编号标题（上限 {limits.max_headings:,}）")
    meta = extract_metadata(text, raw, boiler)
    structure = parse_structure(text, raw.doc_id)
    _keep_damage_out_of_headings(structure, bool(boiler.get("garbled")))
    title = meta.get("title") or raw.title or raw.doc_id
    return Document(
        doc_id=raw.doc_id,
        title=title,
        text=text,
        original=raw.text,
        source=raw.source,
        url=raw.url or meta.get("url", "") or "",
        org=meta.get("org", "") or "",
        inspected_unit=meta.get("inspected_unit", "") or "",
        date=meta.get("date", "") or "",
        signed_date=meta.get("signed_date", "") or "",
        kind=meta.get("kind", "") or "other",
        repaired=bool(boiler.get("repaired", False)),
        content_hash=content_hash(text, title),
        meta={
            **{k: v for k, v in boiler.items() if k != "repaired"},
            **({"given_title": meta["given_title"]} if meta.get("given_title") else {}),
            **{k: raw.meta[k] for k in OCR_META_KEYS if k in raw.meta},
        },
        figures=structure.figures,
        sections=structure.sections,
        findings=structure.findings,
        shown=shown,
        card=extract_card(text),
    )


def _keep_damage_out_of_headings(structure: Structure, garbled: bool) -> None:
    """Cut lost-byte runs out of section and finding headings (the text keeps them)."""
    for section in structure.sections:
        if is_damaged(section.heading, garbled):
            section.heading = without_damage(section.heading, garbled)
    for finding in structure.findings:
        if is_damaged(finding.heading, garbled):
            finding.heading = without_damage(finding.heading, garbled)
        if is_damaged(finding.problem, garbled):
            finding.problem = without_damage(finding.problem, garbled)
