"""Notice structure: headings, findings and the counts a notice states.

A rectification notice reads: an opening (who inspected whom, when the
feedback came), then numbered headings — ``一、`` / ``(一)`` / ``问题1.`` /
``1.`` / ``(1)`` / ``一是`` / ``第一,`` — and finally a closing (how to send
comments) and a signature.  Which numbering styles are used, and how they
nest, differs from one notice to the next, so the hierarchy is read from the
document itself:

1. **Candidates.**  A numbering marker at the start of a line (or, for the
   unmistakable styles, after a sentence end or a run of spaces in text whose
   line breaks were flattened by the scraper).  ``一是`` inside a paragraph is
   a sub-point, never a heading; ``98.71%`` and ``2020.10`` are never
   markers; ``1.7月2日…`` is item 1 followed by a date.
2. **Nesting.**  A stack of the styles met so far: a style already on the
   stack closes everything below it (a sibling); a new style opens a level
   below the current one (a child).  A marker must continue its list
   (``n`` = previous + 1), start a new one (``1``/``一``) or continue the
   document-wide count (``问题5`` after ``(二)``); anything else is text.
3. **Findings.**  ``问题N`` labels, when present, are the findings.
   Otherwise the finding level is the deepest numbering style whose headings
   mostly state a problem (``不到位``, ``差距``, ``短板``, ``有待``…); its
   items are findings where their siblings mostly state problems or they sit
   under a heading such as ``具体问题整改情况``.  Headings under a finding
   (``1.`` measures inside ``问题2``) are part of it, not sections.

Everything is expressed as offsets into the clean text, so chunks and
highlights can point back into it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from index.records import Finding, Section
from index.text.problem import PROBLEM_CUE, states_problem

# --------------------------------------------------------------------------
# Numbering markers
# --------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_CN_DIGITS["九"] = 9
_CN_NUM = r"[一二三四五六七八九十]{1,3}"

#: Numbering styles, tried in this order at a candidate position.  Each
#: pattern matches the marker (with the whitespace after it) and captures
#: the number in ``num``.  Input is NFKC-normalised: brackets and full stops
#: are half-width.
_STYLES: list[tuple[str, re.Pattern[str]]] = [
    # 问题1. / 问题16. / 问题一: / 问题3、 — the notice's own problem labels
    ("问题N", re.compile(rf"问题\s*(?P<num>\d{{1,3}}|{_CN_NUM})\s*(?:[.、:]|\s)\s*")),
    # (一) — optionally followed by 、 or .
    ("(一)", re.compile(rf"\(\s*(?P<num>{_CN_NUM})\s*\)\s*[、.]?\s*")),
    # (1)
    ("(1)", re.compile(r"\(\s*(?P<num>\d{1,2})\s*\)\s*[、.]?\s*")),
    # 一、
    ("一、", re.compile(rf"(?P<num>{_CN_NUM})\s*、\s*")),
    # 一. (not a decimal)
    ("一.", re.compile(rf"(?P<num>{_CN_NUM})\s*\.(?!\d)\s*")),
    # 一是 — only at the start of a line (inside a paragraph it is a sub-point)
    ("一是", re.compile(rf"(?P<num>{_CN_NUM})是(?=[^\s,.、:;])")),
    # 第一, / 第一、 / 第一:
    ("第一", re.compile(rf"第(?P<num>{_CN_NUM})\s*[,、:]\s*")),
    # 1. — never a decimal (2.5万) or a year-month (2020.10); "1.7月2日" is
    # item 1 followed by a date, so a digit may follow only when it starts a date
    ("1.", re.compile(r"(?<!\d)(?P<num>\d{1,2})\s*\.(?:(?!\d)|(?=\d{1,2}月|\d{4}年))\s*")),
    # 1、
    ("1、", re.compile(r"(?<!\d)(?P<num>\d{1,2})\s*、\s*")),
    # 1) without an opening bracket
    ("1)", re.compile(r"(?<![\d(])(?P<num>\d{1,2})\)\s*")),
]

#: Styles accepted after a sentence end inside a line (flattened text).
_STRONG_STYLES = {"问题N", "(一)", "一、"}
#: Styles accepted after a run of spaces inside a line (flattened text).
_SPACED_STYLES = _STRONG_STYLES | {"(1)", "1.", "1、", "第一"}
#: Styles whose labels already say what they are and are unique per notice.
_SELF_NAMED = {"问题N"}

# Where a heading may start: beginning of a line …
_LINE_START = re.compile(r"(?:^|\n)[ \t\u3000]*")
# … after a sentence end inside a line …
_AFTER_SENTENCE = re.compile(r"(?<=[。!?])[ \t\u3000]*")
# … or after a run of spaces that follows some text (line breaks flattened).
_AFTER_SPACES = re.compile(r"(?<=[^\s])[ \t\u3000]+(?=\S)")

# A heading sentence ends at a sentence-final mark or the end of the line.
_HEADING_END = re.compile(r"[。!?]|\n|$")
# In flattened text a heading also ends at a run of spaces.
_HEADING_END_FLAT = re.compile(r"[。!?]|\n|[ \t\u3000]+|$")
#: A line longer than this that holds spaces is text whose line breaks were
#: flattened to spaces; there a heading also ends at a run of spaces.
_FLAT_LINE = 150
_TRAILING_PUNCT = " \t\u3000。.,;:、!?"

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

#: A heading that introduces the problem-by-problem part of a notice
#: (``二、具体问题整改情况``, ``二、集中整改期内整改进展情况``).
_PROBLEM_SECTION = re.compile(
    r"问题[^。,]{0,6}整改|整改(?:进展|成效|完成)情况|反馈意见[^。,]{0,4}整改(?:落实)?情况|反馈问题|存在(?:的)?(?:主要|突出)?问题"
)
_ORGANISATIONAL = re.compile(r"组织|领导|部署|主体责任|总体")
#: A heading naming a problem area (category of the findings below it).
_AREA = re.compile(r"方面|关于|领域")
#: Leading words to drop from a category/problem heading.
_AREA_PREFIX = re.compile(r"^(?:反馈问题|存在问题|问题)\s*[::]\s*")
#: ``关于“X”问题的整改`` names the problem X.
_QUOTED_PROBLEM = re.compile(r"关于[“\"](?P<problem>[^”\"]+)[”\"](?:方面)?(?:的)?问题")
#: ``关于X的问题(的整改)`` names the problem X.
_ABOUT_PROBLEM = re.compile(r"^关于(?P<problem>.+?)(?:方面)?(?:的)?问题(?:的整改(?:情况)?)?$")
#: ``整改情况:`` and the like opening the measures of a finding.
_MEASURES_PREFIX = re.compile(
    r"^\s*(?:整改(?:情况|措施|进展|进展情况|落实情况|成效|结果)|具体整改措施|落实情况)\s*[::]\s*"
)

#: Completion wording, strongest first; ``已完成`` only when it closes a
#: clause or precedes 整改 (not "已完成第一次").
_STATUS = re.compile(
    r"已整改到位|已全部整改到位|已全部完成|已整改完成|已完成整改|已完成(?=[。,;、)]|$)|已销号"
    r"|基本整改到位|基本完成|整改到位|正在推进|正在整改|持续推进|持续整改|长期坚持|立行立改|未完成|尚未完成"
)

# The closing of a notice: the invitation to comment (contact details follow it).
_CLOSING_LINE = re.compile(r"^[ \t\u3000]*(?:欢迎[^。\n]{0,40}监督|如有[^。\n]{0,10}(?:意见|建议)|特此通报)", re.M)
# A signature-date line: 2020年10月15日.
_DATE_LINE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
# A signature organisation line: 中共张家界市委宣传部.
_ORG_LINE = re.compile(
    r"^[^\s\d:,;。、()]{2,30}(?:委员会|党委|党组|党工委|委|部|局|办公室|组|厅|院|公司|集团|政府|办)$"
)

# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

_FIGURE = re.compile(
    r"(?P<date>\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"|(?<![\d.])(?P<num>\d+(?:\.\d+)?)\s*(?:多|余)?\s*"
    r"(?P<unit>亿元|万元|元|万人次|人次|场次|%|个|项|条|人|次|家|场|件|起|名|篇|期|份|所|批|户|天|小时)"
)
#: A figure's context stays within its clause.
_CLAUSE_MARKS = "。\n;,:"
_FIGURE_KIND = {"亿元": "amounts", "万元": "amounts", "元": "amounts", "%": "percentages"}

_N = r"(\d+)\s*"  # a count
_UNIT = r"[个项条件]"
#: Document-level completion counts: key → patterns (first match wins).
#: A count of rectification tasks or measures (``132项整改任务已完成``) is kept
#: apart from a count of problems (see :data:`_TASK_KEYS`): the page shows them
#: side by side, and 29 measures done is not 29 of 26 problems done.
_DOC_FIGURES: dict[str, list[re.Pattern[str]]] = {
    # 反馈问题25个 / 巡察反馈的697个问题 / 指出了4个方面32个问题 / 发现…等方面问题199条,已整改92条
    "problems": [
        re.compile(
            rf"(?:反馈|指出|发现|梳理|交办|移交|认领|反映)[^。;]{{0,30}}?(?<![\d.]){_N}{_UNIT}(?:具体|突出)?问题"
            r"(?!\s*(?:整改|仍|还|尚)?(?:不够|不到位|不力|不彻底))"  # 36个问题整改不够到位: not the problems fed back
        ),
        re.compile(rf"反馈(?:的)?问题\s*{_N}{_UNIT}"),
        re.compile(rf"问题\s*{_N}{_UNIT}(?=[,,]\s*(?:已|完成))"),
    ],
    # 已完成整改19个 / 完成整改688个 / 已经整改销号14个 / 132项整改任务已完成
    "completed": [
        re.compile(rf"(?:已经?|均已)?(?:完成整改|整改完成|整改到位|整改销号|已整改|已销号)\s*{_N}{_UNIT}"),
        re.compile(rf"(?:问题|整改任务|整改措施)[^。;,,\d]{{0,4}}(?:已|均已)完成\s*{_N}{_UNIT}"),
        # never ``18项整改措施已完成16项``: a count right after the verb is the completed one
        re.compile(
            rf"(?<![\d.]){_N}{_UNIT}(?:问题|整改任务|整改措施)?(?:已|均已|全部)?"
            rf"(?:完成整改|整改完成|整改到位|已完成|完成|销号)(?![^。;,,]{{0,6}}?\d)"
        ),
    ],
    # 24项整改任务正在持续推进 / 持续整改问题4个
    "in_progress": [
        re.compile(rf"(?<![\d.]){_N}{_UNIT}(?:问题|整改任务)?(?:正在|持续)(?:持续)?(?:推进|整改)(?!\s*\d)"),
        re.compile(rf"(?:正在推进|正在整改|持续整改)(?:问题)?\s*{_N}{_UNIT}"),
    ],
    # 未完成5个
    "not_completed": [
        re.compile(rf"未完成(?:整改)?(?:问题)?\s*{_N}{_UNIT}"),
        re.compile(rf"(?<![\d.]){_N}{_UNIT}(?:问题)?(?:尚)?未完成"),
    ],
    # 156项整改任务 / 157项整改措施
    "tasks": [
        re.compile(rf"(?<![\d.]){_N}[项条](?:具体)?整改(?:任务|措施)(?!(?:已|均已|全部)?(?:完成|正在|持续)(?![^。;,,]{{0,6}}?\d))")
    ],
    # 总体完成率98.71% / 完成率达99%
    "rate": [re.compile(r"完成率\s*(?:为|达到|达)?\s*(\d+(?:\.\d+)?\s*%)")],
}
#: Where a completed / in-progress count is of tasks or measures, its key.
_TASK_KEYS = {"completed": "tasks_completed", "in_progress": "tasks_in_progress"}
_TASK_WORDS = re.compile(r"整改(?:任务|措施)")


@dataclass
class Structure:
    """The parsed shape of one notice.

    ``sections``: every structural heading outside the findings' bodies
    (``一、``, ``(一)`` and the finding headings themselves), in text order,
    ``level`` 1 = outermost.  ``findings``: the citable units.  ``figures``:
    document-level counts, keys among ``problems`` (problems fed back),
    ``completed`` (rectified), ``in_progress``, ``not_completed``, ``tasks``
    (rectification tasks/measures planned), ``tasks_completed``,
    ``tasks_in_progress`` (tasks/measures done or under way) — ints — and ``rate`` (completion
    rate as written, ``"98.71%"``).  The opening ends where the first section
    starts; the closing (comment invitation, signature) begins after the
    last section ends.
    """

    sections: list[Section] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Heading:
    """A numbered heading as found in the text (internal)."""

    style: str
    num: int
    label: str  # marker as written, without spaces: 问题1, (一), 1., 一、, 一是
    text: str  # heading sentence without marker and final punctuation
    start: int  # offset of the marker
    text_end: int  # end of the heading sentence (after its final mark)
    depth: int = 0  # 0 = outermost
    parent: int | None = None  # index of the enclosing heading
    end: int = 0  # end of the heading's span
    children: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Label and heading text, as shown in a path."""
        return f"{self.label}{self.text}"


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def parse_structure(text: str, doc_id: str) -> Structure:
    """Parse the headings, findings and stated counts of a clean notice text.

    ``text`` is the repaired text (simplified, NFKC-normalised); every offset
    in the result points into it.  Notices without numbered headings get no
    sections or findings, but still their document figures.
    """
    headings = _nest(_candidates(text))
    body_end = _closing_start(text, headings)
    _assign_spans(text, headings, body_end)
    chosen = _choose_findings(headings)
    labels = _finding_labels(headings, chosen)
    findings = [_make_finding(text, doc_id, headings, i, labels[i]) for i in chosen]
    inside = _inside_findings(headings, chosen)
    sections = [
        Section(label=h.label, heading=h.text, level=h.depth + 1, start=h.start, end=h.end)
        for i, h in enumerate(headings)
        if i not in inside
    ]
    return Structure(
        sections=sections,
        findings=findings,
        figures=document_figures(text),
    )


