"""Extractive answers: the sentence from the top passages that best answers.

No generative model: each sentence of the top passages is scored by how much
of the question it covers (idf-weighted Han bigrams), by whether it holds the
kind of thing asked for (a number for 多少/几, a date for 何时, a name or role
for 谁, a place for 哪里, a quoted term for 叫什么) that the question does not
already state, and by its passage's rank.  The answer cites the passage it
came from and every other passage returned.

On top of the sentence, :mod:`index.answer.answer_type` says what the question asks
for (a count of 个县, a phone number, a person …); candidate spans of that
type are scored by how close they sit to the question's own words in their
clause, and by how many of the question's content characters sit in the
sentence and right around the span (paraphrases keep characters where they
change words: 开始搞起来 / 始于).  A small logistic scorer (``answer_weights.json``, fitted with
k-fold cross-validation by ``benchmarks/tune_answer.py``) combines the
features.  When the question names a place or year the best notice does not
hold, when no span of a strictly typed answer exists, or when the best score
is under the fitted threshold, the answer is *not found* (``no_answer``):
a wrong name attributed to the wrong unit is worse than no answer.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index import tuned
from index.analysis.findings import shorten
from index.filters import Filters
from index.records import Document, figures_text
from index.retrieve.searcher import Hit, Searcher
from index.text.ordinals import clash, clash_note
from index.text.query import clean_query
from index.text.repair import is_damaged
from index.text.sentences import split_sentences
from index.text.tokenize import han_bigrams

from .answer_type import (
    LIST_TYPES,
    RANGE_MARK,
    SAME_MEASURE,
    SPAN_PATTERNS,
    STRICT,
    AskType,
    asked_types,
    find_spans,
    head_spans,
)
from .card_answer import card_answer

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
#: Hand-set weights of the sentence score beside word coverage (the scorer before the learned one).
WEIGHTS = {"holds": 0.35, "rank": 0.25, "dense": 0.8}
#: Items of a list answer at most.
MAX_ITEMS = 8
PER_DOC = tuned.PER_DOC  # index/tuned.py says how it was chosen
#: Alternatives shown beside an answer (``candidates`` of ``ask --json``).
MAX_CANDIDATES = 3
#: The learned scorer: feature names, standardisation, coefficients, threshold (benchmarks/tune_answer.py).
WEIGHTS_FILE = Path(__file__).with_name("answer_weights.json")
FEATURES = ("cover", "dense", "rank", "holds", "type_has", "type_prox", "fit", "doc_match", "short", "sim_gap",
            "quoted", "char_cover", "char_prox", "ord_clash", "doc_cover", "card")
#: Characters that carry no content in a question (question words, particles, measure words).
_FUNCTION_CHARS = set("的了是在有和与及这那么什哪几多少吗呢个一些谁何怎样啥把被让给对从到就都也还要会去来上下中时")
#: Characters either side of a span in which the question's characters are counted (char_prox).
CHAR_WINDOW = 10

#: Administrative suffixes after a place name; the two characters before one are the place's core.
_PLACE = re.compile(r"(?=([\u4e00-\u9fff]{2})(?:省|市|县|区|州|镇|街道))")
#: Characters that cannot be part of a place name (they end or start a phrase instead).
_NOT_PLACE = re.compile(r"[的了在对和与及是等个届轮第委各全本该那这其去到向给从里"
                        r"多少几两每共新老上下前后省市县区镇乡被级]")
#: jieba tags of common words that are not place names (要求县政府 → 要求 is a verb, not a place).
_NOT_PLACE_TAGS = {"v", "vn", "vd", "a", "ad", "an", "d", "p", "c", "r", "m", "q", "u", "b", "f", "t"}
#: A word this frequent in jieba's dictionary and tagged as a verb/adjective/… is not a place (要求).
COMMON_WORD_FREQ = 1000
#: A university, college, group or hospital: the two characters before the suffix and the suffix (语言大学).
_ORG = re.compile(r"([\u4e00-\u9fff]{2}(?:大学|学院|集团|医院))")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


@dataclass
class Answer:
    """An extractive answer with its citations."""

    answer: str
    citations: list[Hit] = field(default_factory=list)
    sentence_hit: int = -1  # index into citations of the passage holding the answer
    start: int = -1  # answer offsets inside that passage's text
    end: int = -1
    short_answer: str = ""  # the asked-for fact itself (郭天保, 41个县, 98.71%), "" when none
    no_answer: bool = False  # True: the corpus holds no clear answer (answer is "")
    answer_type: str = "sentence"  # what the question asks for (count, person, phone+email, …)
    items: list[dict] = field(default_factory=list)  # list answers: {"text", "citation", "start", "end"}
    short_start: int = -1  # short answer offsets inside the cited passage's text
    short_end: int = -1
    #: Probability that ``answer`` holds the asked fact (calibrated out of fold); None without a calibration.
    confidence: float | None = None
    sure: bool = False  # confidence at or above the threshold at which answers were right ≥ 95% of the time
    #: Other answers, best first: {"answer", "short_answer", "citation", "confidence"} (citation: a hit).
    candidates: list[dict] = field(default_factory=list)
    #: Why the answer may be about another inspection than the one asked (问题问的是第五轮，…), "" when none.
    caution: str = ""

    def to_dict(self) -> dict:
        """The CLI's JSON: ``{"answer": ..., "citations": [hits], "short_answer": ..., "no_answer": ...}``."""
        return {
            "answer": self.answer,
            "citations": [h.to_dict() for h in self.citations],
            "answer_citation": self.sentence_hit,
            "answer_span": [self.start, self.end],
            "short_answer": self.short_answer,
            "no_answer": self.no_answer,
            "answer_type": self.answer_type,
            "items": self.items,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "sure": self.sure,
            "candidates": self.candidates,
            "caution": self.caution,
        }


