"""Which inspection a text names: its term (届), round (轮), batch (批), group (第N巡视组) and years.

A question about 第五轮 asked of a notice that reports 第六轮 is about another inspection: the notice
cannot answer it, however well its sentences match.  :func:`clash` says so for any question and notice,
from the ordinal markers every inspection notice uses (十四届…第九轮第一批, 省委第三巡视组, 2023年); it
is one feature of the answer scorer (``ord_clash``), whose learned weight decides what it is worth.

Chinese numerals are read here (ingest.metadata reads dates with it too) rather than with a library: cn2an and
the like are not in the stack, and the ordinals of these notices stay below a thousand (十一, 二十三).
"""

from __future__ import annotations

import re

_DIGITS = {"〇": 0, "零": 0, "一": 1, "首": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_NUM = r"(\d{1,3}|[〇零一二两三四五六七八九十百]{1,4})"

#: (kind, pattern with the number as group 1).  首轮 is round one.
MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("term", re.compile(_NUM + r"届")),
    ("round", re.compile(r"第" + _NUM + r"轮|(首)轮")),
    ("batch", re.compile(r"第" + _NUM + r"批")),
    ("group", re.compile(r"第" + _NUM + r"(?:巡视|巡察|督查|督导)组")),
    ("year", re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")),
)


def number(text: str) -> int | None:
    """The value of an Arabic or Chinese numeral below a thousand (十一 → 11, 二十三 → 23, 首 → 1)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        else:
            return None
    return total + (digit or 0)


def ordinals(text: str) -> dict[str, set[int]]:
    """Every ordinal marker of ``text``, by kind: ``{"round": {5}, "term": {14}, …}``."""
    found: dict[str, set[int]] = {}
    for kind, pattern in MARKERS:
        for m in pattern.finditer(text):
            raw = next(g for g in m.groups() if g)
            value = number(raw)
            if value is not None:
                found.setdefault(kind, set()).add(value)
    return found


def clash(question: str, notice: str) -> float:
    """Share of the question's ordinal kinds that the notice names with other values only.

    0.0 when every term, round, batch, group and year the question names is in the notice (or the
    notice names none of that kind: an excerpt may leave the round out); 1.0 when each of them is
    contradicted (the question asks about 第五轮, the notice only speaks of 第六轮).
    """
    asked = ordinals(question)
    if not asked:
        return 0.0
    stated = ordinals(notice)
    clashing = sum(1 for kind, values in asked.items() if stated.get(kind) and not values & stated[kind])
    return clashing / len(asked)


#: How each kind is written in a note to the user (五 → 第五轮, 十四 → 十四届, 2022 → 2022年).
_SHOWN = {"term": "{}届", "round": "第{}轮", "batch": "第{}批", "group": "第{}组", "year": "{}年"}


def chinese(value: int) -> str:
    """An ordinal below a hundred in Chinese numerals, as notices write them (5 → 五, 14 → 十四, 21 → 二十一)."""
    digits = "零一二三四五六七八九"
    if not 0 < value < 100:
        return str(value)
    tens, ones = divmod(value, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def clash_note(question: str, notice: str) -> str:
    """The user's line for a clash: 问题问的是第五轮，这篇通报写的是第六轮 ("" when nothing clashes)."""
    asked, stated = ordinals(question), ordinals(notice)
    parts_asked, parts_stated = [], []
    for kind, values in asked.items():
        if stated.get(kind) and not values & stated[kind]:
            shown = str if kind == "year" else chinese
            parts_asked += [_SHOWN[kind].format(shown(v)) for v in sorted(values)]
            parts_stated += [_SHOWN[kind].format(shown(v)) for v in sorted(stated[kind])[:3]]
    if not parts_asked:
        return ""
    return f"问题问的是{'、'.join(parts_asked)}，这篇通报写的是{'、'.join(parts_stated)}"
