"""The Milvus backend on Milvus Lite (a local file, no server): parity with the embedded folder index.

Two Lite files per module (Lite holds one file lock per process, so every test
shares one client per file through :func:`index.store.milvus.client`):

* ``exported``: the session's shared-corpus index copied by ``python -m index
  export-milvus`` (776 chunks, vectors copied);
* ``ingested``: the seed and 30 real notices ingested by the pipeline into Milvus
  and, beside it, into a folder, to compare add / replace / remove / bad files.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import NOTICES, QUESTIONS, SEED

from index.answer.evaluate import evaluate, load_questions
from index.answer.reader import Answerer
from index.cli.main import main as index_main
from index.filters import KINDS, Filters
from index.retrieve.milvus_search import MilvusSearcher
from index.retrieve.searcher import Searcher
from index.store import folder as store
from index.store import milvus as milvus_store
from index.store.milvus import MilvusStore, MilvusTarget, filter_expression
from ingest.__main__ import main as ingest_main
from ingest.pipeline import ingest

DATA = Path(__file__).parent / "data"
SUBSET = 30


def _run(main, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def _release_clients():
    yield
    milvus_store.close_clients()


@pytest.fixture(scope="module")
def exported(shared_index: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared-corpus index exported to a Milvus Lite file by the CLI."""
    uri = str(tmp_path_factory.mktemp("milvus-export") / "export.db")
    code, out, err = _run(index_main, ["export-milvus", "--index", str(shared_index), "--milvus-uri", uri])
    assert code == 0, err
    assert "已导出 230 篇通报、776 个段落" in out  # 777 before …Navigation breadcrumbs were dropped
    return uri


@pytest.fixture(scope="module")
def milvus_searcher(exported: str) -> MilvusSearcher:
    """A MilvusSearcher over the exported index."""
    return MilvusSearcher(exported)


def _single_questions() -> list[dict]:
    return [q for q in load_questions(QUESTIONS) if q.get("type") != "multi" and q.get("relevant")]


def test_export_copies_everything(exported: str, searcher, milvus_searcher: MilvusSearcher) -> None:
    data = milvus_searcher.data
    assert list(data.documents) == list(searcher.documents)  # ingest order kept: the same chunk ids
    assert [c.to_dict() for c in data.chunks] == [c.to_dict() for c in searcher.chunks]
    assert data.finding_keys == searcher.data.finding_keys
    assert abs(data.chunk_vectors - searcher.data.chunk_vectors).max() < 1e-6
    seed_chunk = next(c.chunk_id for c in searcher.chunks if c.doc_id == "seed")
    assert abs(data.chunk_sentence_vectors(seed_chunk) - searcher.data.chunk_sentence_vectors(seed_chunk)).max() < 1e-6
    assert milvus_searcher.keyword.size == searcher.keyword.size
    for gram in ("#巡察", "#整改", "#张家"):
        ours, theirs = milvus_searcher.keyword.vocab[gram], searcher.keyword.vocab[gram]
        assert milvus_searcher.keyword.document_frequency(ours) == searcher.keyword.document_frequency(theirs)


def test_search_and_ask_parity_on_eval_questions(searcher, milvus_searcher: MilvusSearcher) -> None:
    questions = load_questions(QUESTIONS)
    embedded = evaluate(searcher, questions)
    milvus = evaluate(milvus_searcher, questions)
    for key in ("recall@5", "mrr@10", "answer_hit@5", "answer_accuracy"):
        assert milvus[key] >= embedded[key] - 0.02, (key, embedded[key], milvus[key])
    same = sum(a.get("answer") == b.get("answer") for a, b in zip(embedded["questions"], milvus["questions"],
                                                                   strict=True) if "answer" in a)
    assert same >= embedded["count_fact"] - 1, (same, embedded["count_fact"])


def test_which_notices_answer_on_milvus(searcher, milvus_searcher: MilvusSearcher) -> None:
    """哪些巡视巡察… lists notices with their evidence on Milvus too, mostly the same notices."""
    from index.answer.reader import Answerer

    question = "哪些巡视巡察指出了落实中央八项规定精神不到位的问题?"
    embedded = Answerer(searcher).ask(question)
    milvus = Answerer(milvus_searcher).ask(question)
    assert milvus.answer_type == "list_notices" and len(milvus.items) >= 3
    for item in milvus.items:
        hit = milvus.citations[item["citation"]]
        assert hit.doc_id == item["doc_id"] and hit.text[item["start"]:item["end"]].startswith(item["sentence"])
    shared = {i["doc_id"] for i in milvus.items} & {i["doc_id"] for i in embedded.items}
    assert len(shared) >= len(embedded.items) - 2, (milvus.items, embedded.items)


def test_export_then_ask_cli_gives_the_same_answer(shared_index: Path, exported: str) -> None:
    for q in _single_questions()[:4]:
        code_a, out_a, _ = _run(index_main, ["ask", q["query"], "--index", str(shared_index), "--json"])
        code_b, out_b, err = _run(index_main, ["ask", q["query"], "--backend", "milvus", "--milvus-uri", exported,
                                               "--json"])
        assert code_a == code_b == 0, err
        a, b = json.loads(out_a), json.loads(out_b)
        assert b["answer"] == a["answer"]
        assert [h["doc_id"] for h in b["citations"]][:3] == [h["doc_id"] for h in a["citations"]][:3]


