"""The load step's output: a document as read from a file, before cleaning (ingest-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawDocument:
    """A document as read from a file, before cleaning.

    ``text`` is the decoded text as scraped (kept for display as ``original``);
    ``meta`` carries what the source already states (JSONL title/url/kind,
    HTML <title>, file path).
    """

    doc_id: str
    text: str
    source: str  # file path (and line number for JSONL)
    title: str = ""
    url: str = ""
    kind: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: OCR'd pages as JPEG bytes (page number → image), stored beside the index for the notice view.
    page_images: dict[int, bytes] = field(default_factory=dict)
