"""Search on Milvus: the same hybrid idea as :mod:`index.retrieve.searcher`, ranked by the server.

:class:`MilvusSearcher` has the interface of :class:`index.retrieve.searcher.Searcher`
(``search``, ``rank_chunks``, ``hits``, ``embed_query``, ``documents``,
``chunks``, ``data``, ``keyword``), so the answer, compare, related and themes
code runs on it unchanged.  A query is one ``hybrid_search``: the dense
request (HNSW, inner product) and the BM25 request over the same tokens as the
embedded keyword index, each ``depth`` deep and restricted by the filter
expression, fused on the server by ``RRFRanker(k)`` with the embedded
backend's constant.  The per-document cap is applied to the fused ranking by
the shared :meth:`Searcher.hits`.

Documents, chunk texts and finding vectors are read once when the searcher
opens (compare, related, themes and the page use them in memory, as with the
folder); sentence vectors are fetched per cited chunk.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

from index.filters import Filters
from index.retrieve.fusion import Fusion, ranked, reciprocal_rank_fusion
from index.retrieve.searcher import Searcher, Timings
from index.store.milvus import (
    CONSISTENCY,
    MilvusIndexData,
    MilvusStore,
    filter_expression,
    hex_tokens,
    milvus_errors,
    userdict_file,
)
from index.text.tokenize import tokenize


class TokenStats:
    """Document frequencies of the BM25 tokens (what :class:`index.answer.reader.Answerer` reads for idf).

    The same members as :class:`index.store.keyword.KeywordIndex` that the answerer
    uses: ``vocab``, ``size`` and ``document_frequency``.
    """

    def __init__(self, chunk_tokens: list[list[str]]) -> None:
        counts: Counter[str] = Counter()
        for tokens in chunk_tokens:
            counts.update(set(tokens))
        self.vocab: dict[str, int] = {token: i for i, token in enumerate(counts)}
        self._df = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        self.size = len(chunk_tokens)

    def document_frequency(self, token_id: int) -> int:
        """Number of chunks containing the token."""
        return int(self._df[token_id])


class MilvusSearcher(Searcher):
    """An index held in Milvus (Lite file or server), searched on the server."""

    def __init__(self, uri: str, model: str | None = None, fusion: Fusion | None = None,
                 token: str | None = None, prefix: str | None = None) -> None:
        self.milvus = MilvusStore(uri, token=token, prefix=prefix, create=False)
        super().__init__(uri, model=model, fusion=fusion)
        self.chunk_of_key = {key: i for i, key in enumerate(self.data.chunk_keys)}
        self.userdict = userdict_file(list(self.data.manifest.get("userdict", [])))

    def _open(self, root: Path | str, model: str | None) -> tuple[MilvusIndexData, TokenStats]:
        """Read the index from Milvus (documents, chunks, finding and chunk vectors) and its token statistics."""
        self.root = str(root)
        data = self.milvus.load_data(model=model)
        return data, TokenStats(data.keyword_tokens)

    @milvus_errors
    def rank_chunks(self, query: str, filters: Filters | None = None,
                    vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Fused (chunk id, score) pairs, best first, ranked by Milvus ``hybrid_search``."""
        from pymilvus import AnnSearchRequest, RRFRanker

        fusion = self.fusion
        expr = filter_expression(filters)
        if expr is None or not self.chunks:
            return []  # a filter that cannot match: nothing, never everything
        t0 = time.perf_counter()
        if vector is None and fusion.dense_weight > 0:
            vector = self.embed_query(query)
        t1 = time.perf_counter()
        depth = fusion.depth
        requests = []
        if fusion.dense_weight > 0 and vector is not None:
            requests.append(AnnSearchRequest(
                data=[np.asarray(vector, dtype="float32").tolist()], anns_field="vector",
                param=self.milvus.dense_search_params(depth), limit=depth, expr=expr or None))
        tokens = tokenize(self.keyword_text(query), "both", self.userdict) if fusion.keyword_weight > 0 else []
        known = [t for t in tokens if t in self.keyword.vocab]
        if known:  # like the embedded index: tokens no chunk holds add nothing
            requests.append(AnnSearchRequest(data=[hex_tokens(known)], anns_field="keywords_sparse",
                                             param={"metric_type": "BM25"}, limit=depth, expr=expr or None))
        if not requests:
            return []
        name = self.milvus.name("chunks")
        if len(requests) == 1:
            found = self.milvus.client.search(name, data=requests[0].data, anns_field=requests[0].anns_field,
                                              search_params=requests[0].param, limit=depth, filter=expr,
                                              output_fields=["pk"], consistency_level=CONSISTENCY)
            # one ranking: the same RRF score the embedded fusion gives a single list
            weight = fusion.dense_weight if requests[0].anns_field == "vector" else fusion.keyword_weight
            pairs = list(reciprocal_rank_fusion([(weight, [hit["pk"] for hit in found[0]])], fusion.rrf_k).items())
        elif fusion.dense_weight == fusion.keyword_weight:
            found = self.milvus.client.hybrid_search(name, requests, RRFRanker(int(fusion.rrf_k)), limit=2 * depth,
                                                     output_fields=["pk"], consistency_level=CONSISTENCY)
            pairs = [(hit["pk"], fusion.dense_weight * float(hit["distance"])) for hit in found[0]]
        else:
            pairs = self._weighted(requests, name)
        t2 = time.perf_counter()
        ranked = [(self.chunk_of_key[key], score) for key, score in pairs if key in self.chunk_of_key]
        self.timings = Timings(embed=(t1 - t0) * 1e3, vector=(t2 - t1) * 1e3, extra={"milvus": (t2 - t1) * 1e3})
        return ranked

    @milvus_errors
    def chunk_rankings(self, query: str, filters: Filters | None,
                       vector: np.ndarray | None) -> tuple[list[int], list[int]]:
        """Keyword and vector chunk rankings apart (chunk ids, best first, ``depth`` deep each).

        What :mod:`index.analysis.related` fuses per document; one plain search per ranking, each restricted by
        the filter.
        """
        expr = filter_expression(filters)
        if expr is None or not self.chunks:
            return [], []
        depth = self.fusion.depth
        name = self.milvus.name("chunks")

        def ranking(data: list, field: str, params: dict) -> list[int]:
            found = self.milvus.client.search(name, data=data, anns_field=field, search_params=params, limit=depth,
                                              filter=expr, output_fields=["pk"], consistency_level=CONSISTENCY)
            return [self.chunk_of_key[hit["pk"]] for hit in found[0] if hit["pk"] in self.chunk_of_key]

        known = [t for t in tokenize(self.keyword_text(query), "both", self.userdict) if t in self.keyword.vocab]
        keyword = ranking([hex_tokens(known)], "keywords_sparse", {"metric_type": "BM25"}) if known else []
        dense = (ranking([np.asarray(vector, dtype="float32").tolist()], "vector",
                         self.milvus.dense_search_params(depth)) if vector is not None else [])
        return keyword, dense

    def _weighted(self, requests: list, name: str) -> list[tuple[str, float]]:
        """Weighted RRF on the client (Milvus's RRFRanker has no per-request weights)."""
        fusion = self.fusion
        rankings: list[tuple[float, list[str]]] = []
        for request in requests:
            weight = fusion.dense_weight if request.anns_field == "vector" else fusion.keyword_weight
            found = self.milvus.client.search(name, data=request.data, anns_field=request.anns_field,
                                              search_params=request.param, limit=fusion.depth, filter=request.expr,
                                              output_fields=["pk"], consistency_level=CONSISTENCY)
            rankings.append((weight, [hit["pk"] for hit in found[0]]))
        return ranked(reciprocal_rank_fusion(rankings, fusion.rrf_k))
