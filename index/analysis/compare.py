"""Compare two notices: which problems they share, and which only one states.

The problems of each notice are aligned one-to-one (Hungarian assignment,
:func:`scipy.optimize.linear_sum_assignment`, maximising the total cosine
similarity); a pair below the threshold is no pair, and both of its sides
go to ``only_a`` / ``only_b``.

What is aligned (``unit``):

``finding``
    Both notices state problems (at least two each, or on request): their numbered findings, or for a notice
    without them the problem items read from its text
    (:func:`index.analysis.findings.problem_items` — feedback news lists problems
    inline).  ``unit_a`` / ``unit_b`` tell which.  Each problem is embedded
    by its statement alone (``落实意识形态工作责任制不到位``), not with its
    measures.
``passage``
    Otherwise (or on request): the passages (chunks) of both notices,
    embedded by their text alone — the stored chunk vectors also hold the
    title, which makes every passage of one notice alike and every pair
    across two notices look unrelated.

Thresholds, chosen by reading the pairs of the real corpus (the seed's 26
findings against the problem items of every feedback notice, and passages of
notices known to belong together):

* ``finding`` **0.96**.  At 0.96 and above the pairs read as the same
  problem: 0.988 落实中央八项规定精神整改不到位 ↔ 落实中央八项规定精神不够到位,
  0.985 党内政治生活不够严肃 ↔ 党内政治生活不严肃, 0.962 执行财经纪律不严格 ↔
  财务管理不规范.  Between 0.95 and 0.96 about half are wrong (0.959
  干部队伍结构不合理 ↔ 组织建设薄弱, 0.953 干部队伍结构不合理 ↔ 工作作风不实不细),
  below 0.95 nearly all are: any two statements of this genre
  (``…不到位``, ``…不严格``) reach 0.93.
* ``passage`` **0.935**.  Above it: two Shandong mobilisation meetings'
  openings (0.960) and round plans (0.941), the opening paragraphs of
  Anhui's and Hubei's rectification notices (0.947), the seed's leading
  group ↔ 定西安定区's (0.942); just below it pairs only share the genre's
  boilerplate (0.931 a finding's measures ↔ a notice's opening).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from index import tuned
from index.errors import NotFound

from .findings import Unit, document_passages, embed_units, get_document, index_data, problem_units

FINDING_THRESHOLD = tuned.FINDING_THRESHOLD  # where the values came from: index/tuned.py
PASSAGE_THRESHOLD = tuned.PASSAGE_THRESHOLD
#: ``auto`` aligns problems only when both notices state at least this many; a notice
#: stating fewer is an excerpt cut off before its problem list, its passages say more.
MIN_PROBLEMS = 2
UNITS = ("auto", "finding", "passage")


def compare(source: Any, doc_a: str, doc_b: str, unit: str = "auto", threshold: float | None = None) -> dict:
    """Align the problems (or passages) of ``doc_a`` and ``doc_b``.

    ``source`` is a Searcher or an IndexData.  ``unit``: ``auto`` (findings
    or problem items when both notices state some, else passages),
    ``finding`` or ``passage``.  ``threshold`` overrides the unit's default.

    Returns ``{"doc_a", "doc_b"`` (document summaries), ``"unit"`` (finding |
    passage), ``"unit_a"``, ``"unit_b"`` (finding | item | passage),
    ``"threshold"``, ``"pairs": [{"a", "b", "similarity"}]`` (in the order of
    ``doc_a``), ``"only_a"``, ``"only_b"}``; the unit dicts come from
    :meth:`index.analysis.findings.Unit.to_dict`.
    """
    if unit not in UNITS:
        raise ValueError(f"比对单位必须是 {UNITS} 之一，而不是 {unit!r}")
    data = index_data(source)
    docs = [get_document(data, doc_a), get_document(data, doc_b)]
    mode, (kind_a, units_a), (kind_b, units_b) = _units(data, doc_a, doc_b, unit)
    limit = threshold if threshold is not None else (FINDING_THRESHOLD if mode == "finding" else PASSAGE_THRESHOLD)
    sim = _similarity(source, units_a, units_b)
    pairs, rest_a, rest_b = align(sim, limit)
    return {
        "doc_a": document_summary(docs[0]),
        "doc_b": document_summary(docs[1]),
        "unit": mode,
        "unit_a": kind_a,
        "unit_b": kind_b,
        "threshold": limit,
        "pairs": [{"a": units_a[i].to_dict(), "b": units_b[j].to_dict(), "similarity": round(s, 4)}
                  for i, j, s in pairs],
        "only_a": [units_a[i].to_dict() for i in rest_a],
        "only_b": [units_b[j].to_dict() for j in rest_b],
    }


def align(sim: np.ndarray, threshold: float) -> tuple[list[tuple[int, int, float]], list[int], list[int]]:
    """One-to-one pairs ``(i, j, similarity)`` at or above ``threshold`` (by ``i``); rows and columns left unpaired."""
    if sim.size == 0:
        return [], list(range(sim.shape[0])), list(range(sim.shape[1]))
    from scipy.optimize import linear_sum_assignment  # scipy is slow to import: only compare needs it

    rows, cols = linear_sum_assignment(-sim)
    pairs = sorted((int(i), int(j), float(sim[i, j])) for i, j in zip(rows, cols, strict=True)
                   if sim[i, j] >= threshold)
    paired_a = {i for i, _, _ in pairs}
    paired_b = {j for _, j, _ in pairs}
    return (pairs, [i for i in range(sim.shape[0]) if i not in paired_a],
            [j for j in range(sim.shape[1]) if j not in paired_b])


def document_summary(doc: Any) -> dict:
    """The fields of a document a comparison or a list shows."""
    return {"doc_id": doc.doc_id, "title": doc.title, "org": doc.org, "date": doc.date or doc.signed_date,
            "kind": doc.kind, "url": doc.url, "findings": len(doc.findings)}


def _units(data: Any, doc_a: str, doc_b: str, unit: str) -> tuple[str, tuple[str, list[Unit]], tuple[str, list[Unit]]]:
    """The comparison's unit and each side's (kind, units)."""
    if unit != "passage":
        side_a, side_b = problem_units(data, doc_a), problem_units(data, doc_b)
        if unit == "finding" and side_a[1] and side_b[1]:
            return "finding", side_a, side_b
        if len(side_a[1]) >= MIN_PROBLEMS and len(side_b[1]) >= MIN_PROBLEMS:
            return "finding", side_a, side_b
        if unit == "finding":
            empty = doc_a if not side_a[1] else doc_b
            raise NotFound(f"通报 {empty!r} 没有列出可以比对的问题；请改为按段落比对（--unit passage）")
    return "passage", ("passage", document_passages(data, doc_a)), ("passage", document_passages(data, doc_b))


def _similarity(source: Any, units_a: list[Unit], units_b: list[Unit]) -> np.ndarray:
    """Cosine similarities (vectors are normalised) of the two sides' units."""
    if not units_a or not units_b:
        return np.zeros((len(units_a), len(units_b)), dtype="float32")
    vectors = embed_units(source, units_a + units_b)
    return vectors[: len(units_a)] @ vectors[len(units_a):].T
