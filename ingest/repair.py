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
_ANNOTATION = re.compile(rf"(?<={_HAN})[(（]\s*({_LATIN}(?: {_LATIN}){{0,3}})\s*(?:[)）]|$)")

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


def count_annotations(text: str) -> int:
    """Number of pinyin annotations (``當(dāng)``) in ``text``."""
    return sum(1 for m in _ANNOTATION.finditer(text) if _is_pinyin(m.group(1))[0])


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
        is_py, toned = _is_pinyin(match.group(1))
        if is_py and (toned or garbled) and (len(match.group(1)) > 1 or toned):
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
