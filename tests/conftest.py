"""Shared fixtures: the real shared corpus and one real index built from it per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))
NOTICES = SHARED / "corpus" / "notices.jsonl"
SEED = SHARED / "corpus" / "seed.txt"
QUESTIONS = SHARED / "eval" / "questions.jsonl"


def _require_shared() -> None:
    if not NOTICES.is_file():
        pytest.fail(f"the shared corpus is missing at {SHARED} (set SHARED_DIR)")


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index (real model, real FAISS, bm25s) of the shared corpus and the seed."""
    _require_shared()
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("shared-index")
    report = ingest([NOTICES, SEED], root, progress=False)
    assert report.written and not report.rejected, report.rejected
    return root


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of ``corpus/``, the sample ``make run`` ingests."""
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("sample-index")
    report = ingest([REPO / "corpus"], root, progress=False)
    assert report.written and not report.rejected, report.rejected
    return root


@pytest.fixture(scope="session")
def searcher(shared_index: Path):
    """A Searcher over :func:`shared_index` (model loaded once)."""
    from index.search import Searcher

    return Searcher(shared_index)


@pytest.fixture(scope="session")
def page_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index the page tests open: the shared corpus plus a notice holding <script> (helpers_index)."""
    from helpers_index import app_index

    return app_index(request, tmp_path_factory)


@pytest.fixture(scope="session")
def page_documents(page_index: Path) -> dict:
    """The page index's documents, read with the library (no vectors)."""
    from index import store

    return store.load(page_index, vectors=False).documents
