"""The labelled notices as ingest prepares them (clean text + card), for the card's test and benchmark."""

from __future__ import annotations

from functools import cache

from shared_data import NOTICES, SEED

from index.records import Document
from ingest.load import LoadError, load_file
from ingest.prepare import prepare


@cache
def prepared_documents() -> dict[str, Document]:
    """Every notice of the development corpus and the seed, cleaned and parsed as at ingest (no model)."""
    docs: dict[str, Document] = {}
    for path in (NOTICES, SEED):
        for raw in load_file(path):
            if not isinstance(raw, LoadError):
                doc = prepare(raw)
                docs[doc.doc_id] = doc
    return docs
