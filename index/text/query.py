"""Query preparation: validation and the same cleaning as documents."""

from __future__ import annotations

import re

from index.errors import BadQuery
from index.text.repair import repair_text

MAX_QUERY_CHARS = 1000
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTENT = re.compile(r"[\w\u3400-\u9fff]")


def clean_query(query: str | None) -> str:
    """Return the cleaned query (pinyin stripped, simplified, width-normalised).

    Raises BadQuery for an empty query, one of only punctuation or spaces, or
    one longer than MAX_QUERY_CHARS characters.
    """
    text = (query or "").strip()
    if not text:
        raise BadQuery("查询为空：请输入问题或几个关键词")
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(
            f"查询过长：共 {len(text)} 个字符，最多检索 {MAX_QUERY_CHARS} 个。请缩短为问题本身或关键短语。"
        )
    cleaned = repair_text(text).strip()
    if not _CONTENT.search(cleaned):
        raise BadQuery("查询只有标点或符号：请加上要检索的字词")
    return cleaned


def clean_str(value: str) -> str:
    """``value`` without lone surrogates (→ U+FFFD) and NUL characters, safe to encode as UTF-8."""
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "")
