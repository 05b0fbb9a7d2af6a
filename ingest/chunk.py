"""Cut a parsed notice into passages for retrieval.

The text is first cut into *segments* at every section and finding boundary
(and at the end of the opening and the start of the closing), so a passage
never mixes two findings or two sections.  Each segment is split into
sentences (``。!?;`` and line breaks; NFKC turned ``！？；`` into ``!?;``),
sentences longer than the limit are split at commas, and sentences are packed
greedily into passages of at most ``max_chars`` characters (a new paragraph
starts a new passage once the current one is half full).  A short last
passage is merged into, or balanced with, the one before it.

Offsets always point into the clean text: ``text[c.start:c.end] == c.text``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from index.records import Chunk
from ingest.structure import Structure

#: A sentence ends after a run of final marks (and any closing quotes or
#: brackets right after them), or at a line break.
_SENTENCE_END = re.compile(r"[。!?;]+[”’\"」』)】]*|\n")
#: Where a long sentence may be split, best first: after a comma or
#: semicolon, at a run of spaces, after an enumeration comma.
_CUT_MARKS = (re.compile(r"[,，;；]+"), re.compile(r"\s+"), re.compile(r"、"))
#: A last passage shorter than this is merged with the previous one.
MIN_CHARS = 40
#: Headings longer than this are shortened in the section path.
PATH_HEADING_CHARS = 30
#: A single sentence may stretch a passage to this multiple of the limit
#: while looking for a comma to split at.
CEILING = 1.2


@dataclass
class _Segment:
    """A stretch of text inside one section and at most one finding."""

    start: int
    end: int
    section: str
    finding: str


def chunk_document(text: str, structure: Structure, doc_id: str, max_chars: int = 300) -> list[Chunk]:
    """Split a notice into passages of at most about ``max_chars`` characters.

    Passages end at sentence boundaries, never cross a section or finding
    boundary, and carry the heading path (``二、… > (一)… > 问题2``) and the
    finding label.  A sentence longer than ``max_chars`` is split at commas
    (a piece may reach ``1.2 * max_chars`` to find one; failing that it is
    cut at ``max_chars``).  ``chunk_id`` counts from 0 within the document.
    """
    chunks: list[Chunk] = []
    for seg in _segments(text, structure):
        for start, end in pack_spans(text, seg.start, seg.end, max_chars):
            chunks.append(
                Chunk(
                    chunk_id=len(chunks),
                    doc_id=doc_id,
                    text=text[start:end],
                    section=seg.section,
                    finding=seg.finding,
                    start=start,
                    end=end,
                )
            )
    return chunks


def shorten(heading: str, limit: int = PATH_HEADING_CHARS) -> str:
    """``heading`` cut to ``limit`` characters, ending in ``…`` when cut."""
    return heading if len(heading) <= limit else heading[: limit - 1] + "…"


# --------------------------------------------------------------------------
# Segments
# --------------------------------------------------------------------------


def _segments(text: str, structure: Structure) -> list[_Segment]:
    """Cut the text at every section, finding, opening and closing boundary."""
    cuts = {0, len(text)}
    for item in (*structure.sections, *structure.findings):
        cuts.update((item.start, item.end))
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    segments = []
    for start, end in itertools.pairwise(bounds):
        if text[start:end].strip():
            section, finding = _place(structure, start)
            segments.append(_Segment(start, end, section, finding))
    return segments


def _place(structure: Structure, offset: int) -> tuple[str, str]:
    """Section path and finding label for text starting at ``offset``.

    Text outside every section (the opening, the closing) gets ``("", "")``.
    """
    for f in structure.findings:
        if f.start <= offset < f.end:
            path = [shorten(p) for p in f.path] + [f.label]
            return " > ".join(path), f.label
    enclosing = sorted(
        (s for s in structure.sections if s.start <= offset < s.end),
        key=lambda s: s.level,
    )
    return " > ".join(shorten(s.label + s.heading) for s in enclosing), ""


# --------------------------------------------------------------------------
# Sentences and packing
# --------------------------------------------------------------------------


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` as offsets, trimmed of surrounding whitespace."""
    spans = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, end))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def pack_spans(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Passages of ``text[start:end]``: whole sentences packed up to ``max_chars``."""
    units = [piece for s, e in sentence_spans(text, start, end) for piece in _split_long(text, s, e, max_chars)]
    groups: list[list[tuple[int, int]]] = []
    for unit in units:
        fits = bool(groups) and unit[1] - groups[-1][0][0] <= max_chars
        if fits and not _paragraph_break(text, groups[-1], unit, max_chars):
            groups[-1].append(unit)
        else:
            groups.append([unit])
    groups = _merge_short(groups, max_chars)
    if len(groups) > 1 and _length(groups[-1]) < MIN_CHARS:
        groups[-2:] = _rebalance(groups[-2] + groups[-1], len(groups[-2]), max_chars)
    return [(g[0][0], g[-1][1]) for g in groups]


def _merge_short(groups: list[list[tuple[int, int]]], max_chars: int) -> list[list[tuple[int, int]]]:
    """Merge each passage shorter than MIN_CHARS into the previous one where both fit."""
    merged: list[list[tuple[int, int]]] = []
    for group in groups:
        if merged and _length(group) < MIN_CHARS and group[-1][1] - merged[-1][0][0] <= max_chars:
            merged[-1] = merged[-1] + group
        else:
            merged.append(group)
    return merged


def _paragraph_break(text: str, group: list[tuple[int, int]], unit: tuple[int, int], max_chars: int) -> bool:
    """Start a new passage at a new paragraph once the current one is half full.

    Keeps numbered measures (``3.强化学习指导。…``) together with their text.
    """
    return _length(group) >= max_chars // 2 and "\n" in text[group[-1][1] : unit[0]]


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than ``max_chars`` cut into pieces.

    Cut after the last comma or semicolon that keeps the piece within
    ``max_chars`` (or the first one up to ``1.2 * max_chars``); failing that
    at a space, then after a ``、``; failing all, at ``max_chars``.
    """
    pieces = []
    while end - start > max_chars:
        cut = _cut_point(text, start, end, max_chars)
        if piece := _trim(text, start, cut):
            pieces.append(piece)
        start = cut
    if piece := _trim(text, start, end):
        pieces.append(piece)
    return pieces


def _cut_point(text: str, start: int, end: int, max_chars: int) -> int:
    """Where to end the next piece of a long sentence starting at ``start``."""
    ceiling = min(end, start + int(max_chars * CEILING))
    for marks in _CUT_MARKS:
        cuts = [m.end() for m in marks.finditer(text, start + 1, ceiling)]
        within = [c for c in cuts if c - start <= max_chars]
        if within and within[-1] - start >= max_chars // 3:
            return within[-1]
        if cuts and cuts[-1] - start > max_chars:
            return next(c for c in cuts if c - start > max_chars)
    return start + max_chars


def _rebalance(units: list[tuple[int, int]], split: int, max_chars: int) -> list[list[tuple[int, int]]]:
    """``units`` as one passage if it fits, else split in two with the longest shorter part.

    ``split`` is the current split point, kept when no other split fits.
    """
    if _length(units) <= max_chars:
        return [units]
    best = (split, -1)
    for k in range(1, len(units)):
        head, tail = units[:k], units[k:]
        if _length(head) <= max_chars and _length(tail) <= max_chars:
            shorter = min(_length(head), _length(tail))
            if shorter > best[1]:
                best = (k, shorter)
    k = best[0]
    return [units[:k], units[k:]]


def _length(units: list[tuple[int, int]]) -> int:
    """Characters spanned by consecutive units, from the first start to the last end."""
    return units[-1][1] - units[0][0]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