def document_figures(text: str) -> dict[str, Any]:
    """Completion counts a notice states about itself (first statement of each).

    ``巡察反馈的697个问题,完成整改688个,…未完成5个,总体完成率98.71%`` →
    ``{"problems": 697, "completed": 688, "not_completed": 5, "rate": "98.71%"}``.
    Keys are described on :class:`Structure`.
    """
    figures: dict[str, Any] = {}
    for key, patterns in _DOC_FIGURES.items():
        found = [m for p in patterns if (m := p.search(text))]
        if not found:
            continue
        first = min(found, key=lambda m: m.start())
        value = first.group(1)
        if key in _TASK_KEYS and _TASK_WORDS.search(first.group(0)):
            key = _TASK_KEYS[key]
        figures[key] = re.sub(r"\s+", "", value) if key == "rate" else int(value)
    return figures


def extract_figures(text: str) -> dict[str, list[dict[str, Any]]]:
    """Amounts, percentages, counts and dates in ``text``.

    Returns ``{"amounts": [...], "percentages": [...], "counts": [...],
    "dates": [...]}`` (empty kinds left out); each item is
    ``{"value": 66.57, "unit": "万元", "context": "清退违规资金66.57万元"}``,
    dates carry the date as written in ``value`` and ``"date"`` as unit.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for m in _FIGURE.finditer(text):
        if m.group("date"):
            kind, value, unit = "dates", re.sub(r"\s+", "", m.group("date")), "date"
        else:
            unit = m.group("unit")
            kind = _FIGURE_KIND.get(unit, "counts")
            value = float(m.group("num")) if "." in m.group("num") else int(m.group("num"))
        out.setdefault(kind, []).append({"value": value, "unit": unit, "context": _context(text, m.start(), m.end())})
    return out


def find_status(text: str) -> str:
    """Completion wording in ``text`` (``已整改到位``, ``基本完成``…), distinct, in order, joined by ``、``."""
    seen: list[str] = []
    for m in _STATUS.finditer(text):
        if m.group(0) not in seen:
            seen.append(m.group(0))
    return "、".join(seen)


# --------------------------------------------------------------------------
# Step 1: candidate markers
# --------------------------------------------------------------------------


def _cn_to_int(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23 (up to 九十九)."""
    if numeral.isdigit():
        return int(numeral)
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return (_cn_digit(tens) if tens else 1) * 10 + (_cn_digit(units) if units else 0)
    return _cn_digit(numeral)


