"""The records that flow from ingest to the index: documents, findings, chunks.

Plain dataclasses serialised as JSON lines (never pickle), so a saved index is
readable by any tool and safe to load from a folder a user hands us.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _from_dict(cls: type, data: dict) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


#: Chinese names of the completion counts a notice states (``Document.figures``), in display order.
FIGURE_NAMES = {
    "problems": "通报所述问题数",
    "completed": "已完成整改（个）",
    "in_progress": "正在整改（个）",
    "not_completed": "未完成整改（个）",
    "tasks": "整改任务/措施（项）",
    "tasks_completed": "已完成的整改任务/措施（项）",
    "tasks_in_progress": "推进中的整改任务/措施（项）",
    "rate": "完成率",
}


def figures_text(figures: dict[str, Any]) -> str:
    """A notice's stated completion counts in one line (通报所述问题数 697，已完成整改（个） 688，…), "" when none."""
    return "，".join(f"{name} {figures[key]}" for key, name in FIGURE_NAMES.items()
                    if figures.get(key) not in ("", None))


@dataclass
class Finding:
    """One numbered finding of a notice, with its rectification measures.

    ``label`` is the notice's own numbering made unique within the document
    (``问题6``, ``（三）2.``, ``一是``); ``path`` the headings above it;
    ``start``/``end`` are offsets into the document's clean text.
    """

    doc_id: str
    label: str
    heading: str
    text: str
    path: list[str] = field(default_factory=list)
    category: str = ""
    problem: str = ""
    measures: str = ""
    status: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict:
        """JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        return _from_dict(cls, data)


@dataclass
class Section:
    """A heading of the notice (``一、…``, ``（一）…``) with its span."""

    label: str
    heading: str
    level: int
    start: int
    end: int

    def to_dict(self) -> dict:
        """JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        """Inverse of :meth:`to_dict`."""
        return _from_dict(cls, data)


@dataclass
class Document:
    """A cleaned, parsed notice as stored in the index."""

    doc_id: str
    title: str
    text: str  # clean, simplified, normalised: what is indexed
    original: str  # as scraped: what is shown on request
    source: str = ""
    url: str = ""
    org: str = ""  # issuing organisation
    inspected_unit: str = ""
    date: str = ""  # publication date, ISO yyyy-mm-dd
    signed_date: str = ""  # date under the signature, ISO
    kind: str = "other"  # rectification_progress | feedback | announcement | other
    repaired: bool = False  # True when pinyin/Traditional garbling was repaired
    content_hash: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # editor, source site, ...
    figures: dict[str, Any] = field(default_factory=dict)  # completion counts
    sections: list[Section] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # ``text`` before the width fold, line for line: the notice's own characters (``，`` not ``,``), what
    # quotations show (see index.shown); "" when the same as ``text`` or in an index made before it existed
    shown: str = ""
    # the notice card (see ingest.card): {field: [{"value", "start", "end"}, …], "contacts": […]}, offsets into
    # ``text``; {} in an index made before it existed
    card: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Document:
        """Inverse of :meth:`to_dict`."""
        doc = _from_dict(cls, data)
        doc.sections = [Section.from_dict(s) for s in data.get("sections", [])]
        doc.findings = [Finding.from_dict(f) for f in data.get("findings", [])]
        return doc

    @property
    def year(self) -> int | None:
        """Year of publication (or signing), if known."""
        for value in (self.date, self.signed_date):
            if value[:4].isdigit():
                return int(value[:4])
        return None


@dataclass
class Chunk:
    """A passage of at most about ``max_chunk_chars`` characters.

    Never crosses a finding; ``section`` is the heading path shown to users
    (``二、… > （一）… > 问题2``) and also fed to the keyword index.
    """

    chunk_id: int
    doc_id: str
    text: str
    section: str = ""
    finding: str = ""  # label of the finding it belongs to, if any
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict:
        """JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        """Inverse of :meth:`to_dict`."""
        return _from_dict(cls, data)
