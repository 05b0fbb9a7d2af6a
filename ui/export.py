"""Current results as CSV (opens in Excel: UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from index.filters import KIND_NAMES
from index.retrieve.searcher import Hit

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("排名", "问题", "标题", "机构", "日期", "类型", "章节", "段落", "链接", "得分", "编号")


def _cell(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (``=…`` gets a leading apostrophe)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def hits_csv(question: str, hits: Sequence[Hit]) -> bytes:
    """One row per passage, in ranked order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for rank, hit in enumerate(hits, 1):
        row = (question, hit.title, hit.org, hit.date, KIND_NAMES.get(hit.kind, hit.kind),
               hit.section or hit.finding, hit.text, hit.url)
        writer.writerow((rank, *(_cell(v) for v in row), hit.score, _cell(hit.doc_id)))
    return buffer.getvalue().encode("utf-8-sig")


def table_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Any table as CSV for Excel: a header row, then ``rows`` (text cells guarded against formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
