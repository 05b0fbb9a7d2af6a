"""Evidence or nothing: the sentence of a related notice that states the searched problem.

:mod:`index.analysis.related` ranks notices by three fused signals; a notice can rank high for
sitting *near* a topic (every notice with findings is near 意识形态工作责任制) without any of its
sentences stating it.  This module gives each ranked notice its **evidence**: the sentence that
holds the largest rarity-weighted share of the topic's words (``cover``), with those words.

The topic's words are the bigrams inside the query's jieba words, weighted by their idf in the
keyword index (bigrams no passage holds are left out); frame and genre words (整改, 问题, 责任,
工作 …) are dropped *by corpus frequency* (a bigram in more than ``FRAME_SHARE`` of the passages),
not by a list (``FRAME_SHARE``, chosen by cross-validation).  The evidence's cover is one input of
the judge that decides which notices are listed (:mod:`index.analysis.judge`); a notice with no
sentence holding a topic word is not shown at all.  (An e5 cosine of query and sentence would make the
folder and Milvus backends disagree, Milvus keeping no sentence vectors: not used.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from index import tuned
from index.records import Chunk
from index.retrieve.searcher import Searcher
from index.text.sentences import split_sentences
from index.text.tokenize import han_bigrams, words

from .findings import document_chunks

FRAME_SHARE = tuned.FRAME_SHARE
#: Frame words are found by their share of the passages only in an index of at least this many passages: below
#: it (a few uploaded notices) 巡察 in 3 of 12 passages is not a genre word.  Not tuned: it never binds on the
#: development corpus (776 passages) or the sample one (122), so cross-validation cannot choose it.
FRAME_MIN_PASSAGES = 100


@dataclass
class Evidence:
    """A notice's best sentence for the topic: its passage, offsets there, cover and the shared words."""

    chunk_id: int
    start: int
    end: int
    cover: float
    terms: list[str]
    grams: int = 0  # topic bigrams the sentence holds

    def to_dict(self, chunk: Chunk) -> dict:
        """The JSON form: passage, offsets, the sentence itself and the shared topic words."""
        return {"chunk_id": self.chunk_id, "section": chunk.section, "label": chunk.finding,
                "passage": chunk.text, "start": self.start, "end": self.end,
                "sentence": chunk.text[self.start:self.end], "terms": self.terms, "cover": round(self.cover, 4),
                "grams": self.grams}


def topic_words(searcher: Searcher, cleaned: str) -> list[str]:
    """The query's jieba words (search mode), as the keyword index cuts them, with those of the full names of
    the organisation abbreviations it uses (医保局 → 医疗保障局: a notice naming the unit either way states it)."""
    userdict = getattr(searcher.keyword, "userdict", None) or getattr(searcher, "userdict", None)
    return words(searcher.keyword_text(cleaned), userdict)


def topic_grams(searcher: Searcher, cleaned: str, frame_share: float | None = None) -> dict[str, float]:
    """The topic bigrams of ``cleaned`` (inside its jieba words, frame words dropped) → idf weight."""
    share_limit = FRAME_SHARE if frame_share is None else frame_share
    kw = searcher.keyword
    inside = [g for word in topic_words(searcher, cleaned) if len(word) >= 2
              for g in han_bigrams(word) if len(g) == 2]
    grams: dict[str, float] = {}
    for gram in dict.fromkeys(inside):
        token_id = kw.vocab.get("#" + gram)
        df = kw.document_frequency(token_id) if token_id is not None else 0
        # a bigram no passage holds cannot be anyone's evidence: it would only shrink every cover; a share
        # over a handful of passages says nothing, so a small index (an office's first uploads) drops none
        frame = kw.size >= FRAME_MIN_PASSAGES and df > share_limit * kw.size
        if df > 0 and not frame:
            grams[gram] = math.log(1 + (kw.size - df + 0.5) / (df + 0.5))
    return grams


def evidence(searcher: Searcher, doc_id: str, grams: dict[str, float], first: list[int] | None = None,
             phrases: list[str] | None = None) -> Evidence | None:
    """The sentence of ``doc_id`` with the largest weighted share of ``grams`` (None: none holds one).

    Of equal covers the sentence of the better-ranked passage in ``first`` (the fused order) wins.
    The shared words shown are the query's own words (``phrases``: 责任制, not its bigram 任制) where
    the sentence holds them whole.
    """
    total = sum(grams.values())
    if not total:
        return None
    chunks = searcher.chunks
    order = list(dict.fromkeys([*(first or []), *(c.chunk_id for c in document_chunks(searcher.data, doc_id))]))
    best: Evidence | None = None
    for chunk_id in order:
        text = chunks[chunk_id].text
        for a, b in split_sentences(text):
            sentence = text[a:b]
            held = [g for g in grams if g in sentence]
            if not held:
                continue
            cover = sum(grams[g] for g in held) / total
            if best is None or cover > best.cover + 1e-9:
                best = Evidence(chunk_id, a, b, cover, _terms(held, grams, sentence, phrases or []), len(held))
    return best


def _terms(held: list[str], grams: dict[str, float], sentence: str, phrases: list[str]) -> list[str]:
    """The shared words to show: query words holding a shared bigram that the sentence holds whole, longest
    first (one inside another kept once), else the shared bigrams merged into the sentence's runs."""
    whole = sorted({p for p in phrases if len(p) >= 2 and p in sentence and any(g in p for g in held)},
                   key=len, reverse=True)
    kept: list[str] = []
    for phrase in whole:
        if not any(phrase in k for k in kept):
            kept.append(phrase)
    return kept or _words(sorted(held, key=lambda g: -grams[g]), sentence)


def _words(grams: list[str], sentence: str) -> list[str]:
    """Shared topic bigrams merged into the sentence's longest runs (津贴 + 贴补 + 补贴 → 津贴补贴)."""
    covered = [False] * len(sentence)
    for g in grams:
        at = sentence.find(g)
        while at >= 0:
            covered[at] = covered[at + 1] = True
            at = sentence.find(g, at + 1)
    runs, run = [], []
    for ch, on in zip(sentence, covered, strict=True):
        if on:
            run.append(ch)
        elif run:
            runs.append("".join(run))
            run = []
    if run:
        runs.append("".join(run))
    return sorted(dict.fromkeys(runs), key=len, reverse=True)
