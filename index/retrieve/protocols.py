"""The reading side of a backend: what search, answer, related and themes need of an open index.

Implemented by :class:`index.retrieve.searcher.Searcher` (the folder: FAISS + BM25 in memory) and
:class:`index.retrieve.milvus_search.MilvusSearcher` (ranked by Milvus); open either with
:func:`index.retrieve.backend.open_backend`.  ``tests/test_backend_conformance.py`` runs the same checks
on both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from index.encode.encoder import Embedder
    from index.filters import Filters
    from index.records import Chunk, Document
    from index.retrieve.fusion import Fusion
    from index.retrieve.searcher import Hit, Timings
    from index.store.folder import IndexData


@runtime_checkable
class KeywordStats(Protocol):
    """What the answerer reads of the keyword index for idf: the folder's BM25 index or Milvus's token counts."""

    vocab: dict[str, int]
    size: int

    def document_frequency(self, token_id: int) -> int:
        """Number of chunks holding the token."""
        ...


@runtime_checkable
class SearchBackend(Protocol):
    """An open index: its data, its keyword statistics, hybrid ranking and hits."""

    #: The index folder, or the Milvus URI.
    root: Path | str
    #: Everything stored (documents, chunks, vectors, manifest); Milvus fetches sentence vectors on demand.
    data: IndexData
    keyword: KeywordStats
    fusion: Fusion
    #: Where the time of the last query went.
    timings: Timings

    @property
    def documents(self) -> dict[str, Document]:
        """Documents by id."""
        ...

    @property
    def chunks(self) -> list[Chunk]:
        """All chunks; the position is the chunk id."""
        ...

    @property
    def embedder(self) -> Embedder:
        """The model the index was built with."""
        ...

    def embed_query(self, query: str) -> np.ndarray:
        """The vector of a cleaned query."""
        ...

    def rank_chunks(self, query: str, filters: Filters | None = None,
                    vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Fused (chunk id, score) pairs, best first, for a cleaned query."""
        ...

    def chunk_rankings(self, query: str, filters: Filters | None,
                       vector: np.ndarray | None) -> tuple[list[int], list[int]]:
        """The keyword and the vector chunk rankings apart (chunk ids, best first)."""
        ...

    def search(self, query: str, top: int = 10, per_doc: int = 3, filters: Filters | None = None) -> list[Hit]:
        """Passages answering ``query``, best first, at most ``per_doc`` per document."""
        ...

    def hits(self, ranked: list[tuple[int, float]], top: int, per_doc: int) -> list[Hit]:
        """Fused (chunk id, score) pairs as hits, capped per document."""
        ...

    def make_hit(self, chunk: Chunk, score: float) -> Hit:
        """A hit for one chunk with its document's metadata."""
        ...

    def clear_cache(self) -> None:
        """Forget cached query vectors."""
        ...
