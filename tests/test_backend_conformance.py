"""One conformance suite, run on both backends (the folder store and Milvus Lite), as haystack does for its stores.

The seed and the first real notices are ingested by the pipeline through each backend's writing side
(:class:`index.store.protocols.IndexWriter`: the folder's :class:`FolderWriter`, Milvus's
:class:`MilvusTarget`), then opened by the one :func:`index.retrieve.backend.open_backend` and checked
through the reading side (:class:`index.retrieve.protocols.SearchBackend`) that search, answer, related
and themes use.  Every check is the same on both; the last test compares the two.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import NOTICES, SEED

from index.analysis.related import related, related_documents
from index.answer.reader import Answerer
from index.filters import Filters
from index.retrieve.backend import open_backend
from index.retrieve.fusion import ranked, reciprocal_rank_fusion
from index.retrieve.protocols import KeywordStats, SearchBackend
from index.store import milvus as milvus_store
from index.store.folder_writer import FolderWriter
from index.store.milvus import MilvusTarget
from index.store.protocols import IndexWriter
from index.text.query import clean_query
from ingest.pipeline import ingest

pytestmark = pytest.mark.slow
SUBSET = 12
BACKENDS = ("folder", "milvus")
QUESTION = "张家界市委宣传部落实巡察反馈意见整改工作领导小组的组长是谁?"  # d019 of questions.jsonl
ANSWER = "宣传部部长郭天保"


@pytest.fixture(scope="module", autouse=True)
def _release_clients():
    yield
    milvus_store.close_clients()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and the first real notices of the shared corpus (as a JSONL export)."""
    folder = tmp_path_factory.mktemp("conformance-corpus")
    lines = NOTICES.read_text(encoding="utf-8").splitlines()[:SUBSET]
    (folder / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(SEED, folder / "seed.txt")
    return folder


@pytest.fixture(scope="module")
def written(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[IndexWriter, Path, str | None]]:
    """backend → (its writer, the folder, the Milvus URI or None), each holding the corpus."""
    base = tmp_path_factory.mktemp("conformance")
    root, uri = base / "index", str(base / "conformance.db")
    out: dict[str, tuple[IndexWriter, Path, str | None]] = {}
    for name, writer, milvus in (("folder", FolderWriter(root), None), ("milvus", MilvusTarget(uri), uri)):
        report = ingest([corpus], root, progress=False, target=writer if milvus else None)
        assert report.written and not report.rejected, report.rejected
        assert len(report.indexed) == SUBSET + 1 and report.counts["chunks"] > SUBSET, report.counts
        out[name] = (writer, root, milvus)
    return out


@pytest.fixture(scope="module")
def backends(written) -> dict[str, SearchBackend]:
    """backend → the index opened for reading by :func:`open_backend`."""
    return {name: open_backend(root, milvus) for name, (_, root, milvus) in written.items()}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, backends) -> SearchBackend:
    return backends[request.param]


@pytest.fixture(params=BACKENDS)
def writer(request: pytest.FixtureRequest, written) -> IndexWriter:
    return written[request.param][0]


# -- the writing side ---------------------------------------------------------------------------
def test_writer_implements_the_protocol_and_knows_what_it_holds(writer: IndexWriter, corpus: Path) -> None:
    assert isinstance(writer, IndexWriter)
    previous = writer.previous(None, rebuild=False)
    assert previous is not None and "seed" in previous.documents and len(previous.documents) == SUBSET + 1
    assert writer.previous(None, rebuild=True) is None
    with writer.lock():  # the lock can be taken (and is released) outside an ingest
        pass


def test_ingesting_the_same_files_again_writes_nothing(written, corpus: Path) -> None:
    for name, (writer, root, milvus) in written.items():
        report = ingest([corpus], root, progress=False, target=writer if milvus else None)
        assert not report.changed and not report.written, name
        assert len(report.unchanged) == SUBSET + 1, (name, report)


