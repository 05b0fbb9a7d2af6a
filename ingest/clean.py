"""Clean a raw document: repair garbling, lift page boilerplate into metadata.

:func:`clean` returns the text that is indexed (pinyin annotations stripped,
Simplified script, half-width ASCII; see :mod:`index.text.repair`) and a dict of
what the page furniture said:

* breadcrumb lines (``当前位置:首页 > …``, ``您现在的位置``, ``首页 > …``) are dropped;
* ``来源:`` ``编辑:`` ``作者:`` ``责任编辑:`` ``发布时间:`` ``时间:`` ``浏览次数`` …
  lines (often several fields on one line, with a bare date stamp) become
  ``source_site``, ``editor``, ``author``, ``reviewer``, ``keywords``,
  ``published`` (ISO date) and are removed;
* widget lines (``分享`` ``打印`` ``扫一扫`` ``关闭窗口`` ``上一篇`` ``【字体:大 中 小】``,
  copyright footers) are dropped.

Only whole lines that are nothing but furniture are removed: a line of content
that merely mentions 来源 stays, and content glued after a source line
(``来源:X 发布时间:… 2月27日上午,…``) is kept.
"""

from __future__ import annotations

import re
import unicodedata

from index.shown import fold_chars
from index.text.repair import (
    damaged_spans,
    is_garbled,
    normalise_width,
    repair_lost_bytes,
    strip_pinyin,
    to_simplified,
)
from ingest.metadata import parse_date
from ingest.raw import RawDocument

# ---------------------------------------------------------------- repair

# Where a Han character was lost to ``?`` its annotation loses its opening
# bracket too: ``初审?fù)扑]``.  Only looked for in garbled text.
_ORPHAN_PINYIN = re.compile(r"(?<=[?\ufffd])[(（]?([a-zü\u00e0-\u01dc\u0300-\u036f]{1,7})[)）]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# A pinyin syllable that lost its brackets with the character before it:
# ``匯報??h委`` (縣(xiàn) lost): latin letters between a loss mark and Han text.
_ORPHAN_LETTERS = re.compile(r"(?<=[?\ufffd])[a-z]{1,6}(?=[\u3400-\u9fff])")


def _has_tone(token: str) -> bool:
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", token))


def repair(text: str) -> tuple[str, bool]:
    """Repaired text and whether pinyin annotations or Traditional script were fixed."""
    repaired_text, (repaired, _) = repair_with_counts(text)
    return repaired_text, repaired


def repair_with_counts(text: str) -> tuple[str, tuple[bool, int]]:
    """Like :func:`repair`, also counting lost-byte runs rebuilt (see :func:`repair_lost_bytes`)."""
    unfolded, counts = repair_unfolded(text)
    return normalise_width(unfolded), counts


def repair_unfolded(text: str) -> tuple[str, tuple[bool, int]]:
    """Every repair of :func:`repair_with_counts` except the final width fold (the notice's own punctuation)."""
    garbled = is_garbled(text)
    stripped = strip_pinyin(text)
    rebuilt = 0
    if garbled:
        stripped, rebuilt = repair_lost_bytes(stripped)
    simplified = to_simplified(stripped)
    repaired = stripped != text or simplified != stripped
    if garbled:
        simplified = _ORPHAN_PINYIN.sub(lambda m: "" if _has_tone(m.group(1)) else m.group(0), simplified)
        simplified = _ORPHAN_LETTERS.sub("", simplified)
        simplified = _PRIVATE_USE.sub("?", simplified)  # a lost character, kept visible as a loss mark
    return simplified, (repaired, rebuilt)


# ---------------------------------------------------------------- metadata lines

# label → (metadata key or "" to discard, value type)
_LABELS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            "来源",
            "文章来源",
            "信息来源",
            "新闻来源",
            "稿件来源",
            "内容来源",
            "消息来源",
            "转载来源",
            "发布机构",
            "发布单位",
        ),
        ("source_site", "name"),
    ),
    **dict.fromkeys(("编辑", "责任编辑", "值班编辑", "网络编辑", "本文编辑", "责编", "编审"), ("editor", "name")),
    **dict.fromkeys(("作者", "撰稿", "撰文", "供稿"), ("author", "name")),
    **dict.fromkeys(("审核", "审校", "校对", "签发"), ("reviewer", "name")),
    **dict.fromkeys(("关键词", "关键字", "标签"), ("keywords", "name")),
    **dict.fromkeys(
        ("发布时间", "发布日期", "发表时间", "发表日期", "更新时间", "更新日期", "时间", "日期", "发表于"),
        ("published", "date"),
    ),
    **dict.fromkeys(
        (
            "浏览次数",
            "浏览量",
            "浏览",
            "访问量",
            "访问次数",
            "点击数",
            "点击量",
            "点击率",
            "点击",
            "阅读数",
            "阅读量",
            "阅读次数",
            "阅读",
            "被阅读",
        ),
        ("", "count"),
    ),
    **dict.fromkeys(
        ("字号", "字体", "字体大小", "浏览字号", "文字大小", "保护视力色", "分享到", "分享"), ("", "widget")
    ),
}
#: Labels too common in real content to make a line metadata on their own.
_WEAK_LABELS = frozenset({"时间", "日期"})
#: Labels that may come without a colon (``发表于2018-03-27``, ``被阅读0次``).
_BARE_LABELS = frozenset({"发表于", "被阅读"})

