"""Extractive answers: the sentence from the top passages that best answers.

No generative model: each sentence of the top passages is scored by how much
of the question it covers (idf-weighted Han bigrams), by whether it holds the
kind of thing asked for (a number for 多少/几, a date for 何时, a name or role
for 谁, a place for 哪里, a quoted term for 叫什么) that the question does not
already state, and by its passage's rank.  The answer cites the passage it
came from and every other passage returned.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ingest.sentences import split_sentences

from .filters import Filters
from .query import clean_query
from .search import Hit, Searcher
from .tokenize import han_bigrams

_CLAUSE = re.compile(r"[^,，、:：]+[,，、:：]?")

_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万亿余多]+)"
# What each kind of question asks for, and what an answering sentence holds.
_ASKS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"多少|几[个项条件次名所家类天人批轮种]?|数量|比例|完成率|多大|多久|多长|总共|一共|规模"),
     re.compile(rf"{_NUM}\s*(?:%|个|项|条|件|人|次|名|所|家|类|天|万元|亿元|元|余|多|批|轮|户|村|起|份)")),
    (re.compile(r"何时|什么时[候间]|哪天|哪一天|日期|时间|截止|几月|哪年|撤离"),
     re.compile(r"\d{4}年|\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}|[上下]午|前撤离|截止")),
    (re.compile(r"谁|哪位|组长|负责人|书记是|牵头"),
     re.compile(r"部长|书记|组长|主任|局长|同志|副|厅长|县长|市长|[\u4e00-\u9fff]{2,3}(?:为组长|任组长|担任)")),
    (re.compile(r"哪里|哪儿|在哪|地址|地点|信箱|邮箱|电话|找他们"),
     re.compile(r"路|街|号|宾馆|酒店|大楼|信箱|邮箱|电话|@|\d{7,}")),
    (re.compile(r"叫什么|什么名|称为|哪种|哪些|什么|哪家|办法|打法|模式"),
     re.compile(r"[“\"《][^”\"》]{2,20}[”\"》]|[\u4e00-\u9fff]{1,4}\+[\u4e00-\u9fff]{1,4}|模式|机制|办法|集团|公司")),
]

MAX_ANSWER_CHARS = 160
TITLE_TERM_WEIGHT = 0.1
#: Weights of the sentence score beside word coverage (0..1), chosen on the eval set.
WEIGHTS = {"holds": 0.35, "rank": 0.25, "dense": 0.8}


@dataclass
class Answer:
    """An extractive answer with its citations."""

    answer: str
    citations: list[Hit] = field(default_factory=list)
    sentence_hit: int = -1  # index into citations of the passage holding the answer
    start: int = -1  # answer offsets inside that passage's text
    end: int = -1

    def to_dict(self) -> dict:
        """The CLI's JSON: ``{"answer": ..., "citations": [hits], ...}``."""
        return {
            "answer": self.answer,
            "citations": [h.to_dict() for h in self.citations],
            "answer_citation": self.sentence_hit,
            "answer_span": [self.start, self.end],
        }


def _trim(text: str, start: int, end: int, query_grams: set[str], asks: list[re.Pattern[str]]) -> tuple[int, int]:
    """Shorten an over-long sentence to the clauses around its best clause."""
    if end - start <= MAX_ANSWER_CHARS:
        return start, end
    clauses = [(start + m.start(), start + m.end()) for m in _CLAUSE.finditer(text[start:end])]

    def clause_score(span: tuple[int, int]) -> float:
        piece = text[span[0]:span[1]]
        return len(query_grams & set(han_bigrams(piece))) + 2.0 * sum(bool(p.search(piece)) for p in asks)

    best = max(range(len(clauses)), key=lambda i: clause_score(clauses[i]))
    lo = hi = best
    while True:
        grown = False
        if lo > 0 and clauses[hi][1] - clauses[lo - 1][0] <= MAX_ANSWER_CHARS:
            lo -= 1
            grown = True
        if hi + 1 < len(clauses) and clauses[hi + 1][1] - clauses[lo][0] <= MAX_ANSWER_CHARS:
            hi += 1
            grown = True
        if not grown:
            break
    return clauses[lo][0], clauses[hi][1]


def _holds_new(pattern: re.Pattern[str], sentence: str, query_numbers: set[str]) -> bool:
    """Whether the sentence holds what is asked for, beyond numbers the question already states."""
    for found in pattern.finditer(sentence):
        numbers = set(re.findall(r"\d+(?:\.\d+)?", found.group(0)))
        if not numbers or not numbers <= query_numbers:
            return True
    return False