def _cn_digit(ch: str) -> int:
    """Value of one Chinese digit, -1 when it is not one."""
    return _CN_DIGITS.get(ch, -1)


def _candidate_positions(text: str) -> dict[int, set[str]]:
    """Offsets where a marker may start → the numbering styles allowed there."""
    where: dict[int, set[str]] = {}
    for pattern, styles in (
        (_AFTER_SPACES, _SPACED_STYLES),
        (_AFTER_SENTENCE, _STRONG_STYLES),
        (_LINE_START, {style for style, _ in _STYLES}),
    ):
        for m in pattern.finditer(text):
            where.setdefault(m.end(), set()).update(styles)
    return where


def _candidates(text: str) -> list[_Heading]:
    """All numbering markers that could open a heading, in text order."""
    found: list[_Heading] = []
    line_starts = {m.end() for m in _LINE_START.finditer(text)}
    for pos, allowed in sorted(_candidate_positions(text).items()):
        if pos >= len(text):
            continue
        for style, pattern in _STYLES:
            m = pattern.match(text, pos) if style in allowed else None
            if not m:
                continue
            num = _cn_to_int(m.group("num"))
            if num <= 0:
                continue
            flattened = pos not in line_starts or _long_line(text, pos)
            found.append(_heading_at(text, style, num, m, flattened=flattened))
            break
    return found