_LABEL_ALT = "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True))
_BARE_ALT = "|".join(map(re.escape, _BARE_LABELS))
_LABEL = re.compile(rf"(?P<label>{_LABEL_ALT})\s*(?:[:：|丨]\s*|(?<=(?:{_BARE_ALT})))")
_NEXT_LABEL = re.compile(rf"(?:{_LABEL_ALT})\s*[:：]|(?:{_BARE_ALT})")
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATETIME = re.compile(
    r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})"
    rf"(?:T?{_TIME})?(?!\d)"
)
_SHORT_DATETIME = re.compile(rf"\d{{2}}-\d{{1,2}}-\d{{1,2}}{_TIME}(?!\d)")
_COUNT_VALUE = re.compile(r"(?:\d+|\[\s*\]|\(\s*\))?\s*次?")
_WIDGET_VALUE = re.compile(r"(?:[【\[]?\s*[大中小]?\s*[】\]]?\s*){0,3}")
_WIDGET_WORD = re.compile(
    r"分享(?:到|按钮|让更多人看到)?|[大中小]字号|打印本页|打印|关闭窗口|关闭本页|关闭|收藏本页|收藏|返回顶部|返回首页|返回列表|纠错|"
    r"扫一扫(?:在手机打开当前页|分享)?|推荐阅读|相关阅读|相关链接|微信|微博|QQ空间|关于我们|联系我们|网站地图|网站声明"
)
_SEPARATORS = re.compile(r"[\s|丨/•·\-–—>»<«,,;;()()\[\]【】{}?]*")
_NAME_STOP = re.compile(r"\s{2,}|[|丨】\]))]|\s(?=(?:19|20)\d{2}[-/.年])|\s(?=" + _WIDGET_WORD.pattern + ")")
_MAX_NAME = 40
# How a CMS stamps a page (2020-10-12, 2020/10/12 08:52), unlike a date written in prose.
_WEB_STAMP = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}:\d{2}")


def parse_meta_line(line: str) -> tuple[dict[str, str], str] | None:
    """Fields of a page-furniture line and the content left after them.

    ``来源:张家界廉政网 编辑:谢航 2020-12-07 16:03:59`` →
    ``({"source_site": "张家界廉政网", "editor": "谢航", "published": "2020-12-07"}, "")``.
    Returns None when the line is not a metadata line: it must open with a
    label (or a date stamp then a label), every field value must be short, and
    a line whose only labels are 时间/日期 is metadata only when it is nothing
    but a CMS stamp (``时间:2020-10-12``), never ``时间:2021年4月10日至5月10日``.
    """
    fields: dict[str, str] = {}
    labels: list[str] = []
    pos = 0
    while True:
        pos = _SEPARATORS.match(line, pos).end()
        step = _meta_token(line, pos, fields, labels)
        if step is None:
            return None  # a label with a value too long to be furniture
        if step == pos:
            break
        pos = step
    remainder = line[pos:].strip()
    if not labels or (set(labels) <= _WEAK_LABELS and (remainder or not _WEB_STAMP.search(line))):
        return None
    return fields, remainder


def _meta_token(line: str, pos: int, fields: dict[str, str], labels: list[str]) -> int | None:
    """Consume one token at ``pos``: a date stamp, a label with its value, or a widget word.

    Returns the new position (``pos`` itself when nothing matched, None when a
    label's value is not furniture-like).
    """
    stamp = _DATETIME.match(line, pos)
    if stamp:
        fields.setdefault("published", parse_date(stamp.group()))
        return stamp.end()
    label = _LABEL.match(line, pos)
    if label:
        labels.append(label.group("label"))
        return _label_value(line, label.end(), label.group("label"), fields)
    widget = _WIDGET_WORD.match(line, pos)
    if widget and labels:
        return widget.end()
    return pos


