"""Sentences of a passage: the unit an answer is extracted from.

Finer than the chunker's packing unit (it also splits at ``;`` and line
breaks), so a list item or a contact line can be an answer on its own.  Its
output fixes the order of the sentence vectors saved with an index, so a
change here needs a CHUNKER_VERSION bump.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；]?")
MIN_SENTENCE_CHARS = 4


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, trimmed, at least 4 characters."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= MIN_SENTENCE_CHARS:
            spans.append((start, end))
    return spans
