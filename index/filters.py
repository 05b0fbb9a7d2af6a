"""Result filters (kind, organisation, date range) as a boolean mask over documents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.errors import IndexError_
from index.records import Document

KINDS = ("rectification_progress", "feedback", "announcement", "other")
KIND_NAMES = {
    "rectification_progress": "整改进展通报",
    "feedback": "巡视巡察反馈",
    "announcement": "进驻公告",
    "other": "其他相关",
}


_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class BadFilter(IndexError_, ValueError):
    """A filter value that is not a date (``--from 2020-13``) or holds control characters."""

    zh = "筛选条件无效"


def normalise_date(text: str, option: str = "--from") -> str:
    """``2020`` / ``2020-6`` / ``2020-06`` / ``2020-06-01`` → the ISO prefix (``2020-06``); else :class:`BadFilter`.

    The same check for both backends, so a malformed date is a usage error
    everywhere instead of being compared as text (``' or 1=1 --`` would pass every date).
    """
    value = (text or "").strip()
    if not value:
        return ""
    found = _DATE.match(value)
    if found:
        year, month, day = found.groups()
        if (month is None or 1 <= int(month) <= 12) and (day is None or 1 <= int(day) <= 31):
            return "-".join([year] + [f"{int(part):02d}" for part in (month, day) if part is not None])
    raise BadFilter(f"日期 {option} {value[:40]!r} 无效：请写成 2020、2020-6、2020-06 或 2020-06-01")


def check_text(value: str, option: str) -> str:
    """``value`` unchanged when it holds no control characters (newline, CR, NUL ...); else :class:`BadFilter`."""
    if _CONTROL.search(value):
        raise BadFilter(f"筛选条件 {option} 含有控制字符（换行、回车等）：请只写单位名称或类型")
    return value


def strip_control(value: str) -> str:
    """``value`` without control characters (the page's free-text organisation box)."""
    return _CONTROL.sub("", value or "")


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the search to.  Empty fields do not filter.

    ``org`` matches when it is contained in the document's organisation, its
    inspected unit or its title (users type ``张家界`` or ``宣传部``).
    ``date_from`` / ``date_to`` are ISO prefixes (``2020`` or ``2020-10-01``),
    inclusive; documents without a date never pass a date filter.  Dates are
    checked and normalised here (``2020-1`` → ``2020-01``, :func:`normalise_date`),
    and control characters refused, so both backends see the same valid values.
    """

    kinds: tuple[str, ...] = ()
    org: str = ""
    date_from: str = ""
    date_to: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "date_from", normalise_date(self.date_from, "--from"))
        object.__setattr__(self, "date_to", normalise_date(self.date_to, "--to"))
        check_text(self.org, "--org")
        for kind in self.kinds:
            check_text(kind, "--kind")

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