def _label_value(line: str, pos: int, label: str, fields: dict[str, str]) -> int | None:
    """Read the value of ``label`` starting at ``pos``; store it; return the end."""
    key, kind = _LABELS[label]
    if kind == "date":
        stamp = _DATETIME.match(line, pos) or _SHORT_DATETIME.match(line, pos)
        if stamp:
            fields.setdefault(key, parse_date(stamp.group()))
            return stamp.end()
        return pos
    if kind == "count":
        return _COUNT_VALUE.match(line, pos).end()
    if kind == "widget":
        return _WIDGET_VALUE.match(line, pos).end()
    return _name_value(line, pos, key, fields)


def _name_value(line: str, pos: int, key: str, fields: dict[str, str]) -> int | None:
    """A name-like value (site, person) runs to the next label, bracket or gap."""
    ends = [m.start() for m in (_NEXT_LABEL.search(line, pos), _NAME_STOP.search(line, pos)) if m]
    end = min(ends, default=len(line))
    if line.count("(", pos, end) > line.count(")", pos, end) and line.find(")", end) >= 0:
        end = line.find(")", end) + 1  # ``来源:奋斗, 2018, (23): 62.`` keeps its bracket
    value = line[pos:end].strip().strip(",;")
    if len(value) > _MAX_NAME or "。" in value:
        return None
    if value:
        fields.setdefault(key, value)
    return end


# ---------------------------------------------------------------- furniture lines

_BREADCRUMB = re.compile(
    r"^\W*(?:您(?:当前|现在)?的?(?:所在)?位置|您现在位置|当前(?:的)?位置|所在位置|当前页面|当前栏目|当前路径)"
)
_HOME_NAV = re.compile(r"^\W*(?:网站)?首页\s*(?:$|[>>/|丨»›\s-])")
_ENDS_HOME = re.compile(r"^\W*\S{0,10}首页\W*$")
# A column name glued to the English word of the site's menu widget: ``要闻动态Navigation``.
_NAV_CRUMB = re.compile(r"^\W*[^\s,。;]{0,20}\s*navigation\W*$", re.IGNORECASE)
_CRUMB_SEP = re.compile(r"\s*(?:>>|>|»|›)\s*")
_PROSE = re.compile(r"[,。;、“”!?]")
_PREV_NEXT = re.compile(r"^\W*(?:阅读)?[上下]一(?:篇|条|页)")
_COPYRIGHT = re.compile(r"^\W*(?:版权所有|版权声明|免责声明|版权及免责声明|Copyright|©)", re.IGNORECASE)
_CREDITS = re.compile(
    r"^\W*(?:(?:文|图|摄影|记者|通讯员|编辑|新媒体编辑|审核|责编|校对|一审|二审|三审)\s*/\s*[^\s/()()]{1,12}\s*)+\W*$"
)
_COMMENTS = re.compile(r"^\W*已有\d+人(?:参与|评论)")
_FONT_WIDGET = re.compile(rf"(?:浏览)?(?:字[体号]|文字)(?:大小)?\s*[:：]?\s*{_WIDGET_VALUE.pattern}")
_HAN = re.compile(r"[\u3400-\u9fff]")
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")
_MAX_FURNITURE = 160


def is_breadcrumb(line: str) -> bool:
    """Site path lines: ``当前位置:首页 > …``, ``首页 > 要闻 > 正文``, ``您现在的位置``, ``要闻动态Navigation``."""
    if len(line) > _MAX_FURNITURE or "。" in line:
        return False
    if _BREADCRUMB.match(line) or _HOME_NAV.match(line) or _ENDS_HOME.match(line) or _NAV_CRUMB.match(line):
        return True
    parts = _CRUMB_SEP.split(line)
    return len(parts) >= 3 and all(0 < len(part) <= 30 for part in parts) and not _PROSE.search(line)


def is_widget_line(line: str) -> bool:
    """Share/print/close/font-size/prev-next/copyright lines and symbol-only lines."""
    if not _MEANINGFUL.search(line):
        return True
    if len(line) > _MAX_FURNITURE * 2:
        return False
    if _COPYRIGHT.match(line) or _COMMENTS.match(line) or _CREDITS.match(line):
        return True
    if len(line) <= _MAX_FURNITURE and _PREV_NEXT.match(line):
        return True
    return _only_widgets(line)


