"""The folder store's writing side (:class:`index.store.protocols.IndexWriter`): a new generation per ingest."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from index.config import Config
from index.encode.encoder import keyword_text
from index.errors import IndexMismatch
from index.store import folder as store
from index.store.keyword import KeywordIndex
from index.store.protocols import WriteBatch
from index.text.tokenize import write_userdict


class FolderWriter:
    """Writes the whole index as a new generation of the folder ``root``, switched in atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def lock(self) -> contextlib.AbstractContextManager:
        """The folder's single-writer lock."""
        return store.writer_lock(self.root)

    def previous(self, config: Config | None, rebuild: bool) -> store.IndexData | None:
        """The live generation with its vectors (reused for unchanged documents), or None."""
        if rebuild or store.current_generation(self.root) is None:
            return None
        try:
            return store.load(self.root, model=config.model if config else None)
        except IndexMismatch as exc:
            raise IndexMismatch(f"{exc}（或加 --rebuild，用给出的文件建立新的索引）") from exc

    def write(self, batch: WriteBatch) -> dict[str, int]:
        """Assemble every document (unchanged ones keep their vectors) and write them as the next generation."""
        data = batch.assemble(False)
        assert data is not None
        store.write_generation(self.root, data, extra_writers=[keyword_writer(data)])
        return {"documents": len(data.documents), "chunks": len(data.chunks), "findings": len(data.finding_keys)}


def keyword_writer(data: store.IndexData) -> Callable[[Path], None]:
    """A writer for :func:`index.store.folder.write_generation`: the user dictionary and the BM25 index."""
    def write(folder: Path) -> None:
        terms = [d.org for d in data.documents.values()] + [d.inspected_unit for d in data.documents.values()]
        userdict = folder / store.USERDICT
        write_userdict(userdict, terms)
        texts = [keyword_text(data.documents[c.doc_id], c) for c in data.chunks]
        KeywordIndex.build(texts, userdict=str(userdict)).save(folder / store.KEYWORD_DIR)

    return write
