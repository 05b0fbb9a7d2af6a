"""Shared fixtures: the real shared corpus and one real index built from it per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shared_data import NOTICES, QUESTIONS, REPO, SEED, SHARED, missing_message

__all__ = ["NOTICES", "QUESTIONS", "REPO", "SEED", "SHARED"]


#: Fixtures that load the embedding model (directly or through an index built with it).
MODEL_FIXTURES = {"shared_index", "sample_index", "searcher", "page_index", "page_documents"}
#: Test modules that build indexes, load the model or drive a page/browser without those fixtures.
MODEL_MODULES = {"test_compare", "test_generate", "test_hostile", "test_ingest_pipeline", "test_large_index",
                 "test_milvus", "test_model_setup", "test_onnx_encoder", "test_other_model", "test_browser",
                 "test_app", "test_app_compare", "test_sample_corpus", "test_search", "test_related",
                 "test_themes", "test_answer", "test_integrity",
                 "test_filters_strict", "test_page_safety", "test_chinese"}
#: ``make test-fast`` sets this: a test that loads the model anyway fails instead of silently being slow.
FAST_TIER = os.environ.get("NOTICE_FAST_TIER") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: needs the embedding model (left out by `make test-fast`)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs the model ``slow``: by the fixtures it uses or the module it is in."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or module in MODEL_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def _no_model_in_fast_tier():
    """In the fast tier, loading the embedding model is an error (the ``slow`` marks must be right)."""
    if not FAST_TIER:
        yield
        return
    from index.encode.encoder import Embedder

    original = Embedder.__init__

    def refuse(self, *args, **kwargs):
        pytest.fail("快速测试层不应加载模型：这个测试需要标记为 slow（tests/conftest.py 的 MODEL_MODULES）")

    Embedder.__init__ = refuse
    yield
    Embedder.__init__ = original


def _require_shared() -> None:
    if not NOTICES.is_file():
        pytest.fail(missing_message())


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
    from index.retrieve.searcher import Searcher

    return Searcher(shared_index)


@pytest.fixture(scope="session")
def page_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index the page tests open: the shared corpus plus a notice holding <script> (helpers_index)."""
    from helpers_index import app_index

    return app_index(request, tmp_path_factory)


@pytest.fixture(scope="session")
def page_documents(page_index: Path) -> dict:
    """The page index's documents, read with the library (no vectors)."""
    from index.store import folder as store

    return store.load(page_index, vectors=False).documents
