"""Query preparation: validation and the same cleaning as documents."""

from __future__ import annotations

import re

from index.errors import BadQuery
from index.text.repair import repair_text

MAX_QUERY_CHARS = 1000
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTENT = re.compile(r"[\w\u3400-\u9fff]")
# A sentence of a question that says what does not count ("…都不算", "不包括…", "…除外"): a user's
# precise question often ends with one; its words name what the user does not want.
_SENTENCE = re.compile(r"[^。？?！!；;]+[。？?！!；;]*")
_CLAUSE = re.compile(r"[^，,。？?！!；;]+[，,。？?！!；;]*")
_EXCLUSION = re.compile(r"(?:不算|不算在内|不计|不计入|不计在内|除外|不在此列|不包括在内|不属于此列)"
                        r"[\s。？?！!；;，,]*$|^[\s，,]*(?:不包括|不含|不计|排除|除去)")


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


def drop_exclusions(text: str) -> str:
    """``text`` without its sentences that say what does not count (what a search should not look for).

    ``…哪些巡视巡察把政协机关列为被巡视巡察单位?只把政协党组主要负责人纳入巡视范围的…都不算。`` →
    the first sentence.  In a one-sentence question only the trailing clauses that say so are dropped
    (``哪些单位违规发放津贴补贴,退休人员的不算`` → ``哪些单位违规发放津贴补贴,``).  Never returns empty:
    a text that is all exclusion comes back unchanged.
    """
    sentences = _SENTENCE.findall(text)
    kept = [s for s in sentences[1:] if not _EXCLUSION.search(s)]
    first = _CLAUSE.findall(sentences[0]) if sentences else []
    while len(first) > 1 and _EXCLUSION.search(first[-1]):  # the question itself ends with one
        first.pop()
    kept = first + kept
    return "".join(kept).strip() or text


# What a question names as instances of its topic: quoted terms (“小官巨腐”“蝇贪”) and the items after
# 比如/例如/包括 (…比如主体责任压得不实、政治责任扛得不牢…).  A notice stating any one of them answers.
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
_INSTANCES = re.compile(r"(?:比如|例如|诸如|譬如|包括|如)(?![何果此实期今同下上])([^。？?！!；;]+)")
_ITEM_SEPARATOR = re.compile(r"[、，,/]|或者|或|以及|及|和")
_HAN = re.compile(r"[\u3400-\u9fff]")
MAX_ALTERNATIVES = 8


def alternatives(text: str) -> list[str]:
    """The instances ``text`` names of what it asks about, each a phrase to look for on its own.

    ``哪些材料点出了“小官巨腐”“小官贪腐”“蝇贪”…`` → ``["小官巨腐", "小官贪腐", "蝇贪"]``;
    ``…比如涉粮问题、自然资源系统?`` → ``["涉粮问题", "自然资源系统"]``.  Items of fewer than two
    Chinese characters are left out; at most ``MAX_ALTERNATIVES``, in the order written.
    """
    found = [m.group(1) for m in _QUOTED.finditer(text)]
    for m in _INSTANCES.finditer(text):
        found += _ITEM_SEPARATOR.split(m.group(1))
    items: list[str] = []
    for item in found:
        item = item.strip(" “”\"「」『』的等")
        if len(_HAN.findall(item)) >= 2 and item not in items:
            items.append(item)
    return items[:MAX_ALTERNATIVES]


def clean_str(value: str) -> str:
    """``value`` without lone surrogates (→ U+FFFD) and NUL characters, safe to encode as UTF-8."""
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "")