def _long_line(text: str, pos: int) -> bool:
    """True when the line at ``pos`` is a whole flattened page rather than a heading line."""
    end = text.find("\n", pos)
    return (len(text) if end < 0 else end) - pos > _FLAT_LINE


def _heading_at(text: str, style: str, num: int, m: re.Match[str], flattened: bool) -> _Heading:
    """Build a heading from its marker match: the sentence after the marker is its text."""
    body = m.end()
    end_re = _HEADING_END_FLAT if flattened else _HEADING_END
    stop = end_re.search(text, body)
    assert stop is not None  # the patterns match at end of text
    text_end = stop.end() if stop.group(0) and stop.group(0) in "。!?" else stop.start()
    sentence = text[body : stop.start()].strip().rstrip(_TRAILING_PUNCT)
    marker = re.sub(r"\s+", "", m.group(0))
    if style == "问题N":
        label = f"问题{num}"
    elif style == "第一":
        label = marker.rstrip(",、:")
    else:
        label = marker
    return _Heading(style=style, num=num, label=label, text=sentence, start=m.start(), text_end=text_end)


# --------------------------------------------------------------------------
# Step 2: nesting by numbering style
# --------------------------------------------------------------------------


def _nest(candidates: list[_Heading]) -> list[_Heading]:
    """Keep the markers that form numbered lists and give each its depth and parent.

    The stack holds one entry per open level: (style, last number, heading
    index).  A style already open continues its list (sibling); a new style
    opens a level under the current one (child) when it starts a list at 1
    or continues the same style's document-wide numbering.
    """
    kept: list[_Heading] = []
    stack: list[tuple[str, int, int]] = []
    last_seen: dict[str, int] = {}
    for h in candidates:
        if kept and h.start < kept[-1].text_end and h.style != "问题N":
            continue  # inside the previous heading's own sentence
        level = next((i for i, (style, _, _) in enumerate(stack) if style == h.style), None)
        if level is not None:
            ok = h.num in (stack[level][1] + 1, 1) or h.num == last_seen.get(h.style, 0) + 1
        else:
            # a page that starts mid-notice ("第2/2页") may open at (二) or 三、
            resumed = not kept and h.style in _STRONG_STYLES
            ok = resumed or h.num == 1 or h.num == last_seen.get(h.style, 0) + 1
            level = len(stack)
        if not ok:
            continue
        del stack[level:]
        h.depth = level
        h.parent = stack[-1][2] if stack else None
        idx = len(kept)
        if h.parent is not None:
            kept[h.parent].children.append(idx)
        stack.append((h.style, h.num, idx))
        last_seen[h.style] = h.num
        kept.append(h)
    return kept


