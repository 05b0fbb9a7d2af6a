"""Large-index machinery on a real (small) index: the automatic approximate index and the lazy open."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import NOTICES, SEED

from index.config import Config
from index.retrieve.searcher import Searcher
from index.store import folder as store

QUERIES = ["违规发放津贴补贴", "张家界市委宣传部整改工作领导小组的组长是谁", "巡察整改 意识形态工作责任制"]


@pytest.fixture(scope="module")
def ann_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve real notices and the seed, ingested with the approximate-index threshold set low."""
    from ingest.pipeline import ingest

    corpus = tmp_path_factory.mktemp("corpus") / "notices.jsonl"
    corpus.write_text("\n".join(NOTICES.read_text(encoding="utf-8").splitlines()[:12]) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("ann-index")
    config = Config(ann_above=20, ann_nprobe=4)
    report = ingest([corpus, SEED], root, config=config, progress=False)
    assert report.written
    return root


def test_index_type_is_chosen_by_size(ann_index: Path, tmp_path: Path) -> None:
    manifest = store.read_manifest(ann_index)
    assert manifest["config"]["ann_above"] == 20
    assert manifest["vector_index"]["type"] == "ivf_flat"
    data = store.load(ann_index)
    assert data.ann_index is not None and data.ann_index.ntotal == len(data.chunks)
    # The same chunks under the default threshold: exact search only.
    data.config = dataclasses.replace(data.config, ann_above=Config().ann_above)
    store.write_generation(tmp_path / "flat", data)
    assert store.read_manifest(tmp_path / "flat")["vector_index"] == {"type": "flat"}
    assert store.load(tmp_path / "flat").ann_index is None


def test_approximate_search_finds_what_exact_search_finds(ann_index: Path) -> None:
    searcher = Searcher(ann_index)
    assert searcher.data.ann_index is not None
    ivf = searcher.data.ann_index
    exact = searcher.data.chunk_index
    found = total = 0
    for query in QUERIES:
        vector = searcher.embed_query(query).reshape(1, -1)
        _, approx_ids = ivf.search(vector, 10)
        _, exact_ids = exact.search(vector, 10)
        found += len(set(approx_ids[0]) & set(exact_ids[0]))
        total += 10
    assert found / total >= 0.8
    hits = searcher.search("张家界市委宣传部整改工作领导小组的组长是谁", top=3)
    assert hits and hits[0].doc_id == "seed"


def test_large_index_opens_without_parsing_every_chunk(ann_index: Path) -> None:
    eager = store.load(ann_index, lazy=False)
    lazy = store.load(ann_index, lazy=True)
    assert isinstance(lazy.chunks, store.ChunkTable) and isinstance(lazy.documents, store.DocumentTable)
    assert lazy.chunks._cache == {} and lazy.documents._cache == {}  # nothing parsed at open
    assert len(lazy.chunks) == len(eager.chunks) and list(lazy.documents) == list(eager.documents)
    assert lazy.chunks[7] == eager.chunks[7] and lazy.chunks[-1] == eager.chunks[-1]
    assert list(lazy.chunks) == eager.chunks
    assert lazy.documents["seed"] == eager.documents["seed"] and "no-such" not in lazy.documents
    assert len(lazy.documents._cache) == 1
    position = {doc_id: i for i, doc_id in enumerate(eager.documents)}
    assert [int(p) for p in lazy.chunk_doc] == [position[c.doc_id] for c in eager.chunks]
    # A searcher over the lazy tables gives the same hits as over the lists.
    lazy_searcher, eager_searcher = Searcher(ann_index), Searcher(ann_index)
    lazy_searcher.data = lazy
    eager_searcher.data = eager
    for query in QUERIES:
        assert [h.to_dict() for h in lazy_searcher.search(query)] == [h.to_dict() for h in eager_searcher.search(query)]