# -- the reading side ---------------------------------------------------------------------------
def test_backend_implements_the_protocol(backend: SearchBackend) -> None:
    assert isinstance(backend, SearchBackend) and isinstance(backend.keyword, KeywordStats)
    assert "seed" in backend.documents and len(backend.documents) == SUBSET + 1
    assert [c.chunk_id for c in backend.chunks] == list(range(len(backend.chunks)))
    assert {c.doc_id for c in backend.chunks} == set(backend.documents)
    assert backend.data.chunk_vectors is not None and backend.data.chunk_vectors.shape[0] == len(backend.chunks)


def test_keyword_statistics(backend: SearchBackend) -> None:
    token = backend.keyword.vocab["#巡察"]
    assert 0 < backend.keyword.document_frequency(token) <= backend.keyword.size == len(backend.chunks)


def test_search_ranks_capped_and_filtered(backend: SearchBackend) -> None:
    hits = backend.search("宣传部整改工作领导小组组长", top=10, per_doc=2)
    assert hits and hits[0].doc_id == "seed"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert max(sum(h.doc_id == d for h in hits) for d in {h.doc_id for h in hits}) <= 2
    for hit in hits:
        assert backend.chunks[hit.chunk_id].text == hit.text and hit.doc_id == backend.chunks[hit.chunk_id].doc_id
    kind = backend.documents["seed"].kind
    kept = backend.search("巡察整改", top=50, per_doc=0, filters=Filters(kinds=(kind,)))
    assert kept and all(backend.documents[h.doc_id].kind == kind for h in kept)
    assert backend.search("巡察整改", filters=Filters(kinds=("no-such-kind",))) == []


def test_chunk_rankings_are_what_rank_chunks_fuses(backend: SearchBackend) -> None:
    query = clean_query("违规发放津贴补贴")
    vector = backend.embed_query(query)
    assert vector.shape == (backend.data.chunk_vectors.shape[1],) and abs(float(np.linalg.norm(vector)) - 1) < 1e-3
    keyword, dense = backend.chunk_rankings(query, None, vector)
    assert keyword and dense and len(dense) <= backend.fusion.depth
    assert any(word in backend.chunks[keyword[0]].text for word in ("违规", "发放", "津贴", "补贴"))
    fusion = backend.fusion
    ours = [cid for cid, _ in ranked(reciprocal_rank_fusion(
        ((fusion.keyword_weight, keyword), (fusion.dense_weight, dense)), fusion.rrf_k))]
    theirs = [cid for cid, _ in backend.rank_chunks(query, None, vector)]
    assert theirs[0] in ours[:3] and len(set(theirs[:10]) & set(ours[:10])) >= 8, (theirs[:10], ours[:10])


def test_answer_on_the_backend(backend: SearchBackend) -> None:
    answer = Answerer(backend).ask(QUESTION)
    assert ANSWER in answer.answer, answer.answer
    assert answer.citations and answer.citations[0].doc_id == "seed"


def test_related_on_the_backend(backend: SearchBackend) -> None:
    entries = related(backend, "seed:问题1", top=5, cut=False)  # the ranking: on this small corpus none may be listed
    assert entries and all(e["doc_id"] != "seed" for e in entries)
    assert len(related_documents(backend, "违规发放津贴补贴", 5)) == 5


def test_both_backends_agree(backends) -> None:
    folder, milvus = backends["folder"], backends["milvus"]
    assert list(folder.documents) == list(milvus.documents)
    assert [c.text for c in folder.chunks] == [c.text for c in milvus.chunks]
    for query in ("宣传部整改工作领导小组组长", "违规发放津贴补贴"):
        assert [h.doc_id for h in folder.search(query, top=3)] == [h.doc_id for h in milvus.search(query, top=3)]
    assert Answerer(folder).ask(QUESTION).answer == Answerer(milvus).ask(QUESTION).answer