def _closing_start(text: str, headings: list[_Heading]) -> int:
    """Offset where the closing (comment invitation) or signature block begins.

    Only looked for after the last heading's own sentence; ``len(text)`` when
    the text simply ends (excerpts cut mid-sentence).
    """
    if not headings:
        return len(text)
    floor = headings[-1].text_end
    closing = _CLOSING_LINE.search(text, floor)
    candidates = [closing.start() if closing else len(text)]
    signature = _signature_start(text, floor)
    if signature is not None:
        candidates.append(signature)
    start = min(candidates)
    while start > floor and text[start - 1].isspace():
        start -= 1
    return max(start, floor)


def _signature_start(text: str, floor: int) -> int | None:
    """Start of the trailing block of short unpunctuated lines holding a date or an organisation."""
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]*", text) if m.start() >= floor]
    block_start = None
    signed = False
    for start, line in reversed(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) > 40 or stripped.endswith("。"):
            break
        block_start = start
        signed = signed or bool(_DATE_LINE.match(stripped) or _ORG_LINE.match(stripped))
    return block_start if signed else None


def _assign_spans(text: str, headings: list[_Heading], body_end: int) -> None:
    """A heading's span runs to the next heading at the same or an outer depth."""
    for i, h in enumerate(headings):
        nxt = next((g.start for g in headings[i + 1 :] if g.depth <= h.depth), body_end)
        end = max(min(nxt, body_end), h.text_end)
        while end > h.start and text[end - 1].isspace():
            end -= 1
        h.end = end


