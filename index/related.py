"""Cross-reference: which notices deal with the same thing, one entry per document.

:func:`related_documents` ranks documents for a text (question, finding, or
passage) by fusing the chunk ranking of the hybrid search and keeping each
document's best passages.
"""

from __future__ import annotations

from .query import clean_query
from .search import Searcher


def related_documents(searcher: Searcher, text: str, k: int = 10) -> list[str]:
    """Document ids most related to ``text``, best first (one per document)."""
    ranked = searcher.rank_chunks(clean_query(text))
    best: dict[str, float] = {}
    for chunk_id, score in ranked:
        doc_id = searcher.chunks[chunk_id].doc_id
        best[doc_id] = best.get(doc_id, 0.0) + score if doc_id in best else score
    return sorted(best, key=lambda d: -best[d])[:k]
