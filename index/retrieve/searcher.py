"""Hybrid retrieval: BM25 keyword scores and e5 vectors, fused by rank.

Both indexes are loaded once (:class:`Searcher`); a query is cleaned like the
documents, scored by each, and the two rankings are fused with weighted
reciprocal rank fusion (weights and constant chosen on the shared eval set —
see README "Search quality").  Results are passages with their document, at
most ``per_doc`` per document so one long notice cannot crowd out the rest.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.config import DEFAULT_INDEX_DIR
from index.encode.encoder import get_embedder
from index.filters import Filters
from index.records import Chunk, Document
from index.retrieve.fusion import Fusion, ranked, reciprocal_rank_fusion
from index.store import folder as store
from index.store.keyword import KeywordIndex
from index.text.abbreviation import candidates, expansions
from index.text.levels import level_mentions
from index.text.places import province_mentions
from index.text.query import clean_query
from index.text.tokenize import is_word, segment

QUERY_CACHE_SIZE = 64
#: At most this many full names of one abbreviation are searched with it (the most frequent).
MAX_FULL_NAMES = 3


@dataclass
class Hit:
    """One passage returned by a search, with its document."""

    doc_id: str
    title: str
    url: str
    org: str
    date: str
    kind: str
    section: str
    text: str
    score: float
    finding: str = ""
    chunk_id: int = -1
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict:
        """JSON-serialisable dict (the CLI's hit object)."""
        return asdict(self)


@dataclass
class Timings:
    """Where the time of the last query went, in milliseconds."""

    embed: float = 0.0
    keyword: float = 0.0
    vector: float = 0.0
    fusion: float = 0.0
    extra: dict = field(default_factory=dict)


class Searcher:
    """An open index: documents, chunks, keyword and vector indexes, the model."""

    def __init__(self, root: Path | str = DEFAULT_INDEX_DIR, model: str | None = None,
                 fusion: Fusion | None = None) -> None:
        self.data, self.keyword = self._open(root, model)
        self.fusion = fusion or Fusion()
        self.doc_ids = list(self.data.documents)
        if self.data.chunk_doc is not None:  # saved at write time: no pass over every chunk at open
            self.chunk_doc = self.data.chunk_doc
        else:
            position = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}
            self.chunk_doc = np.array([position[c.doc_id] for c in self.data.chunks], dtype=np.int64)
        self.timings = Timings()
        self._query_vectors: dict[str, np.ndarray] = {}
        self._full_names: dict[str, list[str]] = {}
        self._facets: dict[str, dict[str, Counter[str]]] = {}
        self._text = ""

    def _open(self, root: Path | str, model: str | None) -> tuple[store.IndexData, KeywordIndex]:
        """Read the index (the folder's live generation) and its keyword statistics; sets ``root``.

        The one step a backend does its own way (:class:`index.retrieve.milvus_search.MilvusSearcher` reads
        Milvus); everything after it in ``__init__`` is shared.
        """
        self.root = Path(root)
        data = store.load(self.root, model=model)
        gen = data.path
        assert gen is not None
        return data, KeywordIndex.load(gen / store.KEYWORD_DIR, userdict=str(gen / store.USERDICT))

    # -- access -------------------------------------------------------------------------
    @property
    def documents(self) -> dict[str, Document]:
        """Documents by id."""
        return self.data.documents

    @property
    def chunks(self) -> list[Chunk]:
        """All chunks; the position is the chunk id and the vector row."""
        return self.data.chunks

    @property
    def embedder(self):  # -> index.encode.encoder.Embedder
        """The model the index was built with (loaded once per process)."""
        return get_embedder(self.data.config)

    def embed_query(self, query: str) -> np.ndarray:
        """Vector of a cleaned query (the last few are cached: the page asks and searches the same query)."""
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.embedder.encode_queries([query])[0]
            self._query_vectors[query] = vector
            if len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.pop(next(iter(self._query_vectors)))
        return vector

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks time cold queries)."""
        self._query_vectors.clear()

    # -- search -------------------------------------------------------------------------
    def allowed_chunks(self, filters: Filters | None) -> np.ndarray | None:
        """Chunk ids that pass ``filters`` (None when nothing is filtered)."""
        if filters is None or not filters.active:
            return None
        ok_docs = np.array([filters.accepts(self.documents[d]) for d in self.doc_ids], dtype=bool)
        return np.flatnonzero(ok_docs[self.chunk_doc]) if len(self.chunk_doc) else np.zeros(0, dtype=np.int64)

    def rank_chunks(self, query: str, filters: Filters | None = None,
                    vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Fused (chunk id, score) pairs, best first, for an already cleaned query."""
        fusion = self.fusion
        allowed = self.allowed_chunks(filters)
        if allowed is not None and len(allowed) == 0:
            return []
        t0 = time.perf_counter()
        if vector is None and fusion.dense_weight > 0:
            vector = self.embed_query(query)
        t1 = time.perf_counter()
        keyword_rank = self._keyword_rank(query, allowed) if fusion.keyword_weight > 0 else []
        t2 = time.perf_counter()
        dense_rank = self._dense_rank(vector, allowed) if fusion.dense_weight > 0 and vector is not None else []
        t3 = time.perf_counter()
        fused = ranked(reciprocal_rank_fusion(
            ((fusion.keyword_weight, keyword_rank), (fusion.dense_weight, dense_rank)), fusion.rrf_k))
        t4 = time.perf_counter()
        self.timings = Timings(embed=(t1 - t0) * 1e3, keyword=(t2 - t1) * 1e3, vector=(t3 - t2) * 1e3,
                               fusion=(t4 - t3) * 1e3)
        return fused

    def chunk_rankings(self, query: str, filters: Filters | None,
                       vector: np.ndarray | None) -> tuple[list[int], list[int]]:
        """Keyword and vector chunk rankings apart (chunk ids, best first, ``fusion.depth`` deep each).

        The two rankings :meth:`rank_chunks` fuses, for callers that fuse them otherwise (related notices).
        """
        allowed = self.allowed_chunks(filters)
        if allowed is not None and len(allowed) == 0:
            return [], []
        keyword = self._keyword_rank(query, allowed)
        return keyword, self._dense_rank(vector, allowed) if vector is not None else []

    def keyword_text(self, query: str) -> str:
        """``query`` followed by the full names the notices give the organisation abbreviations it uses
        (医保局 → 医疗保障局, :mod:`index.text.abbreviation`): the text keyword rankings score.

        The names are looked up in the chunks' text once per abbreviation and process (a regular expression
        over the text: 0.2 ms on the 140 000 characters of the development corpus).
        """
        names: list[str] = []
        for group in candidates(segment(query), is_word):
            for short in group:  # the longest that the notices spell out (卫健委 before 健委)
                if short not in self._full_names:
                    if not self._text:
                        self._text = "\n".join(chunk.text for chunk in self.chunks)
                    self._full_names[short] = expansions(short, self._text, segment)[:MAX_FULL_NAMES]
                if self._full_names[short]:
                    names += [name for name in self._full_names[short] if name not in query and name not in names]
                    break
        return " ".join([query, *names]) if names else query

    def facets(self, doc_id: str) -> dict[str, Counter[str]]:
        """What the notice's title and text name, counted: ``province`` → how many places of each province
        (:mod:`index.text.places`), ``level`` → how many inspecting bodies of each level of inspection
        (:mod:`index.text.levels`); read once per notice and process, when a question first asks for one."""
        found = self._facets.get(doc_id)
        if found is None:
            doc = self.documents[doc_id]
            text = f"{doc.title}\n{doc.text}"
            found = self._facets[doc_id] = {"province": province_mentions(text), "level": level_mentions(text)}
        return found

    def _keyword_rank(self, query: str, allowed: np.ndarray | None) -> list[int]:
        scores = self.keyword.scores(self.keyword_text(query))
        if allowed is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[allowed] = True
            scores = np.where(mask, scores, 0.0)
        depth = min(self.fusion.depth, len(scores))
        if depth == 0:
            return []
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(i) for i in top if scores[i] > 0]

    def _dense_rank(self, vector: np.ndarray, allowed: np.ndarray | None) -> list[int]:
        index = self.data.ann_index or self.data.chunk_index  # approximate above config.ann_above chunks
        if index is None or index.ntotal == 0:
            return []
        depth = min(self.fusion.depth, index.ntotal if allowed is None else len(allowed))
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            params = (faiss.SearchParametersIVF(sel=selector, nprobe=self.data.config.ann_nprobe)
                      if index is self.data.ann_index else faiss.SearchParameters(sel=selector))
        _, ids = index.search(vector.reshape(1, -1).astype("float32"), depth, params=params)
        return [int(i) for i in ids[0] if i >= 0]

    def search(self, query: str, top: int = 10, per_doc: int = 3, filters: Filters | None = None) -> list[Hit]:
        """Passages answering ``query``, best first, at most ``per_doc`` per document."""
        cleaned = clean_query(query)
        return self.hits(self.rank_chunks(cleaned, filters), top, per_doc)

    def hits(self, ranked: list[tuple[int, float]], top: int, per_doc: int) -> list[Hit]:
        """Turn fused (chunk id, score) pairs into hits, capping passages per document."""
        out: list[Hit] = []
        per: dict[str, int] = {}
        for chunk_id, score in ranked:
            chunk = self.chunks[chunk_id]
            if per_doc and per.get(chunk.doc_id, 0) >= per_doc:
                continue
            per[chunk.doc_id] = per.get(chunk.doc_id, 0) + 1
            out.append(self.make_hit(chunk, score))
            if len(out) >= top:
                break
        return out

    def make_hit(self, chunk: Chunk, score: float) -> Hit:
        """A Hit for ``chunk`` with its document's metadata."""
        doc = self.documents[chunk.doc_id]
        return Hit(doc_id=doc.doc_id, title=doc.title, url=doc.url, org=doc.org, date=doc.date or doc.signed_date,
                   kind=doc.kind, section=chunk.section, text=chunk.text, score=round(float(score), 6),
                   finding=chunk.finding, chunk_id=chunk.chunk_id, start=chunk.start, end=chunk.end)