# --------------------------------------------------------------------------
# Step 3: findings
# --------------------------------------------------------------------------


def _problem_share(headings: list[_Heading], indices: list[int]) -> float:
    """Share of the given headings whose sentence states a problem."""
    if not indices:
        return 0.0
    return sum(states_problem(headings[i].text) for i in indices) / len(indices)


def _finding_style(headings: list[_Heading]) -> str | None:
    """The numbering style of the findings: 问题N, else the deepest problem-stating style."""
    styles = {h.style for h in headings}
    if "问题N" in styles:
        return "问题N"
    best: tuple[float, str] | None = None
    for style in styles:
        items = [i for i, h in enumerate(headings) if h.style == style]
        if _problem_share(headings, items) >= 0.5:
            depth = sorted(headings[i].depth for i in items)[len(items) // 2]
            if best is None or depth > best[0]:
                best = (depth, style)
    return best[1] if best else None


def _siblings(headings: list[_Heading], i: int) -> list[int]:
    """Headings of the same style under the same parent as heading ``i``."""
    h = headings[i]
    return [j for j, g in enumerate(headings) if g.parent == h.parent and g.style == h.style]


def _in_problem_section(headings: list[_Heading], i: int) -> bool:
    """True when an ancestor heading introduces the problem-by-problem part."""
    parent = headings[i].parent
    while parent is not None:
        title = headings[parent].text
        if _PROBLEM_SECTION.search(title) and not _ORGANISATIONAL.search(title):
            return True
        parent = headings[parent].parent
    return False


def _choose_findings(headings: list[_Heading]) -> list[int]:
    """Indices of the headings that open findings (outermost only, text order)."""
    style = _finding_style(headings)
    chosen: set[int] = set()
    for i, h in enumerate(headings):
        group_states_problems = _problem_share(headings, _siblings(headings, i)) >= 0.5
        if style is not None and h.style == style:
            if style in _SELF_NAMED or group_states_problems or _in_problem_section(headings, i):
                chosen.add(i)
        elif not h.children and (
            (group_states_problems and states_problem(h.text))
            or (_in_problem_section(headings, i) and not any(g.style == style for g in headings))
        ):
            chosen.add(i)  # a problem-stating leaf above the finding level
    inside = _inside_findings(headings, sorted(chosen))
    return sorted(i for i in chosen if i not in inside)


def _inside_findings(headings: list[_Heading], chosen: list[int]) -> set[int]:
    """Headings strictly inside the span of a chosen finding (its measures)."""
    inside: set[int] = set()
    for f in chosen:
        span = headings[f]
        inside.update(i for i, h in enumerate(headings) if span.start < h.start < span.end)
    return inside


def _finding_labels(headings: list[_Heading], chosen: list[int]) -> dict[int, str]:
    """Labels unique within the document.

    ``问题6`` stays as written; other labels get their parent's label in front
    (``(三)2.``), and more ancestors while two findings still share a label;
    a label repeated under one parent finally gets ``#2``, ``#3``.
    """

    def label(i: int, n_ancestors: int) -> str:
        anc = _ancestors(headings, i)
        prefix = anc[len(anc) - n_ancestors :] if n_ancestors else []
        return "".join(headings[a].label for a in prefix) + headings[i].label

    depth = {i: 0 if headings[i].style in _SELF_NAMED else 1 for i in chosen}
    labels = {i: label(i, depth[i]) for i in chosen}
    for _ in range(4):
        counts = Counter(labels.values())
        clashes = [i for i in chosen if counts[labels[i]] > 1]
        if not clashes:
            break
        for i in clashes:
            depth[i] += 1
            labels[i] = label(i, depth[i])
    seen: Counter[str] = Counter()
    for i in chosen:
        seen[labels[i]] += 1
        if seen[labels[i]] > 1:
            labels[i] = f"{labels[i]}#{seen[labels[i]]}"
    return labels


def _ancestors(headings: list[_Heading], i: int) -> list[int]:
    """Indices of the headings enclosing heading ``i``, outermost first."""
    out: list[int] = []
    parent = headings[i].parent
    while parent is not None:
        out.append(parent)
        parent = headings[parent].parent
    return out[::-1]


def _make_finding(text: str, doc_id: str, headings: list[_Heading], i: int, label: str) -> Finding:
    """Fill a Finding from heading ``i`` and its span."""
    h = headings[i]
    ancestors = _ancestors(headings, i)
    rest = text[h.text_end : h.end]
    heading = h.text or _first_sentence(rest)
    measures = _MEASURES_PREFIX.sub("", rest.strip(), count=1) if h.text else rest.strip()
    body = text[h.start : h.end]
    return Finding(
        doc_id=doc_id,
        label=label,
        heading=heading,
        text=body,
        path=[headings[a].title for a in ancestors],
        category=_category(headings, ancestors),
        problem=_problem(heading),
        measures=measures,
        status=find_status(body),
        figures=extract_figures(body),
        start=h.start,
        end=h.end,
    )


def _first_sentence(text: str) -> str:
    """First sentence of ``text`` (for a label standing alone on its line)."""
    m = re.search(r"[^。!?\n]+", text.strip())
    return m.group(0).strip() if m else ""


def _problem(heading: str) -> str:
    """The problem a heading states: ``关于“X”问题的整改`` and ``关于X的问题`` → X; else the heading."""
    m = _QUOTED_PROBLEM.search(heading) or _ABOUT_PROBLEM.match(heading)
    return m.group("problem") if m else _AREA_PREFIX.sub("", heading)


def _category(headings: list[_Heading], ancestors: list[int]) -> str:
    """The nearest enclosing heading that names a problem area, without its number."""
    for a in reversed(ancestors):
        title = headings[a].text
        if _PROBLEM_SECTION.search(title) and not PROBLEM_CUE.search(title):
            continue  # "具体问题整改情况" introduces problems, it is not one
        if states_problem(title) or _AREA.search(title):
            return _AREA_PREFIX.sub("", title)
    return ""


def _context(text: str, start: int, end: int, before: int = 14, after: int = 6) -> str:
    """The words around a figure, not crossing a sentence or line end."""
    left = max(0, start - before)
    cut = max(text.rfind(ch, left, start) for ch in _CLAUSE_MARKS)
    if cut >= 0:
        left = cut + 1
    right = min(len(text), end + after)
    stops = [p for ch in _CLAUSE_MARKS + "、" if (p := text.find(ch, end, right)) >= 0]
    if stops:
        right = min(stops)
    return text[left:right].strip()
