"""BM25 keyword index (bm25s) over jieba words and Han bigrams.

Built once at ingest, saved as bm25s's JSON + ``.npy`` files and loaded
memory-mapped; never rebuilt per query.
"""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np

from index.text.tokenize import tokenize

SETTINGS = "settings.json"


class KeywordIndex:
    """A bm25s index plus the tokenizer settings it was built with."""

    MAX_DF = 0.2  # in large indexes, query tokens found in a larger share of the chunks are not scored
    SKIP_COMMON_ABOVE = 50_000  # chunks; below this scoring every token is cheap and the ranking exact

    def __init__(self, retriever: bm25s.BM25, mode: str, userdict: str | None) -> None:
        self.retriever = retriever
        self.mode = mode
        self.userdict = userdict
        self.vocab: dict[str, int] = retriever.vocab_dict
        self.size = int(retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str], mode: str = "both", userdict: str | None = None,
              k1: float = 1.2, b: float = 0.75) -> KeywordIndex:
        """Index ``texts`` (one per chunk, in chunk order)."""
        tokens = [tokenize(t, mode, userdict) or ["<empty>"] for t in texts]
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index(_as_tokenized(tokens), show_progress=False)
        return cls(retriever, mode, userdict)

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (no pickle)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.retriever.save(str(folder), show_progress=False)
        (folder / SETTINGS).write_text(json.dumps({"mode": self.mode}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, userdict: str | None = None) -> KeywordIndex:
        """Load a saved index, memory-mapping its arrays."""
        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
        return cls(retriever, settings["mode"], userdict)

    def query_ids(self, query: str) -> list[int]:
        """Vocabulary ids of the query tokens that the index knows (repeats kept)."""
        return [self.vocab[t] for t in tokenize(query, self.mode, self.userdict) if t in self.vocab]

    def document_frequency(self, token_id: int) -> int:
        """Number of chunks containing the token (from the CSC column pointers)."""
        indptr = self.retriever.scores["indptr"]
        return int(indptr[token_id + 1] - indptr[token_id])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when no token is known)."""
        ids = self.query_ids(query)
        if not ids:
            return np.zeros(self.size, dtype="float32")
        # Tokens in more than MAX_DF of all chunks (idf < 1.6, against ~10 for a rare term) barely move
        # the ranking but hold most postings: at 1M chunks skipping them makes scoring 3x faster.
        if self.size <= self.SKIP_COMMON_ABOVE:
            return self.retriever.get_scores(ids)
        common = self.MAX_DF * self.size
        rare = [i for i in ids if self.document_frequency(i) <= common]
        return self.retriever.get_scores(rare or ids)


def _as_tokenized(tokens: list[list[str]]) -> bm25s.tokenization.Tokenized:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