def _only_widgets(line: str) -> bool:
    """True when the line is nothing but widget words (分享 打印 关闭窗口 字号:大 中 小 …)."""
    pos = 0
    while True:
        pos = _SEPARATORS.match(line, pos).end()
        if pos == len(line):
            return True
        token = _WIDGET_WORD.match(line, pos) or _FONT_WIDGET.match(line, pos)
        if not token or token.end() == pos:
            return False
        pos = token.end()


# ---------------------------------------------------------------- clean


def clean(raw: RawDocument) -> tuple[str, dict]:
    """Clean text of ``raw`` and the metadata lifted out of its boilerplate.

    The text is repaired (pinyin stripped, Simplified, width-normalised),
    furniture lines are removed and runs of blank lines collapsed to one.
    The dict holds ``repaired`` (pinyin or Traditional script was fixed),
    ``garbled`` (the raw text shows the pinyin garbling), ``lost_bytes_repaired``
    (lost-byte runs rebuilt), ``damaged_runs`` (lost-byte runs left as they
    are, see :func:`index.text.repair.damaged_spans`), ``removed_lines``
    and, when found, ``source_site`` ``editor`` ``author`` ``reviewer``
    ``keywords`` and ``published`` (ISO date).
    """
    text, _, meta = clean_shown(raw)
    return text, meta


def clean_shown(raw: RawDocument) -> tuple[str, str, dict]:
    """Like :func:`clean`, also returning the text as the notice writes it (the *shown* text).

    The shown text is the clean text before the width fold: the same lines,
    with the notice's own characters (``，`` ``（`` ``……`` stay as they are).
    Folding it character by character (:func:`index.shown.fold_chars`) gives
    the clean text exactly; it is "" when it would equal the clean text, or
    when that cannot be kept (a fold that joins characters).
    """
    unfolded, (repaired, rebuilt) = repair_unfolded(raw.text)
    garbled = is_garbled(raw.text)
    meta: dict = {"repaired": repaired, "garbled": garbled}
    kept: list[str] = []
    shown: list[str] = []
    removed = 0
    lines = unfolded.splitlines()
    folded_lines = [normalise_width(line) for line in lines]
    exact = folded_lines == normalise_width(unfolded).splitlines()
    heading_zone = True  # the top of the page, before the first sentence: a title may be repeated there
    for raw_line, folded in zip(lines, folded_lines, strict=True):
        line = folded.strip()
        result = _clean_line(line, meta)
        if result and heading_zone and _repeats_last(result, kept):
            result = None
        if result is None:
            removed += 1
            continue
        if "。" in result:
            heading_zone = False
        kept.append(result)
        shown.append(_shown_line(raw_line, folded, result) if exact else result)
    meta["removed_lines"] = removed
    text = _collapse_blank_lines(kept)
    shown_text = _collapse_blank_lines(shown)
    if shown_text == text or fold_chars(shown_text) != text:
        shown_text = ""
    meta["lost_bytes_repaired"] = rebuilt
    meta["damaged_runs"] = len(damaged_spans(text, garbled))
    return text, shown_text, meta


def _repeats_last(line: str, kept: list[str]) -> bool:
    """A title line repeated right under itself at the top of a page (``X`` then ``X`` again)."""
    last = next((k for k in reversed(kept) if k), "")
    return line == last and len(_HAN.findall(line)) >= 6 and len(line) <= _MAX_FURNITURE


def _shown_line(raw_line: str, folded: str, result: str) -> str:
    """The part of ``raw_line`` (before the width fold) that folds to ``result``, else ``result`` itself.

    ``result`` is ``folded`` stripped, or the end of it (the content after a
    metadata label, see :func:`parse_meta_line`).
    """
    if not result:
        return result
    end = len(folded.rstrip())
    start = end - len(result)
    if start < 0 or folded[start:end] != result:
        return result
    bounds = [0]
    for ch in raw_line:
        bounds.append(bounds[-1] + len(normalise_width(ch)))
    if bounds[-1] != len(folded):
        return result
    try:
        return raw_line[bounds.index(start):bounds.index(end)]
    except ValueError:  # the cut falls inside one character's fold
        return result


def _clean_line(line: str, meta: dict) -> str | None:
    """The line to keep (possibly shortened), or None to drop it."""
    if not line:
        return line
    if is_breadcrumb(line) or is_widget_line(line):
        return None
    parsed = parse_meta_line(line)
    if parsed is None:
        return line
    fields, remainder = parsed
    for key, value in fields.items():
        if key and value:
            meta.setdefault(key, value)
    return remainder if len(_HAN.findall(remainder)) >= 2 else None


def _collapse_blank_lines(lines: list[str]) -> str:
    """Join lines, keeping at most one blank line between paragraphs."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
