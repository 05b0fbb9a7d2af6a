"""One raw document → one clean, parsed :class:`~ingest.records.Document`.

Chains the stages: clean (repair + boilerplate → metadata) → metadata →
structure (sections, findings, figures).  Chunking happens in the pipeline.
"""

from __future__ import annotations

import hashlib

from .clean import clean
from .config import CHUNKER_VERSION
from .metadata import extract_metadata
from .records import Document, RawDocument
from .repair import is_damaged, without_damage
from .structure import Structure, parse_structure


class PrepareError(ValueError):
    """The document cannot be indexed (e.g. no text left after cleaning)."""


def content_hash(text: str, title: str) -> str:
    """Identity of a document's content: same clean text and title → same hash."""
    digest = hashlib.sha256(f"{CHUNKER_VERSION}\n{title}\n{text}".encode())
    return digest.hexdigest()[:32]


def prepare(raw: RawDocument) -> Document:
    """Clean, describe and parse ``raw``; raises PrepareError when nothing is left."""
    text, boiler = clean(raw)
    if not text.strip():
        raise PrepareError("no text left after cleaning (empty or only page boilerplate)")
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
        },
        figures=structure.figures,
        sections=structure.sections,
        findings=structure.findings,
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