FILTERS = [Filters(kinds=(k,)) for k in KINDS] + [
    Filters(org="张家界"), Filters(org="宣传部"), Filters(org="巡察组"), Filters(date_to="2019"),
    Filters(date_from="2020-06", date_to="2020-12"), Filters(date_from="2024"),
    Filters(kinds=("feedback",), date_from="2021", date_to="2021-12"), Filters(org="县委", date_from="2022"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_filters_return_the_same_documents(searcher, milvus_searcher: MilvusSearcher, filters: Filters) -> None:
    allowed_docs = {d for d, doc in searcher.documents.items() if filters.accepts(doc)}
    allowed_chunks = sum(c.doc_id in allowed_docs for c in searcher.chunks)
    for query in ("巡察整改完成率", "违规发放津贴补贴", "落实主体责任不到位"):
        a = {h.doc_id for h in searcher.search(query, top=500, per_doc=1, filters=filters)}
        b = {h.doc_id for h in milvus_searcher.search(query, top=500, per_doc=1, filters=filters)}
        assert b <= allowed_docs
        if allowed_chunks <= milvus_searcher.fusion.depth:  # every allowed passage is a candidate of both
            assert a == b, (query, sorted(a ^ b))
        else:
            assert len(a & b) >= 0.9 * len(a), (query, len(a), len(b))


@pytest.mark.parametrize("filters", [
    Filters(kinds=("no-such-kind",)), Filters(kinds=('feedback" or kind != "',)), Filters(org="%"),
    Filters(org='" or doc_id != "'), Filters(org="_"), Filters(org="\\"),
], ids=repr)
def test_unknown_or_hostile_filter_values_give_nothing(milvus_searcher: MilvusSearcher, filters: Filters) -> None:
    assert milvus_searcher.search("巡察整改", top=10, filters=filters) == []
    assert Answerer(milvus_searcher).ask("巡察整改的完成率是多少?", filters=filters).citations == []


def test_filter_expressions_escape_values() -> None:
    assert filter_expression(Filters()) == ""
    assert filter_expression(Filters(kinds=('a"b',))) == 'kind in ["a\\"b"]'
    assert filter_expression(Filters(org="100%_x")) == (
        '(org like "%100\\\\%\\\\_x%" or unit like "%100\\\\%\\\\_x%" or title like "%100\\\\%\\\\_x%")')
    assert filter_expression(Filters(date_from="2020", date_to="2021-06")) == (
        "date > 0 and date >= 20200000 and date <= 20210699")
    unchecked = object.__new__(Filters)  # a malformed date is refused by Filters (test_filters_strict.py) ...
    for name, value in (("kinds", ()), ("org", ""), ("date_from", "2020-13-99x"), ("date_to", "")):
        object.__setattr__(unchecked, name, value)
    assert filter_expression(unchecked) is None  # ... and the expression still fails closed


def test_compare_related_themes_run_on_milvus(exported: str, shared_index: Path) -> None:
    for argv in (["compare", "seed", "n0242", "--json"], ["related", "违规发放津贴补贴", "--top", "5", "--json"],
                 ["themes", "--json"], ["doc", "seed", "--json"]):
        code_a, out_a, _ = _run(index_main, [*argv, "--index", str(shared_index)])
        code_b, out_b, err = _run(index_main, [*argv, "--milvus-uri", exported])
        assert code_a == code_b == 0, err
        a, b = json.loads(out_a), json.loads(out_b)
        if argv[0] == "related":  # notices ranked by fused passage scores: near-ties may swap lower down
            assert a and [e["doc_id"] for e in b[:3]] == [e["doc_id"] for e in a[:3]]
            assert len({e["doc_id"] for e in a} & {e["doc_id"] for e in b}) >= min(4, len(a))
        else:
            assert b == a, argv[0]


# -- ingest on Milvus -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and the first 30 real notices (as a JSONL export)."""
    folder = tmp_path_factory.mktemp("milvus-corpus")
    lines = NOTICES.read_text(encoding="utf-8").splitlines()[:SUBSET]
    (folder / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(SEED, folder / "seed.txt")
    return folder


@pytest.fixture(scope="module")
def ingested(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The same files ingested into a folder and into Milvus Lite by the pipeline."""
    base = tmp_path_factory.mktemp("milvus-ingest")
    root, uri = base / "index", str(base / "ingest.db")
    folder_report = ingest([corpus], root, progress=False)
    milvus_report = ingest([corpus], root / "unused", progress=False, target=MilvusTarget(uri))
    assert milvus_report.indexed == folder_report.indexed and len(milvus_report.indexed) == SUBSET + 1
    assert milvus_report.counts["chunks"] == folder_report.counts["chunks"]
    assert not (root / "unused").exists()  # Milvus ingest writes nothing to the folder
    return root, uri


def _doc_chunks(data: store.IndexData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk in data.chunks:
        out.setdefault(chunk.doc_id, []).append(chunk.text)
    return out


def _same_state(root: Path, uri: str) -> None:
    folder, milvus = store.load(root), MilvusStore(uri).load_data()
    assert list(milvus.documents) == list(folder.documents)
    assert _doc_chunks(milvus) == _doc_chunks(folder)
    assert milvus.finding_keys == folder.finding_keys
    a, b = MilvusSearcher(uri), Searcher(root)
    for query in ("张家界市委宣传部整改领导小组组长", "巡察反馈问题整改完成率"):
        # Milvus's hybrid_search and the folder's fusion agree on the head; a near-tie at rank 4–5 may swap
        # (seen on this machine: 'n0005' and 'seed' at 4 and 5), as in test_compare_related_themes_run_on_milvus.
        ids_a, ids_b = [h.doc_id for h in a.search(query, top=5)], [h.doc_id for h in b.search(query, top=5)]
        assert ids_a[:3] == ids_b[:3], (query, ids_a, ids_b)
        assert sum((Counter(ids_a) & Counter(ids_b)).values()) >= 4, (query, ids_a, ids_b)


def test_ingest_into_milvus_matches_the_folder(ingested: tuple[Path, str], corpus: Path) -> None:
    root, uri = ingested
    _same_state(root, uri)
    again = ingest([corpus], root / "unused", progress=False, target=MilvusTarget(uri))
    assert not again.written and len(again.unchanged) == SUBSET + 1


def test_replace_and_remove_behave_as_in_the_folder(ingested: tuple[Path, str], tmp_path: Path) -> None:
    root, uri = ingested
    changed = tmp_path / "seed.txt"  # same id, new content: the first half of the seed
    text = SEED.read_text(encoding="utf-8")
    changed.write_text(text[: len(text) // 2], encoding="utf-8")
    reports = [ingest([changed], root, progress=False), ingest([changed], root, progress=False,
                                                                  target=MilvusTarget(uri))]
    assert [r.replaced for r in reports] == [["seed"], ["seed"]]
    seed_chunks = sum(c.doc_id == "seed" for c in store.load(root).chunks)
    milvus = MilvusStore(uri)
    stored = milvus.client.query(milvus.name("chunks"), filter='doc_id == "seed"', output_fields=["pk"],
                                 consistency_level="Strong")
    assert len(stored) == seed_chunks  # the replaced document's extra passages are gone
    _same_state(root, uri)

    code, out, err = _run(ingest_main, ["--remove", "n0001", "--remove", "nope", "--milvus-uri", uri, "--quiet"])
    assert code == 0 and "已删除 1" in out and "nope" in err
    ingest([], root, remove=["n0001"], progress=False)
    _same_state(root, uri)
    hits = MilvusSearcher(uri).search("十二届区委第二轮巡察反馈的697个问题整改完成率", top=10)
    assert hits and "n0001" not in {h.doc_id for h in hits}


def test_bad_files_are_named_and_nothing_is_lost(ingested: tuple[Path, str]) -> None:
    root, uri = ingested
    before = MilvusStore(uri).count("chunks")
    code, out, err = _run(ingest_main, [str(DATA / "bad"), "--backend", "milvus", "--milvus-uri", uri])
    folder_report = ingest([DATA / "bad"], root, progress=False)
    assert code == 1
    for source, reason in folder_report.rejected:
        assert f"{source}: 拒绝: {reason}" in err
    assert MilvusStore(uri).count("chunks") == before
    assert "索引没有改变" in out


def test_missing_milvus_index_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = _run(index_main, ["search", "巡察", "--milvus-uri", str(tmp_path / "empty.db")])
    assert code == 2 and "没有找到索引" in err and "Traceback" not in err
    code, _, err = _run(index_main, ["search", "巡察", "--backend", "milvus", "--milvus-uri", ""])
    assert code == 2 and "--milvus-uri" in err


def test_page_reads_milvus_when_chosen(exported: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import state

    assert state.milvus_uri(["--milvus-uri", "x.db"], {}) == "x.db"
    assert state.milvus_uri([], {"NOTICE_MILVUS_URI": "x.db"}) is None  # the folder stays the default
    assert state.milvus_uri([], {"NOTICE_BACKEND": "milvus", "NOTICE_MILVUS_URI": "x.db"}) == "x.db"
    monkeypatch.setenv(state.BACKEND_ENV, "milvus")
    monkeypatch.setenv(milvus_store.MILVUS_ENV, exported)
    monkeypatch.setenv(state.INDEX_ENV, "/nonexistent-folder")  # the page must not need the folder
    app = Path(__file__).resolve().parent.parent / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    row = next(q for q in _single_questions() if q["qid"] == "d019")
    at.text_input(key="question").set_value(row["query"]).run()
    assert not at.exception, [e.value for e in at.exception]
    boxes = [h.value for h in at.html if "ns-answer-box" in h.value and not h.value.startswith("<style>")]
    assert len(boxes) == 1 and row["answer"] in boxes[0]
