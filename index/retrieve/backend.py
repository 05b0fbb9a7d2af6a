"""Opening the backend a command chose (:mod:`index.store.choice`): its searcher or its whole data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from index.store.choice import BACKENDS, add_backend_args, milvus_uri_of

if TYPE_CHECKING:
    from index.retrieve.protocols import SearchBackend

__all__ = ["BACKENDS", "add_backend_args", "milvus_uri_of", "open_backend", "open_data", "open_searcher"]


def open_backend(index: Path | str, milvus_uri: str | None = None) -> SearchBackend:
    """The one place an index is opened for reading: Milvus at ``milvus_uri`` if given, else the folder ``index``.

    Used by the CLI (:func:`open_searcher`) and the page (:func:`ui.state.load_engine`); both backends
    implement :class:`index.retrieve.protocols.SearchBackend`.  torch and pymilvus are imported here, lazily.
    """
    if milvus_uri is not None:
        from index.retrieve.milvus_search import MilvusSearcher

        return MilvusSearcher(milvus_uri)
    from index.retrieve.searcher import Searcher

    return Searcher(index)


def open_searcher(args: argparse.Namespace) -> SearchBackend:
    """The searcher of the backend a command chose (``--index``, ``--backend``, ``--milvus-uri``)."""
    return open_backend(args.index, milvus_uri_of(args))


def open_data(args: argparse.Namespace, vectors: bool = True):  # -> IndexData
    """The whole index of the chosen backend, as :class:`index.store.folder.IndexData`."""
    uri = milvus_uri_of(args)
    if uri is not None:
        from index.store.milvus import MilvusStore

        return MilvusStore(uri, create=False).load_data(vectors=vectors)
    from index.store import folder as store

    return store.load(args.index, vectors=vectors)
