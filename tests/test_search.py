"""Search and ask on the real shared corpus with the real model, FAISS and bm25s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import QUESTIONS, REPO

from index.answer.evaluate import evaluate, load_questions
from index.answer.reader import Answerer
from index.errors import BadQuery
from index.filters import Filters
from index.text.repair import to_simplified


@pytest.fixture(scope="module")
def report(searcher) -> dict:
    from index.analysis.related import related_documents

    return evaluate(searcher, load_questions(QUESTIONS), related=lambda q, k: related_documents(searcher, q, k))


def test_quality_floors(report: dict) -> None:
    """Floors a little below the figures in the README, so regressions fail."""
    assert report["mrr@10"] >= 0.92, report
    assert report["recall@5"] >= 0.96, report
    assert report["answer_hit@5"] >= 0.90, report
    assert report["answer_accuracy"] >= 0.75, report
    assert report["multi_recall@10"] >= 0.95, report


def test_hit_fields(searcher) -> None:
    hits = searcher.search("广东省委巡视组 统一受理举报 邮政信箱", top=5)
    assert hits and hits[0].doc_id == "n0087"
    assert set(hits[0].to_dict()) >= {"doc_id", "title", "url", "org", "date", "section", "text", "score"}
    assert "1960号信箱" in " ".join(h.text for h in hits)


def test_per_doc_cap(searcher) -> None:
    hits = searcher.search("张家界市委宣传部 巡察整改", top=10, per_doc=2)
    counts: dict[str, int] = {}
    for hit in hits:
        counts[hit.doc_id] = counts.get(hit.doc_id, 0) + 1
    assert max(counts.values()) <= 2
    uncapped = searcher.search("张家界市委宣传部 巡察整改", top=10, per_doc=0)
    assert sum(h.doc_id == "seed" for h in uncapped) > 2


def test_traditional_and_garbled_queries_match_simplified(searcher) -> None:
    simplified = "张家界市委宣传部落实巡察反馈意见整改工作领导小组的组长是谁"
    traditional = "張家界市委宣傳部落實巡察反饋意見整改工作領導小組的組長是誰"
    garbled = ("張(zhāng)家界市委宣(xuān)傳(chuán)部落實(shí)巡察反饋(kuì)意見(jiàn)"
               "整改工作領(lǐng)導(dǎo)小組的組長(zhǎng)是誰(shuí)")
    assert to_simplified(traditional) == simplified
    base = [h.chunk_id for h in searcher.search(simplified, top=5)]
    assert base
    assert [h.chunk_id for h in searcher.search(traditional, top=5)] == base
    assert [h.chunk_id for h in searcher.search(garbled, top=5)] == base


def test_filters_narrow_and_empty(searcher) -> None:
    query = "巡察组 整改 反馈意见"
    everything = searcher.search(query, top=20)
    assert {h.kind for h in everything} - {"rectification_progress"}  # unfiltered: several kinds
    only = searcher.search(query, top=20, filters=Filters(kinds=("rectification_progress",)))
    assert only and all(h.kind == "rectification_progress" for h in only)
    assert searcher.search(query, filters=Filters(org="并不存在的单位名称")) == []
    dated = searcher.search(query, top=20, filters=Filters(date_from="2020", date_to="2020"))
    assert all(h.date.startswith("2020") for h in dated)


def test_ask_cites_the_answer(searcher) -> None:
    answer = Answerer(searcher).ask("辽中区前六轮巡察移交线索办理后挽回经济损失多少?")
    assert "172.74万元" in answer.answer
    cited = answer.citations[answer.sentence_hit]
    assert cited.doc_id == "n0026"
    assert cited.text[answer.start:answer.end] == answer.answer


@pytest.mark.parametrize("query", ["", "   ", "?!。，、……", "巡" * 10_000])
def test_bad_queries_raise(searcher, query: str) -> None:
    with pytest.raises(BadQuery):
        searcher.search(query)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("query", ["", "?!。，", "巡" * 10_000])
def test_cli_bad_query_message(shared_index: Path, query: str) -> None:
    result = _cli("search", query, "--index", str(shared_index), "--json")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")


def test_cli_missing_index(tmp_path: Path) -> None:
    result = _cli("search", "巡察", "--index", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert "没有找到索引" in result.stderr and "Traceback" not in result.stderr


def test_cli_search_ask_json_and_queries_file(shared_index: Path, tmp_path: Path) -> None:
    result = _cli("search", "维西县委第十一轮巡察发现问题", "--index", str(shared_index), "--top", "3", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and hits[0]["doc_id"] == "n0016"
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "a", "query": "维西县委第十一轮巡察一共发现了多少个问题?"}\n'
                       '{"qid": "b", "query": "广东省委巡视组 邮政信箱"}\n', encoding="utf-8")
    result = _cli("ask", "--queries", str(queries), "--index", str(shared_index), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["qid"] for line in lines] == ["a", "b"]
    assert "189个" in lines[0]["answer"] and lines[0]["citations"]
    result = _cli("ask", "维西县委第十一轮巡察一共发现了多少个问题?", "--index", str(shared_index))
    assert result.returncode == 0 and "【" in result.stdout


def test_cli_evaluate_prints_figures(shared_index: Path) -> None:
    result = _cli("evaluate", str(QUESTIONS), "--index", str(shared_index))
    assert result.returncode == 0, result.stderr
    for key in ("recall@5", "mrr@10", "answer_hit@5", "answer_accuracy", "multi_recall@10"):
        assert key in result.stdout
