"""Themes: the same problem found again and again across notices.

The units are every numbered finding of the index and, for the notices
without findings, the problem items read from their text
(:func:`index.analysis.findings.corpus_problem_units`) — on the shared corpus 30
findings and about 150 items from 50 feedback and rectification notices.
Each is represented by its problem statement's vector (stored at ingest for
findings, embedded at command time for items and cached in the process), then grouped by average-linkage agglomerative
clustering on cosine distance (:func:`scipy.cluster.hierarchy.linkage`),
cut where the average similarity inside a group would drop below
``THRESHOLD``.

A group is labelled with its most central member's statement (shortened) and
with keywords: jieba words (precise mode, the domain terms of
:mod:`index.text.tokenize` kept whole) scored by
how many members use them times their inverse document frequency over all
units, so words every problem statement uses (``不到位``, ``落实``) sink.

Groups are sorted by the number of notices they span, then members.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from index import tuned
from index.text.tokenize import STOPWORDS, _segmenter

from .findings import NoFindings, Unit, corpus_problem_units, embed_units, index_data, shorten

#: Average cosine similarity inside a group at least this (chosen by reading the groups: index/tuned.py).
THRESHOLD = tuned.THEME_THRESHOLD
#: Keywords shown per group.
KEYWORDS = 5
#: Label length.
LABEL_CHARS = 30
#: Words that every problem statement uses: never keywords.
GENERIC_WORDS = frozenset((
    "问题", "存在", "到位", "不到位", "不够", "不足", "不严", "严格", "落实", "工作", "有待", "方面", "进一步", "提高",
    "提升", "加强", "差距", "短板", "薄弱", "不力", "规范", "不规范", "执行", "履行", "发挥", "充分", "不充分", "缺乏",
    "有效", "情况", "一些", "部分", "不深", "不实", "不细", "不强", "不高", "不严肃", "建设", "欠缺", "还有", "得到",
    "重视", "依然", "仍然", "深入", "扎实", "不扎实", "作用", "责任", "开展", "推进", "有的", "个别", "不够到位",
))


def themes(searcher: Any, min_notices: int = 2, threshold: float = THRESHOLD, min_members: int = 2) -> list[dict]:
    """Groups of similar findings and problem items across notices, most notices first.

    ``searcher`` is a Searcher or an IndexData (the model is the index's).
    Each group: ``theme`` (1-based rank), ``label``, ``keywords``,
    ``count_members``, ``count_notices``, ``count_orgs``, ``years``
    (``{"2020": 2, ...}``: notices per year of publication), ``doc_ids``,
    ``orgs`` and ``members`` (``doc_id``, ``title``, ``org``, ``year``,
    ``unit``, ``ref``, ``label``, ``section``, ``heading``, ``text``).
    Only groups of at least ``min_members`` members from at least
    ``min_notices`` notices are returned.

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
    idf = _idf([_terms(u) for u in units])
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
    years = Counter(str(d.year) for d in notices if d.year)
    return {
        "theme": 0,
        "label": shorten(members[centre].problem_text, LABEL_CHARS),
        "keywords": keywords(members, idf),
        "count_members": len(members),
        "count_notices": len(doc_ids),
        "count_orgs": len(orgs),
        "years": dict(sorted(years.items())),
        "doc_ids": doc_ids,
        "orgs": orgs,
        "members": [_member(u, d) for u, d in zip(members, docs, strict=True)],
    }


def _member(unit: Unit, doc: Any) -> dict:
    """A group member as shown in a table."""
    return {"doc_id": unit.doc_id, "title": doc.title, "org": doc.org, "year": doc.year, "unit": unit.kind,
            "ref": unit.ref, "label": unit.label, "section": unit.section, "heading": unit.problem_text,
            "text": shorten(unit.text, 120)}


def keywords(members: list[Unit], idf: dict[str, float], count: int = KEYWORDS) -> list[str]:
    """The words that mark a group: share of members using them × inverse document frequency."""
    df = Counter(t for u in members for t in _terms(u))
    scored = sorted(df, key=lambda t: (-(df[t] / len(members)) * idf.get(t, 1.0), -len(t), t))
    chosen: list[str] = []
    for term in scored:
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) >= count:
            break
    return chosen


def _terms(unit: Unit) -> set[str]:
    """Distinct content words of a unit's problem statement."""
    segmenter = _segmenter(None)
    return {w for w in segmenter.lcut(unit.problem_text)
            if len(w) >= 2 and not w.isdigit() and w not in GENERIC_WORDS and w not in STOPWORDS}


def _idf(term_sets: list[set[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each term over the units."""
    df = Counter(t for terms in term_sets for t in terms)
    n = len(term_sets)
    return {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
