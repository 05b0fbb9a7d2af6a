"""Organisation abbreviations: 医保局 for 医疗保障局, 残联 for 残疾人联合会, 住建局 for 住房城乡建设局.

A question names a unit the short way and the notices the long way (or the other way round); keyword search
finds neither form in the other (医保局 and 医疗保障局 share no bigram).  Chinese shortens an organisation's
name in one way: it keeps the start of each word (one character, or a whole short word) and the start of its
final organisation word, and may drop one word between (城乡 in 住房城乡建设局).  So no table is kept:
the full names are looked for in the corpus's own text, and a string found there is a full name of the
abbreviation when its words spell the abbreviation that way and it ends in an organisation word.

Pure functions; :meth:`index.retrieve.searcher.Searcher.keyword_text` applies them to the index's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

_HAN = "[\u4e00-\u9fff]"
#: The last character of an organisation's short name: 局, 委, 办, 联, 协 …
SUFFIX_CHARS = frozenset("局厅委办院部处所联协")
#: Words that end a full organisation name (its last word, split as in :func:`_parts`).
ORG_WORDS = frozenset("局厅办院部处所委") | frozenset(("委员会", "联合会", "工会", "总工会", "办公室", "协会", "学会"))
#: Administrative levels: 市委, 县委, 省委 are words of their own, not abbreviations of 市管理委员会.
_LEVELS = frozenset("省市县区州乡镇村盟旗")
#: One-character organisation words split off the word they end (保障局 → 保障 局, 健康委 → 健康 委).
_SPLIT = frozenset("局厅办院部处所委")
#: At most this many characters between two kept characters of a full name (a word's rest, one dropped word).
_GAP = 4


def candidates(words: list[str], is_word: Callable[[str], bool]) -> list[list[str]]:
    """The strings among a query's jieba ``words`` that may be an organisation's short name, longest first
    for each place.

    jieba cuts a short name it does not know anywhere (住/建局, 卫/健委), so each word that ends in a suffix
    character (or is one: 医保 局) is tried with up to two words before it (a word of the dictionary, ``is_word``,
    only with words of two characters or more: 市场 监管局, not 开 党委): 2–5 Han characters; two-character
    level names (市委, 县委) are not short names.
    """
    found: list[list[str]] = []
    for i, word in enumerate(words):
        if not word or word[-1] not in SUFFIX_CHARS:
            continue
        group = []
        known = len(word) > 1 and is_word(word)
        for start in range(max(0, i - 2), i + 1):
            if known and any(len(w) < 2 for w in words[start:i]):
                continue
            short = "".join(words[start:i + 1])
            if re.fullmatch(f"{_HAN}{{2,5}}", short) and not (len(short) == 2 and short[0] in _LEVELS):
                group.append(short)
        if group:
            found.append(group)
    return found


def _parts(words: list[str]) -> list[str]:
    """Split a segmentation finer where Chinese short names cut: 医疗保障 → 医疗 保障, 保障局 → 保障 局."""
    parts: list[str] = []
    for word in words:
        if len(word) == 4:
            parts += [word[:2], word[2:]]
        elif len(word) >= 3 and word[-1] in _SPLIT:
            parts += [word[:-1], word[-1]]
        else:
            parts.append(word)
    return parts


def spells(short: str, parts: tuple[str, ...]) -> bool:
    """True when ``short`` is the start of each of ``parts`` in turn (the first and the last kept), with at
    most one part between dropped, and only where every kept start is one character (住建局, not 区委巡察办)."""

    @cache
    def walk(i: int, j: int, dropped: bool, long_piece: bool) -> bool:
        if j == len(parts):
            return i == len(short) and not (dropped and long_piece)
        part = parts[j]
        for k in range(1, len(part) + 1):
            if short[i:i + k] == part[:k] and walk(i + k, j + 1, dropped, long_piece or k > 1):
                return True
        return 0 < j < len(parts) - 1 and not dropped and walk(i, j + 1, True, long_piece)

    return walk(0, 0, False, False)


def expansions(short: str, text: str, segment: Callable[[str], list[str]]) -> list[str]:
    """Full names of the organisation abbreviation ``short`` found in ``text``, most frequent first.

    ``segment`` splits a string into words (jieba).  A full name is at least two characters longer than
    ``short``, does not contain it, and ends in an organisation word beginning with ``short``'s last character.
    """
    pattern = re.compile("".join(re.escape(c) + f"{_HAN}{{0,{_GAP}}}" for c in short[:-1])
                         + re.escape(short[-1]) + f"{_HAN}{{0,3}}")
    counts: dict[str, int] = {}
    for match in pattern.finditer(text):
        parts = _parts(segment(match.group()))
        for end in range(2, len(parts) + 1):
            last = parts[end - 1]
            full = "".join(parts[:end])
            if len(full) < len(short) + 2 or short in full or last not in ORG_WORDS or last[0] != short[-1]:
                continue
            if spells(short, tuple(parts[:end])):
                counts[full] = counts.get(full, 0) + 1
                break
    return sorted(counts, key=lambda name: -counts[name])
