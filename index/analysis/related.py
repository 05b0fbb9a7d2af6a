"""Cross-reference: which notices deal with the same thing, one entry per document.

The input is free text (a question, a problem statement, a passage) or a
reference: ``DOC_ID:LABEL`` names a finding (its problem statement is the
query, its own notice is left out), a bare ``DOC_ID`` a whole notice (its
title and stated problems are the query).

Documents are ranked by three document-level rankings fused by reciprocal
rank (weight / (``DOC_RRF_K`` + rank)), each document placed by its *best*
item in that ranking:

1. **Keyword.**  The BM25 chunk ranking (:class:`index.store.keyword.KeywordIndex`),
   a document placed by its best passage (weight 1).
2. **Passage vectors.**  The e5 chunk ranking, likewise (``PASSAGE_WEIGHT``).
3. **Findings.**  The query vector against the index's finding vectors
   (problem statements, embedded at ingest), a document placed by its best
   finding (``FINDING_WEIGHT``).  Query-to-finding similarities of e5 are
   compressed (everything in this genre scores 0.83–0.92), so only findings
   at least ``FINDING_MARGIN`` above the median finding count.

The best item, not a sum over a document's passages: a sum favours long
notices with many middling passages.  Fusing *document* ranks rather than
taking each document's best *fused passage* matters for topics a notice
states once among unrelated text (机动巡视, 扶贫, 形式主义): the keyword
ranking finds that passage, while the passage vector, diluted by the rest of
the passage, ranks it low and pulled its fused passage score under notices
that are only near the topic (multi Recall@10 0.953 → 0.981, out of
fold, README "Search and ask"; weights chosen by k-fold cross-validation,
``benchmarks/tune_related_cut.py``).  The vector and finding rankings keep a
weight (≥ 0.1 and ≥ 0.25 in the grid) although the keyword ranking alone
scores about as well on the dev questions (0.988): they find a notice that states the
topic in other words, and they are what a finding reference relies on.

Free text adds rankings of its own: a keyword ranking per instance it names (``ALTERNATIVE_WEIGHT``), and,
when it names a province or a level of inspection (湖北, 省委…巡视), the candidates that name that
province's places or such an inspecting body, most first (``PLACE_WEIGHT``, ``LEVEL_WEIGHT``).

The fusion's first ``CANDIDATES`` notices are then judged (:mod:`index.analysis.judge`, a logistic
regression learned on the labelled multi questions): its probability orders them, is each entry's
``confidence``, and decides which are listed and their 相关程度.

Each result lists its best matches: findings (label, heading, measures)
where a finding matches, passages (section, text) otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index import tuned
from index.filters import Filters
from index.records import Document, Finding
from index.retrieve.fusion import ranked, reciprocal_rank_fusion
from index.retrieve.searcher import Searcher
from index.text.levels import asked_levels
from index.text.places import asked_provinces
from index.text.query import MAX_QUERY_CHARS, alternatives, clean_query, drop_exclusions

from .evidence import evidence, topic_grams, topic_words
from .findings import (
    MEASURES_CHARS,
    TEXT_CHARS,
    get_finding,
    index_data,
    parse_ref,
    passage_unit,
    problem_units,
    shorten,
)
from .judge import CANDIDATES, features, load_judge

#: Weights of the passage-vector and finding rankings beside the keyword ranking (weight 1), and the
#: reciprocal-rank constant of the document fusion (chosen by k-fold cross-validation on the multi-notice
#: questions: benchmarks/tune_related_cut.py).
PASSAGE_WEIGHT = tuned.PASSAGE_WEIGHT
FINDING_WEIGHT = tuned.FINDING_WEIGHT
DOC_RRF_K = tuned.DOC_RRF_K
#: Weight of each keyword ranking of an instance the query names (:func:`index.text.query.alternatives`).
ALTERNATIVE_WEIGHT = tuned.ALTERNATIVE_WEIGHT
#: Weights of the place and level rankings (a question naming a province or a level of inspection).
PLACE_WEIGHT = tuned.PLACE_WEIGHT
LEVEL_WEIGHT = tuned.LEVEL_WEIGHT
#: A finding counts when its similarity is this far above the median finding's.
FINDING_MARGIN = 0.03
#: Matches listed per document.
MATCHES = 3
#: Question scaffolding that says "list notices", not what about (哪些…材料/报道/通报 有哪些?).
_SCAFFOLD = re.compile(r"有哪些|是哪些|哪些|哪几次|哪几|材料|报道|通报|信息|相关|方面的|提到|讲到|[?？]")


@dataclass
class RelatedQuery:
    """What :func:`related` searches for: the text, and the notice to leave out."""

    text: str
    exclude: str = ""  # doc id of a referenced finding or notice
    ref: str = ""  # DOC_ID:LABEL or DOC_ID as given, "" for free text


def resolve_query(searcher: Searcher, text_or_ref: str) -> RelatedQuery:
    """Free text as is; ``DOC_ID:LABEL`` → the finding's problem statement; ``DOC_ID`` → the notice's problems.

    Raises NotFound for a reference to a missing document or label.
    """
    data = index_data(searcher)
    ref = parse_ref(data, text_or_ref or "")
    if ref is None:
        return RelatedQuery(text=text_or_ref)
    doc_id, label = ref
    if label:
        finding = get_finding(data, doc_id, label)
        parts = [finding.heading, finding.problem if finding.problem not in finding.heading else ""]
        return RelatedQuery(text="。".join(p for p in parts if p), exclude=doc_id, ref=f"{doc_id}:{label}")
    return RelatedQuery(text=_document_query(searcher, data.documents[doc_id]), exclude=doc_id, ref=doc_id)


def _document_query(searcher: Searcher, doc: Document) -> str:
    """A notice as a query: its title and the problems it states (or its first passage)."""
    _, units = problem_units(searcher.data, doc.doc_id)
    body = "。".join(u.problem_text for u in units)
    if not body:
        body = next((c.text for c in searcher.chunks if c.doc_id == doc.doc_id), "")
    return f"{doc.title}。{body}"[:MAX_QUERY_CHARS]


def related(searcher: Searcher, text_or_ref: str, top: int = 10, filters: Filters | None = None,
            cut: bool = True) -> list[dict]:
    """Notices most related to ``text_or_ref``, best first, one entry per document.

    The fusion's first ``CANDIDATES`` notices are judged (:mod:`index.analysis.judge`: a learned probability
    that the notice raises the topic, ``confidence``) and ordered by it.  With ``cut`` only the *listed*
    notices (:func:`related_with_more`): a probability at or above the judge's threshold and a sentence
    holding the topic's words (its ``evidence``), so a topic held by three notices lists three, not
    ``top``.  Without ``cut``: the ``top`` of the judged order (Recall@10 measures it).

    Each entry: ``doc_id, title, org, date, kind, url, score, matches, evidence, confidence, relevance,
    listed`` where ``score`` is the fused rank score, a match is ``{"label", "heading", "text", "measures",
    "similarity"}`` for a finding or ``{"section", "heading", "text", "similarity"}`` for a passage,
    ``evidence`` the sentence that states the topic (``chunk_id, section, label, passage, start, end,
    sentence, terms, cover, grams``; None when no sentence holds a topic word), ``confidence`` the judge's
    probability, ``relevance`` 高/中/低 (the judge's thresholds, chosen out of fold) and ``listed``
    (relevance 高 or 中).  A referenced finding's or notice's own document is left out.
    """
    if not cut:
        return _entries(searcher, text_or_ref, top, filters)
    return related_with_more(searcher, text_or_ref, top, filters)[0]


def related_with_more(searcher: Searcher, text_or_ref: str, top: int = 10,
                      filters: Filters | None = None) -> tuple[list[dict], list[dict]]:
    """(listed notices, the others of the top ``top`` whose evidence holds a topic word: 另有 N 篇可能相关).

    A notice with no sentence holding a topic word is in neither.
    """
    entries = [e for e in _entries(searcher, text_or_ref, top, filters) if e["evidence"] is not None]
    return [e for e in entries if e["listed"]], [e for e in entries if not e["listed"]]


def _entries(searcher: Searcher, text_or_ref: str, top: int, filters: Filters | None) -> list[dict]:
    """The top ``top`` entries in the judge's order with evidence, confidence, 相关程度 and whether listed.

    The fusion's first ``CANDIDATES`` notices are judged (:mod:`index.analysis.judge`); the judge's
    probability orders them (ties keep the fused order) and decides which are listed.
    """
    cleaned, exclude = related_query_text(searcher, text_or_ref)
    vector = searcher.embed_query(cleaned)
    rankings, passages = document_rankings(searcher, cleaned, vector, filters, exclude)
    scores = fuse_rankings(rankings)
    candidates = sorted(scores, key=lambda d: -scores[d])[:max(top, CANDIDATES)]
    grams, phrases = topic_grams(searcher, cleaned), topic_words(searcher, cleaned)
    found = [evidence(searcher, doc_id, grams, [chunk_id for chunk_id, _ in passages.get(doc_id, [])], phrases)
             for doc_id in candidates]
    judge = load_judge()
    probability = judge.probabilities(features(rankings, scores, candidates, found, grams))
    order = sorted(range(len(candidates)), key=lambda i: -probability[i])[:top]
    findings = rankings["finding"]
    entries = []
    for i in order:
        doc_id = candidates[i]
        entry = _entry(searcher, doc_id, scores[doc_id], passages.get(doc_id, []), findings.get(doc_id, []), vector)
        entry["evidence"] = found[i].to_dict(searcher.chunks[found[i].chunk_id]) if found[i] else None
        entry["confidence"] = round(float(probability[i]), 4)
        # 低: under the judge's threshold or no sentence holds a topic word (另有 N 篇可能相关 / not shown)
        entry["relevance"] = judge.relevance(float(probability[i]), found[i])
        entry["listed"] = entry["relevance"] != "低"
        entries.append(entry)
    return entries


def related_query_text(searcher: Searcher, text_or_ref: str) -> tuple[str, str]:
    """The cleaned text :func:`related` searches for (scaffolding removed from free text) and the excluded doc id."""
    query = resolve_query(searcher, text_or_ref)
    cleaned = clean_query(query.text)
    if not query.ref:  # free text: search for the topic, not for "which notices" nor for what does not count
        cleaned = _SCAFFOLD.sub("", drop_exclusions(cleaned)).strip() or cleaned
    return cleaned, query.exclude


def related_documents(searcher: Searcher, text: str, k: int = 10, cut: bool = False) -> list[str]:
    """Document ids most related to ``text``, best first (one per document); used by ``evaluate``.

    Uncut by default: multi Recall@10 measures the ranking; the cut list is measured apart.
    """
    return [entry["doc_id"] for entry in related(searcher, text, top=k, cut=cut)]


# --------------------------------------------------------------------------
# Rankings
# --------------------------------------------------------------------------


def document_rankings(searcher: Searcher, cleaned: str, vector: np.ndarray, filters: Filters | None = None,
                      exclude: str = "") -> tuple[dict[str, dict[str, list]], dict[str, list[tuple[int, float]]]]:
    """The three document rankings of ``cleaned`` and each document's passages.

    Returns ``({"keyword": …, "passage": …, "finding": …}, passages)``: each ranking maps doc id →
    its items (chunk ids, or (finding row, similarity) pairs), best first, the dicts in the order of
    each document's best item; ``passages`` maps doc id → (chunk id, fused score) pairs, best
    first (the chunk-level hybrid fusion, for listing matches).
    """
    keyword_ids, dense_ids = searcher.chunk_rankings(cleaned, filters, vector)
    fusion = searcher.fusion
    fused = reciprocal_rank_fusion(((fusion.keyword_weight, keyword_ids), (fusion.dense_weight, dense_ids)),
                                   fusion.rrf_k)
    passages: dict[str, list[tuple[int, float]]] = {}
    for chunk_id, score in ranked(fused):
        doc_id = searcher.chunks[chunk_id].doc_id
        if doc_id != exclude:
            passages.setdefault(doc_id, []).append((chunk_id, score))
    rankings = {"keyword": _by_document(searcher, keyword_ids, exclude),
                "passage": _by_document(searcher, dense_ids, exclude),
                "finding": _finding_ranking(searcher, vector, filters, exclude)}
    # the instances a question names (“蝇贪”, 比如…、…): a notice that states one of them is about the topic,
    # though it shares few of the whole question's words — a keyword ranking of each, fused with the others.
    # Not for a reference (``exclude`` set): a notice's or finding's own text names no instances.
    for number, phrase in enumerate([] if exclude else alternatives(cleaned), 1):
        rankings[f"alternative {number}"] = _by_document(searcher, searcher.chunk_rankings(phrase, filters, None)[0],
                                                         exclude)
    # a question asking for one province's material (湖北省委巡视的材料, 内蒙古 …) or one level of inspection
    # (省委巡视组对高校…): the candidates that name its places (宜城市 is in 湖北: a notice of 宜城市委 never
    # writes 湖北) or its inspecting bodies (省委第十巡视组), most first
    asked = {} if exclude else {"place": ("province", asked_provinces(cleaned)),
                                "level": ("level", asked_levels(cleaned))}
    candidates = list(dict.fromkeys(doc_id for ranking in rankings.values() for doc_id in ranking)) \
        if any(values for _, values in asked.values()) else []
    for name, (facet, values) in asked.items():
        if values:
            counts = {doc_id: sum(searcher.facets(doc_id)[facet][v] for v in values) for doc_id in candidates}
            rankings[name] = {doc_id: [] for doc_id in sorted((d for d in candidates if counts[d]),
                                                                key=lambda d: -counts[d])}
    return rankings, passages


def fuse_rankings(rankings: dict[str, dict[str, list]], passage_weight: float | None = None,
                  finding_weight: float | None = None, k: float | None = None,
                  alternative_weight: float | None = None, place_weight: float | None = None,
                  level_weight: float | None = None) -> dict[str, float]:
    """Document scores: weighted reciprocal ranks of each document in the keyword, passage, finding,
    alternatives', place and level rankings.

    The weights default to the module's (``PASSAGE_WEIGHT``, ``FINDING_WEIGHT``, ``DOC_RRF_K``,
    ``ALTERNATIVE_WEIGHT``); the tuning script passes others.
    """
    weights = {"keyword": 1.0, "passage": PASSAGE_WEIGHT if passage_weight is None else passage_weight,
               "finding": FINDING_WEIGHT if finding_weight is None else finding_weight,
               "place": PLACE_WEIGHT if place_weight is None else place_weight,
               "level": LEVEL_WEIGHT if level_weight is None else level_weight}
    other = ALTERNATIVE_WEIGHT if alternative_weight is None else alternative_weight
    k = DOC_RRF_K if k is None else k
    # each ranking is a dict in the order of each document's best item; the rest are the query's alternatives
    return reciprocal_rank_fusion(((weights.get(name, other), ranking) for name, ranking in rankings.items()), k)


def _by_document(searcher: Searcher, chunk_ids: list[int], exclude: str) -> dict[str, list[int]]:
    """doc id → its chunk ids in ``chunk_ids`` order; documents in order of their first (best) chunk."""
    per_doc: dict[str, list[int]] = {}
    for chunk_id in chunk_ids:
        doc_id = searcher.chunks[chunk_id].doc_id
        if doc_id != exclude:
            per_doc.setdefault(doc_id, []).append(chunk_id)
    return per_doc


def _finding_ranking(searcher: Searcher, vector: np.ndarray, filters: Filters | None,
                     exclude: str) -> dict[str, list[tuple[int, float]]]:
    """doc id → its (finding row, similarity) pairs that stand out, best first; documents in order of their best."""
    data = searcher.data
    if data.finding_vectors is None or not len(data.finding_vectors):
        return {}
    sims = data.finding_vectors @ vector.astype("float32")
    floor = float(np.median(sims)) + FINDING_MARGIN
    per_doc: dict[str, list[tuple[int, float]]] = {}
    for row in np.argsort(-sims):
        doc_id = data.finding_keys[row][0]
        if sims[row] < floor:
            break
        if doc_id == exclude or not _accepts(filters, data.documents[doc_id]):
            continue
        per_doc.setdefault(doc_id, []).append((int(row), float(sims[row])))
    return per_doc


def _accepts(filters: Filters | None, doc: Document) -> bool:
    """True when no filter is active or ``doc`` passes them."""
    return filters is None or not filters.active or filters.accepts(doc)


# --------------------------------------------------------------------------
# Result entries
# --------------------------------------------------------------------------


def _entry(searcher: Searcher, doc_id: str, score: float, passages: list[tuple[int, float]],
           findings: list[tuple[int, float]], vector: np.ndarray) -> dict:
    """One document of the result with its best matches."""
    doc = searcher.documents[doc_id]
    return {"doc_id": doc.doc_id, "title": doc.title, "org": doc.org, "date": doc.date or doc.signed_date,
            "kind": doc.kind, "url": doc.url, "score": round(float(score), 6),
            "matches": _matches(searcher, doc, passages, findings, vector)}


def _matches(searcher: Searcher, doc: Document, passages: list[tuple[int, float]],
             findings: list[tuple[int, float]], vector: np.ndarray) -> list[dict]:
    """The document's best findings and passages (a passage inside a listed finding is not repeated)."""
    by_label = {f.label: f for f in doc.findings}
    out: list[dict] = []
    labels: set[str] = set()
    for row, sim in findings:
        label = searcher.data.finding_keys[row][1]
        if label in by_label and label not in labels:
            labels.add(label)
            out.append(_finding_match(by_label[label], sim))
    chunk_vectors = searcher.data.chunk_vectors
    for chunk_id, _ in passages:
        chunk = searcher.chunks[chunk_id]
        sim = float(chunk_vectors[chunk_id] @ vector) if chunk_vectors is not None else 0.0
        if chunk.finding in by_label:
            if chunk.finding not in labels:
                labels.add(chunk.finding)
                out.append(_finding_match(by_label[chunk.finding], sim))
        else:
            unit = passage_unit(chunk)
            out.append({"section": chunk.section, "heading": chunk.section.rsplit(" > ", 1)[-1] or unit.heading,
                        "text": shorten(chunk.text, TEXT_CHARS), "similarity": round(sim, 4)})
        if len(out) >= MATCHES:
            break
    return out[:MATCHES]


def _finding_match(finding: Finding, similarity: float) -> dict:
    """A match naming a finding."""
    return {"label": finding.label, "heading": finding.heading,
            "text": shorten(finding.problem or finding.text, TEXT_CHARS),
            "measures": shorten(finding.measures, MEASURES_CHARS), "similarity": round(similarity, 4)}
