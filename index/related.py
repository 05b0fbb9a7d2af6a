"""Cross-reference: which notices deal with the same thing, one entry per document.

The input is free text (a question, a problem statement, a passage) or a
reference: ``DOC_ID:LABEL`` names a finding (its problem statement is the
query, its own notice is left out), a bare ``DOC_ID`` a whole notice (its
title and stated problems are the query).

Documents are ranked by two signals, fused like the search fuses keyword and
vector rankings (reciprocal rank, :class:`index.search.Fusion`):

1. **Passages.**  The hybrid chunk ranking (:meth:`Searcher.rank_chunks`),
   each document scored by its *best* passage.  The best passage, not the
   sum: a sum favours long notices with many middling passages (multi
   Recall@10 0.84 on the shared eval set), the best passage finds the
   notices that state the thing once (0.98, README "Search quality").
2. **Findings.**  The query vector against the index's finding vectors
   (problem statements, embedded at ingest); a document's best finding
   adds ``FINDING_WEIGHT / (k + rank)``.  Query-to-finding similarities of
   e5 are compressed (everything in this genre scores 0.83–0.92), so only
   findings at least ``FINDING_MARGIN`` above the median finding count.

Each result lists its best matches: findings (label, heading, measures)
where a finding matches, passages (section, text) otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.records import Document, Finding

from .filters import Filters
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
from .query import MAX_QUERY_CHARS, clean_query
from .search import Searcher

#: Weight of the finding ranking beside the passage ranking (weight 1).
FINDING_WEIGHT = 0.5
#: A finding counts when its similarity is this far above the median finding's.
FINDING_MARGIN = 0.03
#: Matches listed per document.
MATCHES = 3
#: The list is cut after the last document scoring at least this share of the best one's score
#: (chosen by k-fold cross-validation on the multi-notice questions: benchmarks/tune_related_cut.py).
CUT_RATIO = 0.4
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

    With ``cut`` the list ends where relevance drops: documents scoring under
    ``CUT_RATIO`` × the best score are left out, so a topic held by three
    notices lists three, not ``top``.

    Each entry: ``doc_id, title, org, date, kind, url, score, matches`` where
    a match is ``{"label", "heading", "text", "measures", "similarity"}`` for
    a finding or ``{"section", "heading", "text", "similarity"}`` for a
    passage.  A referenced finding's or notice's own document is left out.
    """
    query = resolve_query(searcher, text_or_ref)
    cleaned = clean_query(query.text)
    if not query.ref:  # free text: search for the topic, not for "which notices"
        cleaned = _SCAFFOLD.sub("", cleaned).strip() or cleaned
    vector = searcher.embed_query(cleaned)
    passages = _passage_ranking(searcher, cleaned, vector, filters, query.exclude)
    findings = _finding_ranking(searcher, vector, filters, query.exclude)
    scores = _fuse(searcher, passages, findings)
    ranked = sorted(scores, key=lambda d: -scores[d])[:top]
    if cut and ranked:
        ranked = [d for d in ranked if scores[d] >= CUT_RATIO * scores[ranked[0]]]
    return [_entry(searcher, doc_id, scores[doc_id], passages.get(doc_id, []), findings.get(doc_id, []), vector)
            for doc_id in ranked]


def related_documents(searcher: Searcher, text: str, k: int = 10, cut: bool = False) -> list[str]:
    """Document ids most related to ``text``, best first (one per document); used by ``evaluate``.

    Uncut by default: multi Recall@10 measures the ranking; the cut list is measured apart.
    """
    return [entry["doc_id"] for entry in related(searcher, text, top=k, cut=cut)]


# --------------------------------------------------------------------------
# Rankings
# --------------------------------------------------------------------------


def _passage_ranking(searcher: Searcher, cleaned: str, vector: np.ndarray, filters: Filters | None,
                     exclude: str) -> dict[str, list[tuple[int, float]]]:
    """doc id → its (chunk id, fused score) pairs, best first; documents in order of their best passage."""
    per_doc: dict[str, list[tuple[int, float]]] = {}
    for chunk_id, score in searcher.rank_chunks(cleaned, filters, vector):
        doc_id = searcher.chunks[chunk_id].doc_id
        if doc_id != exclude:
            per_doc.setdefault(doc_id, []).append((chunk_id, score))
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


def _fuse(searcher: Searcher, passages: dict[str, list[tuple[int, float]]],
          findings: dict[str, list[tuple[int, float]]]) -> dict[str, float]:
    """Document scores: best passage score plus a reciprocal-rank term for the best finding."""
    scores = {doc_id: pairs[0][1] for doc_id, pairs in passages.items()}
    k = searcher.fusion.rrf_k
    for rank, doc_id in enumerate(findings):  # dicts keep the order of each document's best finding
        scores[doc_id] = scores.get(doc_id, 0.0) + FINDING_WEIGHT / (k + rank + 1)
    return scores


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
