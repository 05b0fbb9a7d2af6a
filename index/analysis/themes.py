"""Themes: the same problem found again and again across notices.

The units are every numbered finding of the index and, for the notices
without findings, the problem items read from their text
(:func:`index.analysis.findings.corpus_problem_units`) — on the shared corpus 30
findings and about 150 items from 50 feedback and rectification notices.
Each is represented by its problem statement's vector (stored at ingest for
findings, embedded at command time for items and cached in the process), then grouped by average-linkage agglomerative
clustering on cosine distance (:func:`scipy.cluster.hierarchy.linkage`),
cut where the average similarity inside a group would drop below
``THRESHOLD`` (chosen by 5-fold cross-validation against the development
multi-notice questions as labelled topics: ``benchmarks/bench_themes.py``, index/tuned.py).

A group is labelled with its most typical member's statement, whole (the
medoid: the member most similar on average to the others), in the notice's
own characters (``label_shown``).  Its keywords are content words: the words
of the members' statements (jieba, the domain terms of :mod:`index.text.tokenize`
kept whole) whose part of speech (:mod:`jieba.posseg`) is a noun, verb, verbal
noun or set phrase, scored by the share of members using them times their
inverse document frequency over the notices of the index — words every
notice uses (``问题``, ``落实``) score nothing.

Each notice concerns a place or unit (:func:`notice_place`): its inspected
unit, else the unit its title names (``…向姜南社区反馈``), else its issuer,
else the first place name (jieba ``ns``) of its title and opening.  A group
counts its notices and these places.

Every member carries the sentence that states its problem (``evidence``, in
the notice's own characters) with the statement's span in it
(``evidence_mark``).

Groups are sorted by the number of notices they span, then members.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np

from index import tuned
from index.shown import restore, shown_map
from index.text.tokenize import DOMAIN_TERMS, STOPWORDS, _segmenter

from .findings import NoFindings, Unit, corpus_problem_units, embed_units, index_data, shorten

#: Average cosine similarity inside a group at least this (chosen by cross-validation: index/tuned.py).
THRESHOLD = tuned.THEME_THRESHOLD
#: Keywords shown per group.
KEYWORDS = 5
#: Parts of speech (jieba.posseg tags, by prefix) of content words: nouns, verbs, verbal nouns, idioms, set phrases.
CONTENT_TAGS = ("n", "v", "i", "l")
#: Tags under those prefixes that are not content words: 副动词, 形式动词 (进行), 趋向/是.
NOT_CONTENT_TAGS = frozenset(("vd", "vf", "vx", "vshi", "vyou", "vq"))
#: Evidence sentences longer than this are shown as a window of about this many characters around the statement.
EVIDENCE_CHARS = 160
#: Characters of a notice's text read for its place when the title and metadata name none.
PLACE_HEAD = 300


def themes(searcher: Any, min_notices: int = 2, threshold: float = THRESHOLD, min_members: int = 2) -> list[dict]:
    """Groups of similar findings and problem items across notices, most notices first.

    ``searcher`` is a Searcher or an IndexData (the model is the index's).
    Each group: ``theme`` (1-based rank), ``label`` (the medoid's statement,
    whole) and ``label_shown`` (the same in the notice's characters),
    ``keywords``, ``count_members``, ``count_notices``, ``count_orgs``
    (issuers recorded), ``count_places`` (places/units the notices concern,
    :func:`notice_place`), ``years`` (``{"2020": 2, ...}``: notices per year
    of publication), ``doc_ids``, ``orgs``, ``places`` and ``members``
    (``doc_id``, ``title``, ``org``, ``place``, ``year``, ``unit``, ``ref``,
    ``label``, ``section``, ``heading``, ``heading_shown``, ``text``,
    ``evidence``, ``evidence_mark``).  Only groups of at least
    ``min_members`` members from at least ``min_notices`` notices are returned.

    Raises NoFindings when the index states no problems at all (an index of
    announcements only).
    """
    data = index_data(searcher)
    units = corpus_problem_units(data)
    if len(units) < 2:
        kinds = Counter(d.kind for d in data.documents.values())
        raise NoFindings(f"the index holds no findings or problem statements to group ({len(data.documents)} "
                         f"documents: {dict(kinds)}); themes need rectification or feedback notices")
    vectors = embed_units(searcher, units)
    groups = [g for g in cluster(vectors, threshold) if len(g) >= min_members]
    idf = corpus_idf(data)
    out = [_group(data, [units[i] for i in g], vectors[g], idf) for g in groups]
    out = [g for g in out if g["count_notices"] >= min_notices]
    out.sort(key=lambda g: (-g["count_notices"], -g["count_members"], g["label"]))
    for rank, group in enumerate(out, 1):
        group["theme"] = rank
    return out


def cluster(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Row groups of average-linkage clustering cut at cosine similarity ``threshold`` (largest first)."""
    if len(vectors) < 2:
        return [[i] for i in range(len(vectors))]
    from scipy.cluster.hierarchy import fcluster, linkage  # here: scipy.cluster is slow to import

    tree = linkage(vectors.astype("float64"), method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(int(label), []).append(row)
    return sorted(groups.values(), key=len, reverse=True)


def _group(data: Any, members: list[Unit], vectors: np.ndarray, idf: dict[str, float]) -> dict:
    """The dict of one group."""
    centre = int(np.argmax((vectors @ vectors.T).mean(axis=1)))
    docs = [data.documents[u.doc_id] for u in members]
    doc_ids = list(dict.fromkeys(d.doc_id for d in docs))
    notices = [data.documents[d] for d in doc_ids]
    orgs = list(dict.fromkeys(d.org for d in notices if d.org))
    places = list(dict.fromkeys(p for p in (notice_place(d) for d in notices) if p))
    years = Counter(str(d.year) for d in notices if d.year)
    medoid = members[centre]
    return {
        "theme": 0,
        "label": medoid.problem_text,
        "label_shown": restore(docs[centre], medoid.problem_text, max(medoid.start - 40, 0)),
        "keywords": keywords(members, idf),
        "count_members": len(members),
        "count_notices": len(doc_ids),
        "count_orgs": len(orgs),
        "count_places": len(places),
        "years": dict(sorted(years.items())),
        "doc_ids": doc_ids,
        "orgs": orgs,
        "places": places,
        "members": [_member(u, d) for u, d in zip(members, docs, strict=True)],
    }


def _member(unit: Unit, doc: Any) -> dict:
    """A group member as shown in a table, with the sentence that states its problem."""
    evidence, mark = evidence_sentence(doc, unit)
    return {"doc_id": unit.doc_id, "title": doc.title, "org": doc.org, "place": notice_place(doc), "year": doc.year,
            "unit": unit.kind, "ref": unit.ref, "label": unit.label, "section": unit.section,
            "heading": unit.problem_text, "heading_shown": restore(doc, unit.problem_text, max(unit.start - 40, 0)),
            "text": shorten(unit.text, 120), "evidence": evidence, "evidence_mark": mark}


_SENTENCE_END = "。！？!?;；\n"


def evidence_sentence(doc: Any, unit: Unit) -> tuple[str, list[int]]:
    """The sentence of ``doc`` stating ``unit``'s problem, in the notice's characters, and the statement's span in it.

    The statement is looked up in the indexed text from a little before the
    unit's offset (a finding's problem may sit anywhere in its text); when it
    is not found verbatim the unit's own sentence is returned with an empty
    span ``[0, 0]``.
    """
    text = doc.text
    statement = unit.problem_text
    pos = text.find(statement, max(unit.start - 40, 0)) if statement else -1
    if pos < 0:
        pos = text.find(statement) if statement else -1
    found = pos >= 0
    if not found:  # the sentence around the unit's offset, nothing marked
        pos = max(0, min(len(text), unit.start))
    end = pos + len(statement) if found else pos
    start = max((text.rfind(ch, 0, pos) for ch in _SENTENCE_END), default=-1) + 1
    stops = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    stop = min(stops) + 1 if stops else len(text)
    while start < pos and text[start].isspace():
        start += 1
    mapping = shown_map(doc)
    base = mapping.offset(start)
    sentence = mapping.span(start, stop).strip()
    lead = len(mapping.span(start, stop)) - len(mapping.span(start, stop).lstrip())
    mark = [mapping.offset(pos) - base - lead, mapping.offset(end - 1) + 1 - base - lead] if found else [0, 0]
    return _window(sentence, mark)


def _window(sentence: str, mark: list[int]) -> tuple[str, list[int]]:
    """A sentence longer than ``EVIDENCE_CHARS`` cut to a window around its mark (``…`` where cut)."""
    if len(sentence) <= EVIDENCE_CHARS:
        return sentence, mark
    room = max(0, EVIDENCE_CHARS - (mark[1] - mark[0])) // 2
    left = max(0, mark[0] - room)
    right = min(len(sentence), max(mark[1] + room, left + EVIDENCE_CHARS))
    head = "…" if left > 0 else ""
    tail = "…" if right < len(sentence) else ""
    return head + sentence[left:right] + tail, [mark[0] - left + len(head), mark[1] - left + len(head)]


# --------------------------------------------------------------------------
# The place or unit a notice concerns
# --------------------------------------------------------------------------

#: ``…向X反馈`` / ``…巡察X情况`` / ``…对X开展巡察`` in a title: X is the unit.
_TITLE_UNIT = re.compile(
    r"(?:向|巡[察视](?![组办])|对)(?P<unit>[\u4e00-\u9fff（）()]{2,24}?)(?:党组织|领导班子)?(?:情况)?(?:反馈|开展|进行|进驻|整改)"
)
_NOT_UNIT = re.compile(
    r"^(?:全[市县区省]|各|所属|部分|[市县区省]直|[一二三四五六七八九十两\d])|巡[察视]|反馈|工作|情况"
)
#: Administrative words that make a place name a place (海东 + 市, 籍山镇).
_ADMIN = ("省", "市", "县", "区", "镇", "乡", "村", "州", "盟", "旗", "街道", "社区")
#: jieba tags of a one-character word that starts a place name it cut short (籍 ``ng`` + 山镇).
_NAME_START_FLAGS = frozenset({"n", "ng", "nr", "nrt", "nz", "ns", "j"})


def notice_place(doc: Any) -> str:
    """The place or unit a notice concerns: inspected unit, title's unit, issuer or first place name; '' if none."""
    cached = doc.__dict__.get("_theme_place")
    if cached is not None:
        return cached
    place = doc.inspected_unit or ""
    if not place:
        m = _TITLE_UNIT.search(doc.title or "")
        if m and not _NOT_UNIT.search(m.group("unit")):
            place = m.group("unit")
    place = place or doc.org or _first_place_name(doc.title, strict=False) or _first_place_name(
        doc.text[:PLACE_HEAD], strict=True)
    doc.__dict__["_theme_place"] = place
    return place


def _first_place_name(text: str, strict: bool) -> str:
    """The first place name (jieba tag ``ns``) of ``text`` with the administrative word after it.

    ``strict``: only a name that ends with, or is followed by, an administrative word (海东市, 籍山镇)
    counts — running text names countries and capitals (中国, 北京) in passing.
    """
    from index.text.jieba_dicts import posseg

    words = list(posseg().cut(text))
    for i, pair in enumerate(words):
        if pair.flag != "ns" or len(pair.word) < 2:
            continue
        name = pair.word
        before = words[i - 1] if i else None
        # jieba cuts an unknown name short (召开|籍|山镇): a one-character noun right before it is its start
        if before is not None and len(before.word) == 1 and before.flag in _NAME_START_FLAGS:
            name = before.word + name
        after = words[i + 1].word if i + 1 < len(words) else ""
        if after in _ADMIN:
            return name + after
        if after[:1] in _ADMIN and not name.endswith(_ADMIN):  # 海东|市县 → 海东市, 蚌埠|市委 → 蚌埠市
            return name + after[0]
        if not strict or name.endswith(_ADMIN):
            return name
    return ""


# --------------------------------------------------------------------------
# Keywords: content words, by their spread over the notices
# --------------------------------------------------------------------------


def keywords(members: list[Unit], idf: dict[str, float], count: int = KEYWORDS) -> list[str]:
    """The words that mark a group: share of members using them × their weight (:func:`corpus_idf`)."""
    df = Counter(t for u in members for t in _terms(u))
    weight = {t: (df[t] / len(members)) * idf.get(t, 0.0) for t in df}
    scored = sorted((t for t in df if weight[t] > 0), key=lambda t: (-weight[t], -len(t), t))
    chosen: list[str] = []
    for term in scored:
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) >= count:
            break
    return chosen


def is_content_word(word: str) -> bool:
    """Whether ``word`` is a content word: a domain term, or a noun, verb, verbal noun, idiom or set phrase."""
    if word in DOMAIN_TERMS:
        return True
    return _tag(word).startswith(CONTENT_TAGS) and _tag(word) not in NOT_CONTENT_TAGS


def _tag(word: str) -> str:
    """jieba's part of speech of ``word``: its dictionary tag, else the tag of its one-token cut ('x' otherwise)."""
    from index.text.jieba_dicts import posseg

    pseg = posseg()
    tag = pseg.dt.word_tag_tab.get(word)
    if tag is None:
        cut = list(pseg.cut(word, HMM=False))
        tag = cut[0].flag if len(cut) == 1 else "x"
    return tag


def _terms(unit: Unit) -> set[str]:
    """Distinct content words of a unit's problem statement."""
    segmenter = _segmenter(None)
    return {w for w in segmenter.lcut(unit.problem_text)
            if len(w) >= 2 and not w.isdigit() and w not in STOPWORDS and is_content_word(w)}


def corpus_idf(data: Any) -> dict[str, float]:
    """Weight of each content word of the index's problem statements: its rarity among them and among the notices.

    ``log(U / u) × log(N / n)``: U statements of which u use the word, N notices of which n contain it —
    words every statement uses (``到位``, ``不够``) and words every notice uses (``问题``) weigh little or
    nothing.  Cached per index data.
    """
    cached = data.__dict__.get("_theme_idf")
    if cached is not None:
        return cached
    term_sets = [_terms(u) for u in corpus_problem_units(data)]
    in_units = Counter(t for terms in term_sets for t in terms)
    texts = [d.text for d in data.documents.values()]
    n = len(texts)
    idf = {t: math.log(len(term_sets) / c) * math.log(n / max(1, sum(t in x for x in texts)))
           for t, c in in_units.items()}
    data.__dict__["_theme_idf"] = idf
    return idf