@dataclass
class Candidate:
    """One sentence of a top passage, with its features and its best span of the asked type."""

    rank: int  # passage rank
    start: int  # sentence offsets in the passage text
    end: int
    features: np.ndarray
    spans: list[tuple[int, int]] = field(default_factory=list)  # best typed span per asked type (passage offsets)
    kinds: list[str] = field(default_factory=list)  # the asked type of each span
    doc_ok: bool = True  # the notice matches the places and years the question names
    card: tuple[int, int] | None = None  # the notice card's value for the question, when in this sentence


#: Candidate features the confidence model reads beside the scores: whether the notice reports another
#: inspection (round, term, year) and how much of the question the notice holds.  Chosen out of fold
#: among four input sets (``benchmarks/tune_answer.py``, docs/confidence.md): with them the ``sure``
#: answers cover 0.53 of the answerable questions instead of 0.33 at the same ≥ 95 % precision.
CALIBRATION_FEATURES = ("ord_clash", "doc_cover")


def calibration_inputs(scores: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
    """What the confidence model reads of each open candidate.

    ``scores`` are the learned scorer's scores of one question's open (eligible) candidates and
    ``features`` their feature rows (:data:`FEATURES` order).  Columns: log-odds of the candidate's
    softmax share, its score, whether it is the top one, its margin (top: over the runner-up; others:
    below the top), the :data:`CALIBRATION_FEATURES`, and log of the number of open candidates.
    Without ``features``: the first three columns only (the calibration of earlier weight files).
    """
    z = np.asarray(scores, dtype="float64")
    p = np.exp(z - z.max())
    p /= p.sum()
    p = np.clip(p, 1e-6, 1 - 1e-6)
    base = np.column_stack([np.log(p / (1 - p)), z, (z == z.max()).astype("float64")])
    if features is None:
        return base
    ranked = np.sort(z)[::-1]
    second = ranked[1] if len(ranked) > 1 else ranked[0] - 5.0  # a lone candidate: a clear margin
    margin = np.where(z == z.max(), z - second, z - z.max())
    picked = np.asarray(features, dtype="float64")[:, [FEATURES.index(f) for f in CALIBRATION_FEATURES]]
    return np.column_stack([base, margin, picked, np.full(len(z), math.log(len(z)))])


def confidences(calibration: dict, scores: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
    """Calibrated probability that each open candidate holds the asked fact (``calibration`` from the weights).

    A calibration fitted with the candidate features (``"inputs": "features"``) reads them; an older one
    reads the scores only.
    """
    x = calibration_inputs(scores, features if calibration.get("inputs") == "features" else None)
    return 1 / (1 + np.exp(-(x @ np.asarray(calibration["coef"]) + float(calibration["bias"]))))


def load_scorer(path: Path = WEIGHTS_FILE) -> dict | None:
    """The learned scorer's plain numbers, or None when the file is missing (hand weights are used)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if list(data.get("features", [])) != list(FEATURES):
        return None
    return data


def question_places(question: str) -> list[str]:
    """Cores of the places (海口市委 → 海口), organisations (北京语言大学 → 语言大学) and years a question names."""
    from index.text.jieba_dicts import default_tokenizer, posseg

    pseg = posseg()  # lazy: jieba's tag dictionary is most of a cold ask
    tags, freq = pseg.dt.word_tag_tab, default_tokenizer().FREQ
    matches = list(_PLACE.finditer(question))
    # Word boundaries and tags of the question in context: a place core is whole words (昌平|区委) or the
    # end of one word (张家界|市委 → 家界); a core across a boundary (巡察组|巡|区 → 组巡) is not a name, nor
    # a core that is one word tagged as a verb, pronoun … (进驻|市委, 哪位|县委).
    words = [(w.word, w.flag) for w in pseg.cut(question)] if matches else []  # ~2 ms: only when needed
    starts, word_at, pos = set(), {}, 0
    for word, flag in words:
        starts.add(pos)
        for k in range(pos, pos + len(word)):
            word_at[k] = (pos, pos + len(word), flag)
        pos += len(word)
    starts.add(pos)
    places = []
    for i, match in enumerate(matches):
        core = match.group(1)
        later = matches[i + 1].group(1) if i + 1 < len(matches) and matches[i + 1].start() == match.start() + 1 else ""
        if later and not _NOT_PLACE.search(later):
            continue  # 巡察广州市: 察广+州 overlaps 广州+市; the later one is the place
        a = match.start()
        first, last = word_at.get(a, (a, a + 1, "")), word_at.get(a + 1, (a + 1, a + 2, ""))
        across = first[0] != last[0] and not (a in starts and a + 2 in starts)  # 组|巡, 位|副
        verbish = first == last and first[:2] == (a, a + 2) and first[2] in _NOT_PLACE_TAGS
        common = tags.get(core) in _NOT_PLACE_TAGS and freq.get(core, 0) > COMMON_WORD_FREQ
        if _NOT_PLACE.search(core) or common or across or verbish or core in places:
            continue
        places.append(core)
    places.extend(m for m in _ORG.findall(question) if m not in places and not _NOT_PLACE.search(m[:2])
                  and not re.search("[哪属]", m[:2]))
    places.extend(y for y in _YEAR.findall(question) if y not in places)
    return places


def _haystack(doc: Document) -> str:
    """What a notice says about itself: title, organisation, dates and text (places, rounds, question words)."""
    return f"{doc.title}{doc.org}{doc.date}{doc.signed_date}{doc.text}"


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names ``name``; an organisation the question abbreviates may be named in full.

    Abbreviation keeps the characters of the full name in order before the same suffix (中核集团 for
    中国核工业集团, 北航 style cores of 大学/学院/集团/医院): each of the core's two characters, at most
    three characters apart, then the suffix.
    """
    if name in text:
        return True
    m = re.fullmatch(r"([\u4e00-\u9fff])([\u4e00-\u9fff])(大学|学院|集团|医院)", name)
    if not m:
        return False
    first, second, suffix = m.groups()
    return re.search(rf"{first}[\u4e00-\u9fff]{{0,3}}{second}[\u4e00-\u9fff]{{0,3}}{suffix}", text) is not None


def _named_span(ask: AskType, question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """The name of the asked class in ``text[start:end]`` (哪个巡视组 → 省委第三巡视组), for a named-thing
    question whose sentence has no 《》/“” name: offsets in ``text``, or None.  Of several, the one nearest
    the question's words; one the question states itself is not the answer."""
    if ask.types != ["named"]:
        return None
    sentence = text[start:end]
    found = [(a, b) for a, b in head_spans(question, sentence) if not _stated(sentence[a:b], question)]
    if not found:
        return None
    weights = dict.fromkeys(han_bigrams(question), 1.0)
    a, b = max(found, key=lambda span: _proximity(sentence, span[0], span[1], weights))
    return start + a, start + b


def _stated(span: str, question: str) -> bool:
    """Whether the question itself states the span (“回头看” for 回头看时…叫什么): then it is not the answer."""
    core = span.strip("“”《》\"")
    return len(core) >= 2 and not re.search(r"\d", core) and core in question


def _char_weights(question: str, sentences: list[str]) -> dict[str, float]:
    """Weight of each content character of the question: rarer among the candidate sentences, heavier.

    Paraphrases keep single characters where they change the words (开始搞 / 始于, 考了 / 考试); bigram
    coverage misses those.
    """
    n = len(sentences) or 1
    chars = {c for c in question if "\u4e00" <= c <= "\u9fff" and c not in _FUNCTION_CHARS}
    return {c: math.log(1 + n / (1 + sum(c in t for t in sentences))) for c in chars}


#: A notice ``related`` lists is an item of a 哪些单位… answer when its evidence covers at least this share of
#: the best item's (chosen by k-fold cross-validation on the multi-notice questions: benchmarks/tune_notice_list.py).
EVIDENCE_RATIO = tuned.EVIDENCE_RATIO
#: Notices listed at most (as many as ``related`` shows).
NOTICE_ITEMS = 10


def _unit_name(doc: Document) -> str:
    """The unit a notice is about: the inspected unit, else the issuing organisation, else the title."""
    name = (doc.inspected_unit or doc.org or doc.title).strip()
    return name if len(name) <= 40 else name[:39] + "…"


def _proximity(sentence: str, start: int, end: int, weights: dict[str, float]) -> float:
    """Weighted share of the question's bigrams in the clause holding [start, end) and just before it."""
    left = max(sentence.rfind(c, 0, start) for c in ",，;；:：。") + 1
    right = min([i for i in (sentence.find(c, end) for c in ",，;；。") if i >= 0] or [len(sentence)])
    window = sentence[max(0, min(left, start - 12)):right]
    total = sum(weights.values()) or 1.0
    return sum(w for g, w in weights.items() if g in window) / total


def _measure_match(ask: AskType, sentence: str, start: int, end: int) -> float:
    """How well a count span fits the asked measure word and noun (多少个县 → 41个县)."""
    if not (ask.measure or ask.noun):
        return 0.0
    piece = sentence[start:end]
    score = 0.0
    if ask.measure and piece.endswith(SAME_MEASURE.get(ask.measure, (ask.measure,))):
        score += 0.5
    if ask.noun:
        after = sentence[end:end + len(ask.noun)]
        # the noun may come before the number in its clause (问题…共36个), but not as another count's noun
        # (派出11个巡视组对…33个县: 巡视组 is 11个's)
        previous = max((m.end() for m in SPAN_PATTERNS["count"].finditer(sentence[:start])), default=0)
        if previous and sentence.startswith(ask.noun[:2], previous):
            previous += len(ask.noun)
        before = re.split(r"[,，;；:：。]", sentence[max(0, start - 8, previous):start])[-1]
        common = 0
        while common < min(len(after), len(ask.noun)) and after[common] == ask.noun[common]:
            common += 1
        shared = sum(g in after for g in han_bigrams(ask.noun)) / max(len(han_bigrams(ask.noun)), 1)
        score += 0.5 * max(common / len(ask.noun), shared, float(ask.noun[:2] in before))
    return score


def _role_match(ask: AskType, sentence: str, start: int, end: int) -> float:
    """1 when a person span follows the asked role word (组长刘卒 for 组长是谁; not 副组长 unless asked),
    or is followed by 担任/任 and the role (王宏伟同志担任组长)."""
    if not ask.role:
        return 0.0
    core = ask.role.replace("第一", "").replace("副", "")
    if re.match(rf"(?:同志)?(?:担任|任|为){re.escape(ask.role)}", sentence[end:end + 12]):
        return 1.0
    for m in re.finditer(re.escape(core), sentence):
        if m.end() <= start <= m.end() + 24 and re.fullmatch(r"[\u4e00-\u9fff、]*", sentence[m.end():start] or ""):
            deputy = sentence[max(0, m.start() - 1):m.start()] == "副"
            if deputy == ("副" in ask.role):
                return 1.0 if start == m.end() else 0.5
    return 0.0


def _trim(text: str, start: int, end: int, query_grams: set[str], asks: list[re.Pattern[str]],
          focus: tuple[int, int] | None = None) -> tuple[int, int]:
    """Shorten an over-long sentence to the clauses around its best clause (the one holding ``focus``)."""
    if end - start <= MAX_ANSWER_CHARS:
        return start, end
    clauses = [(start + m.start(), start + m.end()) for m in _CLAUSE.finditer(text[start:end])]

    def clause_score(span: tuple[int, int]) -> float:
        piece = text[span[0]:span[1]]
        return len(query_grams & set(han_bigrams(piece))) + 2.0 * sum(bool(p.search(piece)) for p in asks)

    best = max(range(len(clauses)), key=lambda i: clause_score(clauses[i]))
    if focus is not None:
        best = next((i for i, (a, b) in enumerate(clauses) if a <= focus[0] < b), best)
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

    def __init__(self, searcher: Searcher, passages: int = 5, scorer: dict | bool | None = True) -> None:
        self.searcher = searcher
        self.passages = passages
        #: Passages one notice may fill among ``passages`` (a long notice answers from its 4th passage too).
        self.per_doc = PER_DOC
        self.evidence_ratio = EVIDENCE_RATIO  # benchmarks/tune_notice_list.py sets others
        #: The learned scorer (True: read answer_weights.json; None/False: hand weights).
        self.scorer: dict | None = load_scorer() if scorer is True else (scorer or None)

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

    def candidates(self, question: str, top: int = 5, filters: Filters | None = None
                   ) -> tuple[AskType, list[Hit], list[Candidate]]:
        """What the question asks for, the passages, and every sentence of the top ones with its features.

        Public so that ``benchmarks/tune_answer.py`` can fit the scorer on the same features.
        """
        cleaned = clean_query(question)
        ask = asked_types(cleaned)
        vector = self.searcher.embed_query(cleaned)
        ranked = self.searcher.rank_chunks(cleaned, filters, vector=vector)
        hits = self.searcher.hits(ranked, max(top, self.passages), per_doc=self.per_doc)
        top_hits = hits[: self.passages]
        grams = set(han_bigrams(cleaned))
        sentences = [(rank, s, e) for rank, hit in enumerate(top_hits) for s, e in split_sentences(hit.text)]
        if not sentences:
            return ask, hits, []
        weights = self._weights(grams, [top_hits[r].text[s:e] for r, s, e in sentences])
        asks = [holds for asked, holds in _ASKS if asked.search(cleaned)]
        query_numbers = set(re.findall(r"\d+(?:\.\d+)?", cleaned))
        similarity = self._sentence_similarity(vector, top_hits)
        low, high = float(similarity.min()), float(similarity.max())
        spread = (high - low) or 1.0
        places = question_places(cleaned)
        doc_ok, doc_clash, doc_cover, doc_card = {}, {}, {}, {}
        gram_idf = {g: self._idf(g) for g in grams}
        for hit in top_hits:
            if hit.doc_id not in doc_ok:
                doc = self.searcher.documents[hit.doc_id]
                haystack = _haystack(doc)
                doc_ok[hit.doc_id] = all(mentions(haystack, p) for p in places)
                # another inspection (第五轮 asked, 第六轮 reported) and how much of the question the notice holds
                doc_clash[hit.doc_id] = clash(cleaned, haystack)
                doc_cover[hit.doc_id] = (sum(w for g, w in gram_idf.items() if g in haystack)
                                         / (sum(gram_idf.values()) or 1.0))
                # where the notice card's value for the question lies in the notice (ingest/card.py)
                found = card_answer(cleaned, doc)
                doc_card[hit.doc_id] = (found["start"], found["end"]) if found and found["end"] > found["start"] \
                    else None
        chars = _char_weights(cleaned, [top_hits[r].text[s:e] for r, s, e in sentences])
        char_total = sum(chars.values()) or 1.0
        out = []
        for (rank, s, e), sim in zip(sentences, similarity, strict=True):
            text = top_hits[rank].text
            doc_id, offset = top_hits[rank].doc_id, top_hits[rank].start
            card_at = doc_card[doc_id]  # the card's value in passage offsets, kept when inside this sentence
            card = (card_at[0] - offset, card_at[1] - offset) if card_at else None
            card = card if card and s <= card[0] and card[1] <= e else None
            sentence = text[s:e]
            local = {g: w * (TITLE_TERM_WEIGHT if g in top_hits[rank].title else 1.0) for g, w in weights.items()}
            cover = sum(w for g, w in local.items() if g in sentence) / (sum(local.values()) or 1.0)
            holds = sum(_holds_new(p, sentence, query_numbers) for p in asks) / max(len(asks), 1)
            best_spans, kinds, has, prox, fit, quoted = [], [], 0.0, 0.0, 0.0, 0.0
            for kind in ask.types:
                found = [(a, b) for a, b in find_spans(kind, sentence)
                         if not (set(re.findall(r"\d+", sentence[a:b])) and
                                 set(re.findall(r"\d+", sentence[a:b])) <= query_numbers)
                         and not _stated(sentence[a:b], cleaned)]
                if not found:
                    continue
                if kind in STRICT or kind == "address":
                    has += 1.0 / len(ask.types)
                else:
                    quoted = 1.0
                scored = [(_proximity(sentence, a, b, local) + self._fit(ask, kind, sentence, a, b)
                           + self._shape(ask, kind, sentence[a:b]), a, b) for a, b in found]
                _, a, b = max(scored)
                best_spans.append((s + a, s + b))
                kinds.append(kind)
                prox = max(prox, _proximity(sentence, a, b, local))
                fit = max(fit, self._fit(ask, kind, sentence, a, b))
            char_cover = sum(w for c, w in chars.items() if c in sentence) / char_total
            char_prox = 0.0
            if best_spans:  # the question's characters right around the span (开始 → 始于2016年底)
                a, b = best_spans[0][0] - s, best_spans[0][1] - s
                around = sentence[max(0, a - CHAR_WINDOW):a] + sentence[b:b + CHAR_WINDOW]
                char_prox = sum(w for c, w in chars.items() if c in around) / char_total
            features = np.array([cover, (float(sim) - low) / spread, 1.0 / (rank + 1), holds, has, prox, fit,
                                 float(doc_ok[top_hits[rank].doc_id]), float(len(sentence) <= 14),
                                 float(sim) - high, quoted, char_cover, char_prox,
                                 doc_clash[doc_id], doc_cover[doc_id],
                                 float(card is not None and not doc_clash[doc_id])],
                                dtype="float64")
            out.append(Candidate(rank=rank, start=s, end=e, features=features, spans=best_spans, kinds=kinds,
                                 doc_ok=doc_ok[doc_id], card=card))
        return ask, hits, out

    @staticmethod
    def _card_span(ask: AskType, candidate: Candidate, text: str) -> tuple[int, int] | None:
        """The notice card's value for the question (``card_answer``: 反馈问题60个 for 一共反馈了多少个问题, the
        feedback date for 哪天反馈) when it lies in the candidate's sentence: offsets in its passage.

        Only the short answer: the sentence was chosen by the scorer, and the card, extracted at ingest with
        its span, names the asked value inside it better than a span of the asked type would (the group count
        三个 or the inspection period in the same sentence) — unless that span lies inside the card's value
        (郭天保 in the card's 市委常委、宣传部部长郭天保: the name is the finer answer)."""
        card = candidate.card
        if card is None or len(ask.types) > 1 or any(t in LIST_TYPES for t in ask.types):
            return None
        if any(card[0] <= c and d <= card[1] for c, d in candidate.spans):
            return None
        if ask.date_form and not Answerer._shape(ask, "date", text[card[0]:card[1]]):
            return None  # 哪天 asked, the card's value is the inspection period (or the other way round)
        # the card's bare figure (36) inside the typed span that states it (8个方面36个问题): the span says more
        return next(((c, d) for c, d in candidate.spans if c <= card[0] and card[1] <= d), card)

    @staticmethod
    def _fit(ask: AskType, kind: str, sentence: str, start: int, end: int) -> float:
        """How well a span fits the question's form: measure word and noun of a count, role of a person."""
        if kind in ("count", "money", "duration"):
            return _measure_match(ask, sentence, start, end)
        if kind == "person":
            return _role_match(ask, sentence, start, end)
        if kind == "list_units" and ask.noun:  # 哪两所小学: the share of enumerated items naming a 小学
            items = re.split(r"[、和及与]", sentence[start:end])
            return sum(ask.noun[-2:] in item for item in items) / len(items)
        return 0.0

    @staticmethod
    def _shape(ask: AskType, kind: str, piece: str) -> float:
        """1 when a date span has the asked shape (哪天: one day, 起止: a period), else 0.  Only chooses among
        the spans of one sentence: the shape of a date says nothing of whether the sentence answers."""
        if kind != "date" or not ask.date_form:
            return 0.0
        is_range = bool(re.search(RANGE_MARK, piece))
        return float(is_range if ask.date_form == "range" else not is_range and bool(re.search(r"[日号]", piece)))

    @staticmethod
    def eligible(ask: AskType, candidate: Candidate) -> bool:
        """Whether a candidate may answer: its notice matches the question, and a strict type has its span."""
        strict = bool(ask.types) and all(t in STRICT for t in ask.types)
        return candidate.doc_ok and not (strict and not candidate.spans)

    def score(self, candidates: list[Candidate]) -> np.ndarray:
        """Score of each candidate: the learned scorer's log-odds, or the hand weights when it is missing."""
        if not candidates:
            return np.zeros(0)
        x = np.vstack([c.features for c in candidates])
        if self.scorer is None:
            f = {name: x[:, i] for i, name in enumerate(FEATURES)}
            return (f["cover"] + WEIGHTS["holds"] * f["holds"] + WEIGHTS["rank"] * f["rank"] +
                    WEIGHTS["dense"] * f["dense"])
        z = (x - np.asarray(self.scorer["mean"])) / np.asarray(self.scorer["scale"])
        return z @ np.asarray(self.scorer["coef"]) + float(self.scorer["bias"])

    def ask(self, question: str, top: int = 5, filters: Filters | None = None) -> Answer:
        """Answer ``question``: the short answer, the sentence holding it, citations — or not found."""
        if asked_types(clean_query(question)).types == ["list_notices"]:
            return self.notice_list(question, filters)
        ask, hits, candidates = self.candidates(question, top, filters)
        if not hits:
            return Answer(answer="", citations=[], no_answer=True, answer_type=ask.name)
        citations = hits[:top]
        if not candidates:
            return Answer(answer="", citations=citations, no_answer=True, answer_type=ask.name)
        scores = self.score(candidates)
        open_scores = np.where([self.eligible(ask, c) for c in candidates], scores, -np.inf)
        best = int(np.argmax(open_scores))
        chosen = candidates[best]
        threshold = float(self.scorer["threshold"]) if self.scorer else -math.inf
        if not np.isfinite(open_scores[best]) or open_scores[best] < threshold:
            return Answer(answer="", citations=citations, no_answer=True, answer_type=ask.name)
        hit = hits[chosen.rank]
        cleaned = clean_query(question)
        asks = [holds for asked, holds in _ASKS if asked.search(cleaned)]
        focus = chosen.spans[0] if chosen.spans else None
        s, e = _trim(hit.text, chosen.start, chosen.end, set(han_bigrams(cleaned)), asks, focus)
        if chosen.rank >= len(citations):
            citations = [*citations, hit]
        index = citations.index(hit)
        short = "、".join(hit.text[a:b] for a, b in chosen.spans)
        card = self._card_span(ask, chosen, hit.text)
        named = None if chosen.spans or card else _named_span(ask, cleaned, hit.text, chosen.start, chosen.end)
        if card or named:
            short = hit.text[(card or named)[0]:(card or named)[1]]
        marked = card or focus or named
        answer = Answer(answer=hit.text[s:e], citations=citations, sentence_hit=index, start=s, end=e,
                        short_answer=short, answer_type=ask.name,
                        short_start=marked[0] if marked else -1, short_end=marked[1] if marked else -1)
        if len(ask.types) > 1:
            answer.items = self._parts(ask, hits, citations, candidates, open_scores, chosen)
            answer.short_answer = "；".join(item["text"] for item in answer.items) or answer.short_answer
        if any(t in LIST_TYPES for t in ask.types):
            answer.items = self._items(ask, hits, citations, candidates, scores, chosen)
            if answer.items and "list_units" in ask.types:
                answer.short_answer = "；".join(item["text"] for item in answer.items)
            elif answer.items:
                answer.short_answer = ""  # the items are the answer; a quoted name in one sentence is not
        # Bytes lost in scraping: a damaged run is never shown as a short answer or a list item; the
        # sentence holding it (marked in its passage) still is, so the reader sees the original words.
        answer.items = [item for item in answer.items if not is_damaged(item["text"])]
        if answer.short_answer and is_damaged(answer.short_answer):
            answer.short_answer, answer.short_start, answer.short_end = "", -1, -1
        self._calibrate(answer, hits, candidates, open_scores, best, cleaned, asks, ask)
        if chosen.features[FEATURES.index("ord_clash")] > 0:
            doc = self.searcher.documents[hit.doc_id]
            answer.caution = clash_note(cleaned, _haystack(doc))
        return answer

    def _calibrate(self, answer: Answer, hits: list[Hit], candidates: list[Candidate], open_scores: np.ndarray,
                   best: int, cleaned: str, asks: list[re.Pattern[str]], ask: AskType) -> None:
        """Set the answer's calibrated ``confidence``, ``sure`` and up to MAX_CANDIDATES alternatives."""
        calibration = (self.scorer or {}).get("calibration")
        if not calibration:
            return
        open_idx = np.flatnonzero(np.isfinite(open_scores))
        rows = np.vstack([candidates[i].features for i in open_idx])
        probs = dict(zip(open_idx.tolist(), confidences(calibration, open_scores[open_idx], rows).tolist(),
                         strict=True))
        answer.confidence = float(probs[best])
        answer.sure = answer.confidence >= float(calibration.get("sure", 1.0))
        if answer.sure and "分别" in cleaned and not answer.items and "、" not in answer.short_answer:
            answer.sure = False  # 组长分别是谁: several asked, one found — the notice may name fewer than asked
        chosen = candidates[best]
        seen = {hits[chosen.rank].text[chosen.start:chosen.end]}
        grams = set(han_bigrams(cleaned))
        for i in sorted(open_idx.tolist(), key=lambda j: -open_scores[j]):
            if len(answer.candidates) >= MAX_CANDIDATES:
                break
            cand, hit = candidates[i], hits[candidates[i].rank]
            sentence = hit.text[cand.start:cand.end]
            if i == best or sentence in seen or is_damaged(sentence):
                continue
            seen.add(sentence)
            s, e = _trim(hit.text, cand.start, cand.end, grams, asks, cand.spans[0] if cand.spans else None)
            short = "、".join(hit.text[a:b] for a, b in cand.spans)
            card = self._card_span(ask, cand, hit.text)
            named = None if cand.spans or card else _named_span(ask, cleaned, hit.text, cand.start, cand.end)
            short = hit.text[(card or named)[0]:(card or named)[1]] if card or named else short
            answer.candidates.append({"answer": hit.text[s:e], "short_answer": "" if is_damaged(short) else short,
                                      "citation": hit.to_dict(), "answer_span": [s, e],
                                      "confidence": round(float(probs[i]), 4)})

    def notice_list(self, question: str, filters: Filters | None = None) -> Answer:
        """哪些单位被指出… / 哪些巡察…: one item per notice listed by the cross-notice ranking, each with its evidence.

        The notices are :func:`index.analysis.related.related_with_more`' listed ones (the ranking, its cut and
        the evidence rule chosen by cross-validation on the multi-notice questions): each carries the sentence
        that states the topic (:mod:`index.analysis.evidence`), cited and offset in its passage.  A notice that
        does not mention a place or organisation the question names is left out, and so is one whose evidence
        covers under ``evidence_ratio`` × the best notice's cover.  No notice left: not found.
        """
        from index.analysis.related import related_with_more

        places = question_places(clean_query(question))
        listed, _ = related_with_more(self.searcher, question, top=NOTICE_ITEMS, filters=filters)
        listed = [e for e in listed if all(mentions(_haystack(self.searcher.documents[e["doc_id"]]), p)
                                           for p in places)]
        top_cover = max((e["evidence"]["cover"] for e in listed), default=0.0)
        citations: list[Hit] = []
        items: list[dict] = []
        for entry in listed:
            evidence = entry["evidence"]
            if evidence["cover"] < self.evidence_ratio * top_cover or is_damaged(evidence["sentence"]):
                continue
            doc = self.searcher.documents[entry["doc_id"]]
            hit = self.searcher.make_hit(self.searcher.chunks[evidence["chunk_id"]], entry["score"])
            citations.append(hit)
            a, b = evidence["start"], evidence["end"]
            item = {"text": _unit_name(doc), "sentence": hit.text[a:b][:MAX_ANSWER_CHARS],
                    "citation": len(citations) - 1, "doc_id": doc.doc_id, "start": a, "end": b,
                    "relevance": entry["relevance"], "terms": evidence["terms"]}
            # 整改得怎样: the rectification measures of the finding holding the evidence, and the notice's
            # stated completion counts — both the notice's own words and figures, "" when it has none.
            finding = next((f for f in doc.findings if hit.finding and f.label == hit.finding), None)
            item["measures"] = shorten(finding.measures, MAX_ANSWER_CHARS) if finding else ""
            item["progress"] = figures_text(doc.figures or {})
            items.append(item)
        if not items:
            return Answer(answer="", citations=citations, no_answer=True, answer_type="list_notices")
        first = items[0]
        return Answer(answer=first["sentence"], citations=citations, sentence_hit=first["citation"],
                      start=first["start"], end=first["end"], short_answer="；".join(i["text"] for i in items),
                      answer_type="list_notices", items=items)

    def _parts(self, ask: AskType, hits: list[Hit], citations: list[Hit], candidates: list[Candidate],
               scores: np.ndarray, chosen: Candidate) -> list[dict]:
        """A two-part question (电话和邮箱): the best span of each asked type in the chosen notice, each cited."""
        doc_id = hits[chosen.rank].doc_id
        items = []
        for kind in ask.types:
            options = [(scores[i], c) for i, c in enumerate(candidates)
                       if kind in c.kinds and hits[c.rank].doc_id == doc_id and np.isfinite(scores[i])]
            if not options:
                continue
            _, c = max(options, key=lambda pair: pair[0])
            hit = hits[c.rank]
            if hit not in citations:
                citations.append(hit)
            a, b = c.spans[c.kinds.index(kind)]
            items.append({"text": hit.text[a:b], "type": kind, "citation": citations.index(hit), "start": a, "end": b})
        return items

    def _items(self, ask: AskType, hits: list[Hit], citations: list[Hit], candidates: list[Candidate],
               scores: np.ndarray, chosen: Candidate) -> list[dict]:
        """A list answer: the units enumerated in the best sentence, or the best problem sentences over notices."""
        items: list[dict] = []
        hit = hits[chosen.rank]
        if "list_units" in ask.types:
            sentence = hit.text[chosen.start:chosen.end]
            # items split on 、和及与, but 及所辖/及其/及下属 qualifies its item (云龙乡及所辖村 is one unit)
            for m in re.finditer(r"(?:[^、，,；;。和及与]|及(?=所辖|其|下属))+", sentence):
                piece = re.split(r"等\d*|等[一二三四五六七八九十]", m.group(0).strip())[0]
                lead = re.match(r"^(?:对|向|在|到|由|是|去了|包括|分别是|有)", piece)
                start = m.start() + (len(lead.group(0)) if lead else 0)
                piece = piece[len(lead.group(0)):] if lead else piece
                joined = (m.start() > 0 and sentence[m.start() - 1] in "、和及与") or (
                    m.end() < len(sentence) and sentence[m.end()] == "、")
                if 2 <= len(piece) <= 30 and joined:
                    items.append({"text": piece, "citation": citations.index(hit),
                                  "start": chosen.start + start, "end": chosen.start + start + len(piece)})
            return items[:MAX_ITEMS]
        # Problems: the numbered findings (problem statements parsed at ingest) of the cited notices that
        # match the question, each citing its notice's passage; without findings, the best sentences.
        for h in citations:
            doc = self.searcher.documents[h.doc_id]
            if not any(c.doc_ok for c in candidates if hits[c.rank].doc_id == h.doc_id):
                continue
            if any(item["doc_id"] == h.doc_id for item in items):
                continue
            for finding in doc.findings:
                text = (finding.problem or finding.heading).strip()
                if text:
                    items.append({"text": text[:MAX_ANSWER_CHARS], "citation": citations.index(h),
                                  "doc_id": h.doc_id, "label": finding.label, "start": -1, "end": -1})
            if items:
                break  # the best-matching notice's own list
        if items:
            return items[:MAX_ITEMS]
        per_doc: dict[str, int] = {}
        for i in np.argsort(-scores):
            c = candidates[int(i)]
            h = hits[c.rank]
            if not c.doc_ok or c.features[FEATURES.index("short")] or per_doc.get(h.doc_id, 0) >= 2:
                continue
            if h not in citations:
                continue
            per_doc[h.doc_id] = per_doc.get(h.doc_id, 0) + 1
            items.append({"text": h.text[c.start:c.end], "citation": citations.index(h), "doc_id": h.doc_id,
                          "start": c.start, "end": c.end})
            if len(items) >= MAX_ITEMS // 2:
                break
        return items