class Answerer:
    """Extractive question answering over a :class:`Searcher`."""

    def __init__(self, searcher: Searcher, passages: int = 5) -> None:
        self.searcher = searcher
        self.passages = passages

    def _idf(self, gram: str) -> float:
        kw = self.searcher.keyword
        token_id = kw.vocab.get("#" + gram)
        if token_id is None:
            return 0.5  # unseen bigram: mild weight (it cannot help pick a sentence much)
        df = kw.document_frequency(token_id)
        return math.log(1 + (kw.size - df + 0.5) / (df + 0.5))

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks time cold questions)."""
        self.searcher.clear_cache()

    def _weights(self, grams: set[str], sentences: list[str]) -> dict[str, float]:
        """Weight of each question bigram: corpus idf × idf among the candidate sentences.

        Terms every candidate shares (the unit's name, the round) say which
        notice, not which sentence; the local factor lets the terms that pick
        out the answering sentence (撤离, 组长) decide.
        """
        n = len(sentences) or 1
        weights = {}
        for gram in grams:
            local = sum(gram in sentence for sentence in sentences)
            weights[gram] = self._idf(gram) * math.log(1 + n / (1 + local))
        return weights

    def _sentence_similarity(self, vector: np.ndarray, hits: list[Hit]) -> np.ndarray:
        """Cosine of the question with every sentence of ``hits``, in split_sentences order.

        Paraphrased questions share few words with the sentence that answers
        them; the model's similarity finds it where word overlap cannot.  The
        sentence vectors were computed at ingest; a chunk whose vectors are
        missing has its sentences embedded now.
        """
        blocks = []
        for hit in hits:
            spans = split_sentences(hit.text)
            saved = self.searcher.data.chunk_sentence_vectors(hit.chunk_id)
            if saved is None or len(saved) != len(spans):
                saved = self.searcher.embedder.encode_passages([hit.text[a:b] for a, b in spans])
            blocks.append(np.asarray(saved, dtype="float32").reshape(len(spans), -1))
        return np.vstack(blocks) @ vector

    def ask(self, question: str, top: int = 5, filters: Filters | None = None) -> Answer:
        """Answer ``question`` with the best sentence of the top passages and citations."""
        cleaned = clean_query(question)
        vector = self.searcher.embed_query(cleaned)
        ranked = self.searcher.rank_chunks(cleaned, filters, vector=vector)
        hits = self.searcher.hits(ranked, max(top, self.passages), per_doc=3)
        if not hits:
            return Answer(answer="", citations=[])
        grams = set(han_bigrams(cleaned))
        candidates = [(rank, s, e, hit.text[s:e]) for rank, hit in enumerate(hits[: self.passages])
                      for s, e in split_sentences(hit.text)]
        if not candidates:
            return Answer(answer=hits[0].text[:MAX_ANSWER_CHARS], citations=hits[:top], sentence_hit=0,
                          start=0, end=min(len(hits[0].text), MAX_ANSWER_CHARS))
        weights = self._weights(grams, [c[3] for c in candidates])
        titles = [hit.title for hit in hits[: self.passages]]
        asks = [holds for asked, holds in _ASKS if asked.search(cleaned)]
        query_numbers = set(re.findall(r"\d+(?:\.\d+)?", cleaned))
        similarity = self._sentence_similarity(vector, hits[: self.passages])
        spread = float(similarity.max() - similarity.min()) or 1.0
        scores = []
        for (rank, _s, _e, sentence), sim in zip(candidates, similarity, strict=True):
            # Question terms that are in the notice's title say which notice, not which sentence.
            local = {g: w * (TITLE_TERM_WEIGHT if g in titles[rank] else 1.0) for g, w in weights.items()}
            cover = sum(w for g, w in local.items() if g in sentence) / (sum(local.values()) or 1.0)
            holds = sum(_holds_new(pattern, sentence, query_numbers) for pattern in asks) / max(len(asks), 1)
            dense = (float(sim) - float(similarity.min())) / spread
            scores.append(cover + WEIGHTS["holds"] * holds + WEIGHTS["rank"] / (rank + 1) + WEIGHTS["dense"] * dense)
        rank, s, e, _ = candidates[int(np.argmax(scores))]
        s, e = _trim(hits[rank].text, s, e, grams, asks)
        citations = hits[:top]
        if rank >= len(citations):
            citations = [*citations, hits[rank]]
        index = citations.index(hits[rank])
        return Answer(answer=hits[rank].text[s:e], citations=citations, sentence_hit=index, start=s, end=e)
