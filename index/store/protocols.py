"""The writing side of a backend: what the ingest pipeline hands a store (the folder or Milvus).

:func:`ingest.pipeline.ingest` reads, cleans, structures and chunks the files, then asks its
:class:`IndexWriter` for the documents already stored (:meth:`IndexWriter.previous`) and hands it one
:class:`WriteBatch` (:meth:`IndexWriter.write`) under the writer's lock.  The folder store
(:class:`index.store.folder_writer.FolderWriter`) writes a new generation of the whole index; Milvus
(:class:`index.store.milvus.MilvusTarget`) upserts the new and changed documents and deletes the removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from index.config import Config
from index.records import Document

if TYPE_CHECKING:
    from index.store.folder import IndexData


@dataclass
class WriteBatch:
    """One ingest's result, as the pipeline hands it to a store."""

    #: Every document the index holds after this ingest, by id.
    documents: dict[str, Document]
    #: The ids of the documents that are new or changed (their chunks and vectors must be written).
    fresh: set[str]
    #: The ids removed (``--remove``).
    removed: list[str]
    #: The index settings (the previous index's when there is one).
    config: Config
    #: Whether the index is rebuilt from these files alone.
    rebuild: bool
    #: ``assemble(only_fresh)``: chunks and vectors of the fresh documents (``True``; None when none is fresh)
    #: or of every document, reusing the previous index's vectors for unchanged ones (``False``).
    assemble: Callable[[bool], IndexData | None]


@runtime_checkable
class IndexWriter(Protocol):
    """Where an ingest writes: implemented by the folder store and by Milvus."""

    def lock(self) -> contextlib.AbstractContextManager:
        """The single-writer lock, held for the whole ingest."""
        ...

    def previous(self, config: Config | None, rebuild: bool) -> IndexData | None:
        """The documents already stored (vectors where the writer reuses them), or None for a new index."""
        ...

    def write(self, batch: WriteBatch) -> dict[str, int]:
        """Store ``batch``; return the counts (documents, chunks, findings) of the index afterwards."""
        ...
