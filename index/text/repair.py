"""Repair garbled scraped text: pinyin annotations, Traditional script, widths.

Many scraped copies of notices read ``當(dāng)前位置`` for ``当前位置``: each
Han character followed by its pinyin in brackets, in Traditional script.
:func:`repair_text` strips the annotations, converts to Simplified with OpenCC
and normalises full-/half-width forms so that keyword search matches.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

# A Han character followed by a bracketed run of lowercase latin letters
# (with or without tone marks or tone digits).  Whether that run is really a
# pinyin syllable is decided by _is_pinyin below.  The closing bracket may be
# lost where an excerpt was cut, so end of text also closes it.
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_LATIN = r"[a-zA-Zü\u00c0-\u024f\u0300-\u036f]+[1-5]?"
_ONE = rf"[(（]\s*({_LATIN}(?: {_LATIN}){{0,3}})\s*(?:[)）]|$)"
_ONE_RE = re.compile(_ONE)
# Some scrapes repeat the annotation (``視(shi)(shi)``, ``巡(xun)(xun)``): one
# match takes the whole run after the character, so it goes or stays as one.
_ANNOTATION = re.compile(rf"(?<={_HAN})(?:{_ONE}){{1,4}}")

# Pinyin syllable grammar (initial + final), written out because no library on
# the stack exposes a syllable validator; it only decides whether a bracketed
# latin run after a Han character is a reading annotation or real content.
_SYLLABLE = re.compile(
    r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|in|un|vn"
    r"|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v|m|n|ng)r?[1-5]?$"
)


def _is_pinyin(token: str) -> tuple[bool, bool]:
    """Return (is pinyin — one or a few syllables —, carries a tone mark or digit)."""
    if " " in token:
        parts = [_is_pinyin(part) for part in token.split()]
        return all(ok for ok, _ in parts), all(toned for _, toned in parts)
    if token != token.lower():  # annotations are lower case; (A), (II) are content
        return False, False
    decomposed = unicodedata.normalize("NFD", token).replace("u\u0308", "v")
    toned = token[-1].isdigit() or any(unicodedata.combining(ch) for ch in decomposed)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bool(_SYLLABLE.match(base)), toned


def _run_tokens(run: str) -> list[str]:
    """The bracketed tokens of one annotation run: ``(shi)(shi)`` → ``["shi", "shi"]``."""
    return [m.group(1) for m in _ONE_RE.finditer(run)]


def _run_is_pinyin(run: str) -> tuple[bool, bool]:
    """(every token of the run is pinyin, every token carries a tone)."""
    checks = [_is_pinyin(token) for token in _run_tokens(run)]
    return all(ok for ok, _ in checks), all(toned for _, toned in checks)


def count_annotations(text: str) -> int:
    """Number of pinyin annotations (``當(dāng)``, ``視(shi)(shi)``) in ``text``."""
    return sum(1 for m in _ANNOTATION.finditer(text) if _run_is_pinyin(m.group(0))[0])


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations that follow Han characters.

    Toned annotations (``當(dāng)``) are always removed.  Toneless ones
    (``市(shi)``) are removed only when the text carries at least two
    annotations overall, so a lone genuine bracket stays.  Brackets holding
    Han text, numbers or capitals (``(第三卷)``, ``(3月、7月)``, ``(A)``) are
    never touched.
    """
    garbled = count_annotations(text) >= 2

    def replace(match: re.Match[str]) -> str:
        tokens = _run_tokens(match.group(0))
        is_py, toned = _run_is_pinyin(match.group(0))
        repeated = len(tokens) > 1  # ``(shi)(shi)`` is never content
        if is_py and (toned or garbled or repeated) and (len(tokens[0]) > 1 or toned):
            return ""
        return match.group(0)

    return _ANNOTATION.sub(replace, text)


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese with OpenCC (``t2s``)."""
    return _t2s().convert(text)


def normalise_width(text: str) -> str:
    """Fold full-width ASCII letters, digits and punctuation to half-width.

    NFKC does exactly this (``，``→``,``, ``（``→``(``, ``１``→``1``) and
    leaves CJK punctuation such as ``、`` ``。`` ``“”`` alone.  The ideographic
    space becomes a normal space.
    """
    return unicodedata.normalize("NFKC", text)


def repair_text(text: str) -> str:
    """Full repair for indexing and matching: pinyin → script → width."""
    return normalise_width(to_simplified(strip_pinyin(text)))


def is_garbled(text: str) -> bool:
    """True when the text shows the pinyin-annotation garbling."""
    return count_annotations(text) >= 3


# ---------------------------------------------------------------- lost bytes
#
# Some garbled scrapes lost single bytes of the GBK page they were read from:
# the lost character shows as ``?``, and where the lead byte of a double-byte
# character went, the bytes after it pair up wrongly until an ASCII byte puts
# them back in step (``初審推薦`` → ``初審?扑]``: GBK ``cd c6 cb 5d`` lost its
# ``cd``).  In a text that shows the pinyin garbling no ``?`` is a question mark
# (all 28 garbled notices of the shared corpus agree), so there ``?`` marks a
# loss.  Elsewhere only unmistakable runs count (``??``, ``?`` against latin
# letters or stray closing brackets, U+FFFD, private-use characters).

_PRIVATE = "\ue000-\uf8ff"
# The mis-paired run after a lost lead byte: Han characters up to the ASCII
# byte that re-synchronised them (a GBK trail byte: ``]``, ``}``, a letter).
_SHIFTED_RUN = re.compile(
    rf"[?\ufffd](?:[(（]?{_LATIN}[)）])?(?P<run>{_HAN}{{1,6}}[\x40-\x7e])"
)
_MIN_WORD_FREQ = 50


@functools.cache
def _word_freq() -> dict[str, int]:
    """jieba's dictionary word frequencies (the repair's only evidence of a word)."""
    from .jieba_dicts import default_tokenizer  # imported here: most texts never need it

    return default_tokenizer().FREQ


def _shift_candidates(run: str) -> list[str]:
    """Every GBK lead byte that turns ``run`` back into text starting with a known word."""
    try:
        data = run.encode("gbk")
    except UnicodeEncodeError:
        return []
    freq = _word_freq()
    found = []
    for lead in range(0x81, 0xFF):
        try:
            decoded = (bytes([lead]) + data).decode("gbk")
        except UnicodeDecodeError:
            continue
        if not all(re.match(_HAN, ch) for ch in decoded):
            continue
        if freq.get(to_simplified(decoded[:2]), 0) >= _MIN_WORD_FREQ:
            found.append(decoded)
    return found


def repair_lost_bytes(text: str) -> tuple[str, int]:
    """Undo a lost GBK lead byte where exactly one reading makes a dictionary word.

    ``初審?fù)扑]`` → ``初審推薦`` (only the lead byte ``cd`` makes the first
    two characters a word).  Runs with no reading or with several
    (``第一??圩印薄…``) are left as they are; :func:`damaged_spans` finds them.
    Returns the text and the number of runs repaired.  Meant for garbled
    text (see :func:`is_garbled`), before conversion to Simplified.
    """
    repaired = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal repaired
        candidates = _shift_candidates(match.group("run"))
        if len(candidates) != 1:
            return match.group(0)
        repaired += 1
        return candidates[0]

    return _SHIFTED_RUN.sub(replace, text), repaired


_LOOSE_DAMAGE = re.compile(
    rf"[\ufffd{_PRIVATE}]|\?{{2,}}|\?(?=[a-zA-Z\]}}|;!])|(?<=[a-zA-Z])\?(?={_HAN})"
    rf"|(?<={_HAN})[\]}}]"  # a closing bracket glued to Han text: damage unless it closes one (checked below)
)
_OPENER = {"]": "[", "}": "{"}
# In garbled text: any ``?`` touching a Han character, and a few latin letters
# glued between Han characters (a pinyin syllable that lost its brackets).
_GARBLED_DAMAGE = re.compile(rf"(?<={_HAN})\?|\?(?={_HAN})|(?:(?<={_HAN})|^)[a-z]{{1,6}}(?=[{_HAN[1:-1]}\d])")
_RUN_END = re.compile(r"[\s,。;、:“”《》()()]")


def damaged_spans(text: str, garbled: bool | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` that lost bytes in scraping and could not be repaired.

    A span runs from a loss mark to the next punctuation or space on either
    side (at most 4 characters each way), so ``汇报??h委3个巡察组`` gives one
    span over ``报??h委3个``.  ``garbled`` says whether the text is known to
    be a pinyin-garbled scrape (then every ``?`` touching Han text is a loss);
    None decides from ``text`` itself, which a short span of it cannot show,
    so only the unmistakable marks count there.
    """
    if garbled is None:
        garbled = is_garbled(text)
    marks = [m.span() for m in _LOOSE_DAMAGE.finditer(text) if not _closes_a_bracket(text, m.start())]
    if garbled:
        marks += [m.span() for m in _GARBLED_DAMAGE.finditer(text)]
    spans: list[tuple[int, int]] = []
    for start, end in sorted(marks):
        lo = start
        while lo > 0 and start - lo < 4 and not _RUN_END.match(text[lo - 1]):
            lo -= 1
        hi = end
        while hi < len(text) and hi - end < 4 and not _RUN_END.match(text[hi]):
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def _closes_a_bracket(text: str, pos: int) -> bool:
    """True when ``text[pos]`` is ``]``/``}`` closing a bracket opened earlier on its line (``[不是链接]``)."""
    closer = text[pos]
    if closer not in _OPENER:
        return False
    line = text[text.rfind("\n", 0, pos) + 1 : pos]
    return line.count(_OPENER[closer]) > line.count(closer)


def is_damaged(text: str, garbled: bool | None = None) -> bool:
    """True when ``text`` holds a lost-byte run (keep it out of titles, headings, short answers)."""
    return bool(damaged_spans(text, garbled))


def without_damage(text: str, garbled: bool | None = None) -> str:
    """``text`` with each damaged run replaced by ``…`` (for headings and labels)."""
    out, pos = [], 0
    for start, end in damaged_spans(text, garbled):
        out.append(text[pos:start].rstrip() + "…")
        pos = end
    out.append(text[pos:])
    return re.sub(r"…{2,}", "…", "".join(out)).strip()
