"""Opening the backend a command chose (:mod:`index.store.choice`): its searcher or its whole data."""

from __future__ import annotations

import argparse

from index.store.choice import BACKENDS, add_backend_args, milvus_uri_of

__all__ = ["BACKENDS", "add_backend_args", "milvus_uri_of", "open_data", "open_searcher"]


def open_searcher(args: argparse.Namespace):  # -> Searcher
    """The Searcher of the chosen backend (imported lazily: torch is slow to import)."""
    uri = milvus_uri_of(args)
    if uri is not None:
        from .milvus_search import MilvusSearcher

        return MilvusSearcher(uri)
    from index.retrieve.searcher import Searcher

    return Searcher(args.index)


def open_data(args: argparse.Namespace, vectors: bool = True):  # -> IndexData
    """The whole index of the chosen backend, as :class:`index.store.folder.IndexData`."""
    uri = milvus_uri_of(args)
    if uri is not None:
        from index.store.milvus import MilvusStore

        return MilvusStore(uri, create=False).load_data(vectors=vectors)
    from index.store import folder as store

    return store.load(args.index, vectors=vectors)
