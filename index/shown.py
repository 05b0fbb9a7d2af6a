"""The notice's own words: map the folded (indexed) text back to the text as the notice writes it.

The indexed text of a document is width-folded (NFKC: ``，`` → ``,``, ``……``
→ ``......``) so that keyword search matches; what the page and the CLI quote
must be the notice's own characters.  :attr:`index.records.Document.shown`
holds the clean text before that fold, line for line (see
:func:`ingest.clean.clean_shown`); folding it one character at a time gives
``Document.text`` exactly, which is what lets an offset into the indexed text
(a passage, an answer sentence) be turned into the shown characters here.

An older index has no shown text (``""``): everything falls back to the
indexed text, as before.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Callable

from .records import Document

_MAP_ATTR = "_shown_map"


def fold_chars(text: str) -> str:
    """The width fold (NFKC) applied one character at a time."""
    return "".join(unicodedata.normalize("NFKC", ch) for ch in text)


class ShownMap:
    """Offsets of one document's indexed text → offsets of its shown text."""

    def __init__(self, text: str, shown: str) -> None:
        self.text = text
        if not shown or fold_chars(shown) != text:
            shown = text
        self.shown = shown
        self._starts: array | None = None  # None: the same length, offsets are the same
        if len(shown) != len(text):
            starts = array("l")
            for index, ch in enumerate(shown):
                starts.extend([index] * len(unicodedata.normalize("NFKC", ch)))
            starts.append(len(shown))
            self._starts = starts

    def offset(self, pos: int) -> int:
        """Shown offset of indexed offset ``pos`` (inside a character's fold: that character's start)."""
        pos = max(0, min(len(self.text), pos))
        return pos if self._starts is None else self._starts[pos]

    def span(self, start: int, end: int) -> str:
        """The shown characters of the indexed span ``[start, end)``."""
        start = max(0, min(len(self.text), start))
        end = max(start, min(len(self.text), end))
        if self._starts is None:
            return self.shown[start:end]
        if end == start:
            return ""
        return self.shown[self._starts[start]:self._starts[end - 1] + 1]

    def restore(self, snippet: str, near: int = 0) -> str:
        """``snippet`` (a piece of the indexed text) in the notice's own characters; itself when not found.

        A snippet shortened with a final ``…`` is looked up without it.
        """
        if not snippet or self.shown is self.text:
            return snippet
        tail = ""
        pos = self.text.find(snippet, max(0, near))
        if pos < 0:
            pos = self.text.find(snippet)
        if pos < 0 and snippet.endswith("…") and len(snippet) > 1:
            snippet, tail = snippet[:-1], "…"
            pos = self.text.find(snippet)
        if pos < 0:
            return snippet + tail
        return self.span(pos, pos + len(snippet)) + tail


def shown_map(doc: Document | None) -> ShownMap:
    """The (cached) map of ``doc``; an identity map for None."""
    if doc is None:
        return ShownMap("", "")
    cached = doc.__dict__.get(_MAP_ATTR)
    if cached is None or cached.text is not doc.text:
        cached = ShownMap(doc.text, getattr(doc, "shown", ""))
        doc.__dict__[_MAP_ATTR] = cached
    return cached


def passage_view(doc: Document | None, text: str, start: int) -> tuple[str, Callable[[int], int]]:
    """A passage that starts at ``start`` of ``doc``'s indexed text, in the notice's characters.

    Returns the shown passage and a function from offsets into ``text`` to
    offsets into it (for highlights computed on the indexed text).  When the
    passage is not ``doc.text[start:start + len(text)]`` it is returned as is.
    """
    mapping = shown_map(doc)
    if doc is None or mapping.shown is mapping.text or doc.text[start:start + len(text)] != text:
        return text, lambda pos: pos
    base = mapping.offset(start)
    shown = mapping.span(start, start + len(text))

    def to_shown(pos: int) -> int:
        return max(0, min(len(shown), mapping.offset(start + pos) - base))

    return shown, to_shown


def restore(doc: Document | None, snippet: str, near: int = 0) -> str:
    """``snippet`` of ``doc``'s indexed text in the notice's own characters (see :meth:`ShownMap.restore`)."""
    return shown_map(doc).restore(snippet, near) if doc is not None else snippet
