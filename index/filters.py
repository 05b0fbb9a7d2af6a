"""Result filters (kind, organisation, date range) as a boolean mask over documents."""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Document

KINDS = ("rectification_progress", "feedback", "announcement", "other")
KIND_NAMES = {
    "rectification_progress": "整改进展通报",
    "feedback": "巡视巡察反馈",
    "announcement": "进驻公告",
    "other": "其他相关",
}


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the search to.  Empty fields do not filter.

    ``org`` matches when it is contained in the document's organisation, its
    inspected unit or its title (users type ``张家界`` or ``宣传部``).
    ``date_from`` / ``date_to`` are ISO prefixes (``2020`` or ``2020-10-01``),
    inclusive; documents without a date never pass a date filter.
    """

    kinds: tuple[str, ...] = ()
    org: str = ""
    date_from: str = ""
    date_to: str = ""

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.kinds or self.org or self.date_from or self.date_to)

    def accepts(self, doc: Document) -> bool:
        """Whether ``doc`` passes every set filter."""
        if self.kinds and doc.kind not in self.kinds:
            return False
        if self.org and not any(self.org in field for field in (doc.org, doc.inspected_unit, doc.title)):
            return False
        if self.date_from or self.date_to:
            date = doc.date or doc.signed_date
            if not date:
                return False
            if self.date_from and date[: len(self.date_from)] < self.date_from:
                return False
            if self.date_to and date[: len(self.date_to)] > self.date_to:
                return False
        return True
