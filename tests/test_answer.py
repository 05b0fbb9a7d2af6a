"""Answers on the real shared corpus: the asked-for fact, the sentence holding it, or an honest "not found".

Floors sit a few points under the figures in README "Search and ask" (measured
with the saved scorer on both dev files and tests/data/unanswerable.jsonl).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import EVAL, QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD

from index.analysis.related import related_documents
from index.answer.answer_type import asked_types, find_spans
from index.answer.evaluate import evaluate, load_questions
from index.answer.reader import Answerer, mentions, question_places

REPO = Path(__file__).resolve().parent.parent
MORE = QUESTIONS_MORE
UNANSWERABLE = Path(__file__).resolve().parent / "data" / "unanswerable.jsonl"
SEED_LEADER = "张家界市委宣传部落实巡察反馈意见整改工作领导小组的组长是谁？"


@pytest.fixture(scope="module")
def answerer(searcher) -> Answerer:
    """The answerer with the saved scorer."""
    return Answerer(searcher)


@pytest.fixture(scope="module")
def report(searcher) -> dict:
    """evaluate() over both dev files and the unanswerable questions."""
    questions = load_questions(QUESTIONS) + load_questions(MORE) + load_questions(UNANSWERABLE)
    return evaluate(searcher, questions, related=lambda q, k: related_documents(searcher, q, k))


# ------------------------------------------------------------------ what is asked


@pytest.mark.parametrize(("question", "name", "measure", "noun"), [
    ("维西县委第十一轮巡察一共发现了多少个问题?", "count", "个", "问题"),
    ("十四届江苏省委第八轮巡视对几个设区市开展常规巡视?", "count", "个", "设区市"),
    ("十二届区委第二轮巡察反馈的697个问题,总体整改完成率是多少?", "percent", "", ""),
    ("巡察组的举报电话和电子邮箱是什么?", "email+phone", "", ""),
    ("2017年2月底至4月底对清华大学党委开展专项巡视的中央巡视组组长是谁?", "person", "", ""),
    ("十一届内蒙古自治区党委第七轮巡视对哪几个区直部门开展了机动巡视?", "list_units", "", ""),
    ("巡察反馈指出存在哪些问题?", "list_problems", "", ""),
    ("黔南州让几家部门一起会审、到现场盯巡察整改的那套办法叫什么?", "named", "", ""),
    ("禹会区这次教育系统回头看,去了哪两所小学?", "list_units", "", "小学"),
    ("哪些单位被指出违规发放津贴补贴，整改得怎样？", "list_notices", "", ""),
    ("宿迁市委巡察工作相关报道有哪些?", "list_notices", "", ""),
    ("2014年中央巡视组第一轮巡视中,接受专项巡视的是哪几家单位?", "list_units", "", ""),
    # real questions (questions_third p2-110, p2-038, p2-121): a keyword query ending in the role asks the
    # person; 哪3个 enumerates; 哪篇/哪部/哪份 ask a name like 哪个 does
    ("中央第四巡视组巡视山东省 组长", "person", "", ""),
    ("内蒙古十一届自治区党委第七轮巡视对哪3个区直部门党组开展机动巡视?", "list_units", "", ""),
    ("集团公司开党委扩大会议部署落实省委巡视反馈意见,会上学习了总书记哪篇文章?", "named", "", ""),
])
def test_asked_type(question: str, name: str, measure: str, noun: str) -> None:
    ask = asked_types(question)
    assert ask.name == name
    assert ask.measure == measure
    assert ask.noun.startswith(noun)


def test_places_the_question_names() -> None:
    assert question_places("海口市委巡察组组长是谁?") == ["海口"]
    assert question_places("巡察广州市住房城乡建设局党组后") == ["广州"]  # not 察广
    assert question_places("县长开会时,要求县政府办跟哪两家机构保持联系?") == []  # 要求 is no place
    assert question_places("2031年中央第一轮巡视") == ["2031"]
    assert question_places("北京语言大学巡视整改的举报电子邮箱") == ["语言大学"]
    # real questions whose words run into the suffix: no core across a word boundary, no verb or pronoun
    assert question_places("市委第三巡察组什么时候进驻市委宣传部？") == []  # 进驻 is no place
    assert question_places("区委第一巡察组巡区人大机关党支部那阵子,想举报打哪个号码") == []  # not 组巡
    assert question_places("江城县十三届县委第二轮巡察反馈会上,传达的是哪位县委书记的讲话精神?") == ["江城"]
    assert question_places("昌平区委第二轮巡察查区经信局、交通局这几个单位,要巡到哪天?") == ["昌平"]


def test_a_top_leader_asked_as_一把手_is_the_secretary() -> None:
    assert asked_types("籍山镇那场巡察回头看反馈会上,代表镇里表态的一把手叫什么?").role == "书记"


def _spans(kind: str, text: str) -> set[str]:
    return {text[a:b] for a, b in find_spans(kind, text)}


def test_spans_of_general_forms_in_real_notices(searcher) -> None:
    docs = searcher.documents
    assert "4万余条" in _spans("count", docs["n0138"].text)  # 提出意见建议4万余条: not 4万
    assert "巡察+派驻" in _spans("named", docs["n0026"].text)  # 采用“巡察+派驻”强强联合的方式
    # 对蚌埠师范第二附属小学、蚌埠市迎河桥小学等2家学校党组织…: the enumeration, without 对 and 等
    assert "蚌埠师范第二附属小学、蚌埠市迎河桥小学" in _spans("list_units", docs["n0084"].text)
    # 王孝国组长指出: 指出 is a verb after the role, not a name
    sentence = next(s for s in docs["n0050"].text.split("。") if "王孝国组长指出" in s)
    assert "指出" not in _spans("person", sentence)


def test_an_abbreviated_organisation_matches_its_full_name(searcher) -> None:
    text = searcher.documents["n0103"].text  # lists 中国核工业集团公司 among the 26 central enterprises
    assert "中核集团" not in text and mentions(text, "中核集团")
    assert not mentions(text, "清华大学")


# ------------------------------------------------------------------ answers


def test_short_answer_and_the_sentence_holding_it(answerer: Answerer) -> None:
    answer = answerer.ask(SEED_LEADER)
    assert not answer.no_answer and answer.answer_type == "person"
    assert answer.short_answer == "郭天保"
    source = answer.citations[answer.sentence_hit]
    assert source.doc_id == "seed"
    assert source.text[answer.start:answer.end] == answer.answer
    assert "郭天保" in answer.answer
    assert source.text[answer.short_start:answer.short_end] == "郭天保"


def test_count_answer_is_the_number_of_the_asked_thing(answerer: Answerer) -> None:
    row = next(q for q in load_questions(QUESTIONS) if q["qid"] == "d004")  # 多少个县市区 → 40个县市区
    answer = answerer.ask(row["query"])
    assert answer.answer_type == "count"
    assert answer.short_answer.startswith("40个")
    assert row["answer"] in answer.answer


@pytest.mark.parametrize("qid", ["e004", "e029", "e042", "e085"])
def test_named_thing_short_answer_is_the_name_of_the_asked_class(answerer: Answerer, qid: str) -> None:
    # 哪个城市 → 昆明市, 哪个巡视组 → 省委第三巡视组, 哪家医院 → 沭阳中医院 (not the question's own 三甲中医院),
    # 哪个村 → 柳家庄村: the sentence holds no 《》/“” name, the short answer is the phrase ending in the class
    row = next(q for q in load_questions(MORE) if q["qid"] == qid)
    answer = answerer.ask(row["query"])
    assert answer.answer_type == "named"
    # holds the name, at most one word more (X镇柳家庄村 → 镇柳家庄村 holds 柳家庄村)
    short = answer.short_answer
    assert row["answer"] in short and len(short) <= len(row["answer"]) + 2, (qid, short, answer.answer)
    source = answer.citations[answer.sentence_hit]
    assert source.text[answer.short_start:answer.short_end] == answer.short_answer
    assert answer.start <= answer.short_start < answer.short_end <= answer.end


@pytest.mark.parametrize("qid", ["p2-013", "p2-017"])
def test_short_answer_is_the_card_value_in_the_chosen_sentence(answerer: Answerer, qid: str) -> None:
    # 向黄浦区反馈…是哪天 → the feedback date, not the inspection period beside it in the same sentence;
    # 起止时间 → the period: the notice card's value (with its span, ingest/card.py) inside the sentence
    row = next(q for q in load_questions(QUESTIONS_THIRD) if q["qid"] == qid)
    answer = answerer.ask(row["query"])
    assert answer.short_answer == row["answer"], (qid, answer.short_answer, answer.answer)
    source = answer.citations[answer.sentence_hit]
    assert source.text[answer.short_start:answer.short_end] == answer.short_answer
    card = source.start + answer.short_start, source.start + answer.short_end
    assert answerer.searcher.documents[source.doc_id].text[card[0]:card[1]] == row["answer"]


@pytest.mark.parametrize(("path", "qid", "short"), [
    (QUESTIONS, "d020", "8个方面36个"),  # a count of 方面 and the count after it are one answer
    (QUESTIONS_THIRD, "p2-119", "12个方面32个"),
    (QUESTIONS_THIRD, "p2-136", "11个"),  # 派出11个巡视组对…33个县: 巡视组 is 11个's noun, not 33个's
    (QUESTIONS_MORE, "e057", "14个"),  # 深入14个街道和48个单位
    (QUESTIONS_MORE, "e098", "2019年8月29日"),  # 哪一天反馈: the day, not the inspection period before it
    (QUESTIONS_THIRD, "p1-102", "2022年8月中旬至11月下旬"),  # 从几月到几月: the period, with its 中旬/下旬
    (QUESTIONS_THIRD, "p2-024", "5月10号"),  # a day written with 号
    (QUESTIONS_THIRD, "p2-104", "12月6日"),  # 哪天完成进驻: not the card's period 12月上旬至…
    (QUESTIONS_THIRD, "p2-109", "公司19楼会议室"),  # 在X召开: a meeting's place
    (QUESTIONS_THIRD, "p2-110", "张文岳"),  # a keyword query ending in 组长
    (QUESTIONS_THIRD, "p3-017", "张思发〔2020〕1号"),  # 文号: a document number (the seed)
    (QUESTIONS_THIRD, "p3-041", "240余名"),  # 多少人: people are counted in 名 too (the seed)
])
def test_short_answer_of_general_forms(answerer: Answerer, path: Path, qid: str, short: str) -> None:
    row = next(q for q in load_questions(path) if q["qid"] == qid)
    answer = answerer.ask(row["query"])
    assert answer.short_answer == short, (qid, answer.short_answer, answer.answer)
    assert short in row["answer"]  # the labelled answer holds it (with the counted noun: 8个方面36个问题)
    source = answer.citations[answer.sentence_hit]
    assert source.text[answer.short_start:answer.short_end] == short
    assert answer.start <= answer.short_start < answer.short_end <= answer.end


def test_two_part_question_returns_both_parts_each_cited(answerer: Answerer) -> None:
    answer = answerer.ask("县委第三巡察组巡察县委统战部、县教育局、县一中等单位时公布的举报电话和电子邮箱是什么?")
    assert not answer.no_answer
    kinds = {item["type"]: item for item in answer.items}
    assert set(kinds) == {"phone", "email"}
    assert "@" in kinds["email"]["text"] and kinds["phone"]["text"][:3].isdigit()
    for item in answer.items:
        hit = answer.citations[item["citation"]]
        assert hit.text[item["start"]:item["end"]] == item["text"]
    assert kinds["email"]["text"] in answer.short_answer and kinds["phone"]["text"] in answer.short_answer


def test_list_of_units(answerer: Answerer) -> None:
    row = next(q for q in load_questions(MORE) if q["qid"] == "e030")
    answer = answerer.ask(row["query"])
    texts = [item["text"] for item in answer.items]
    assert texts == ["自治区教育厅", "自治区卫生健康委员会", "自治区医疗保障局"]
    for item in answer.items:
        assert answer.citations[item["citation"]].text[item["start"]:item["end"]] == item["text"]


def test_list_of_problems_comes_from_the_notice_not_a_heading(answerer: Answerer, searcher) -> None:
    answer = answerer.ask("张家界市委宣传部巡察反馈指出存在哪些问题?")
    assert answer.answer_type == "list_problems" and len(answer.items) >= 3
    seed_problems = {f.problem or f.heading for f in searcher.documents["seed"].findings}
    for item in answer.items:
        assert answer.citations[item["citation"]].doc_id == "seed"
        assert item["text"] in {p[:160] for p in seed_problems}
    assert any("意识形态" in item["text"] for item in answer.items)


def test_which_notices_questions_list_each_notice_with_its_evidence(answerer: Answerer) -> None:
    """哪些巡视巡察…/哪些单位…: one item per notice, its evidence sentence cited in place; the lists cover
    the labelled notices of these two files (in sample 0.878 / 0.731; out of fold over all three dev files
    recall 0.671, precision 0.636: benchmarks/tune_notice_list.py, docs/crossref.md)."""
    rows = [q for q in load_questions(QUESTIONS) + load_questions(MORE)
            if q.get("type") == "multi" and q.get("relevant") and asked_types(q["query"]).name == "list_notices"]
    assert len(rows) >= 25
    recalls, precisions = [], []
    progress_seen = 0
    for row in rows:
        answer = answerer.ask(row["query"])
        assert answer.answer_type == "list_notices"
        listed = [item["doc_id"] for item in answer.items]
        assert len(listed) == len(set(listed)), "one item per notice"
        for item in answer.items:
            hit = answer.citations[item["citation"]]
            assert hit.doc_id == item["doc_id"]
            assert hit.text[item["start"]:item["end"]].startswith(item["sentence"])
            text = answerer.searcher.documents[item["doc_id"]].text  # 整改得怎样: the notice's own words/figures
            assert not item["measures"] or item["measures"].rstrip("…")[:30] in text
            for number in re.findall(r"\d+(?:\.\d+)?%?", item["progress"]):
                assert number in text, (item["doc_id"], number)
            progress_seen += bool(item["progress"])
        relevant = set(row["relevant"])
        recalls.append(len(set(listed) & relevant) / len(relevant))
        precisions.append(len(set(listed) & relevant) / len(listed) if listed else 0.0)
    assert progress_seen >= 3, "stated completion counts are shown where notices give them"
    assert sum(recalls) / len(recalls) >= 0.80
    assert sum(precisions) / len(precisions) >= 0.65


def test_which_units_in_a_place_the_corpus_lacks_is_not_found(answerer: Answerer) -> None:
    answer = answerer.ask("海口市哪些单位被指出违规发放津贴补贴?")
    assert answer.answer_type == "list_notices"
    assert answer.no_answer and answer.items == [] and answer.answer == ""


@pytest.mark.parametrize(("qid", "why"), [
    # d033 (an X+Y name, 巡察+派驻) left out: the scorer refitted on all 399 development questions with folds
    # grouped by notice (docs/confidence.md) no longer picks it; kept by one question's rule, it was not general.
    ("e060", "the enumerated schools of 哪两所小学"),
    ("e020", "中核集团 in the question, 中国核工业集团公司 in the notice: not a false not-found"),
])
def test_answers_that_need_the_general_forms(answerer: Answerer, qid: str, why: str) -> None:
    row = next(q for q in load_questions(QUESTIONS) + load_questions(MORE) if q["qid"] == qid)
    answer = answerer.ask(row["query"])
    assert not answer.no_answer and row["answer"] in answer.answer, (why, answer.answer)


def test_a_unit_the_corpus_does_not_hold_is_not_found(answerer: Answerer) -> None:
    answer = answerer.ask("海口市委巡察组组长是谁?")
    assert answer.no_answer
    assert answer.answer == "" and answer.short_answer == "" and answer.sentence_hit == -1
    assert answer.citations, "the closest passages are still returned"


# ------------------------------------------------------------------ figures


def test_accuracy_on_both_dev_files(report: dict) -> None:
    figures = {k: v for k, v in report.items() if k != "questions"}
    assert report["count"] == 136 and report["count_multi"] == 29
    assert report["recall@5"] >= 0.97, figures
    assert report["mrr@10"] >= 0.94, figures
    assert report["answer_hit@5"] >= 0.95, figures
    assert report["answer_accuracy"] >= 0.93, figures
    # In sample on these two files: 0.754 since the scorer was refitted on all three files (it was fitted on
    # these two alone before, 0.76+); out of fold on all files it is 0.699 (docs/confidence.md).
    assert report["answer_accuracy_paraphrase"] >= 0.75, figures
    assert report["multi_recall@10"] >= 0.95, figures
    assert report["not_found"] <= 0.05, figures


def test_unanswerable_questions_are_not_found(report: dict) -> None:
    assert report["count_unanswerable"] >= 20
    wrong = [row for row in report["questions"] if row["type"] == "unanswerable" and not row["no_answer"]]
    assert report["unanswerable_not_found"] >= 0.90, wrong


# ------------------------------------------------------------------ command line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, check=False)


def test_cli_ask_json_contract(shared_index: Path, tmp_path: Path) -> None:
    result = _cli("ask", SEED_LEADER, "--index", str(shared_index), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"answer", "citations", "answer_citation", "answer_span", "short_answer", "no_answer",
            "answer_type", "items"} <= set(out)
    assert out["short_answer"] == "郭天保" and out["no_answer"] is False and out["answer_type"] == "person"
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "x1", "query": SEED_LEADER}, ensure_ascii=False) + "\n"
                       + json.dumps({"qid": "x2", "query": "海口市委巡察组组长是谁?"}, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    result = _cli("ask", "--queries", str(queries), "--index", str(shared_index))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["qid"] for r in rows] == ["x1", "x2"]
    assert rows[1]["no_answer"] is True and rows[1]["answer"] == "" and rows[1]["short_answer"] == ""
    plain = _cli("ask", "海口市委巡察组组长是谁?", "--index", str(shared_index))
    assert "语料中未找到明确答案" in plain.stdout


def test_no_short_answer_or_item_holds_a_lost_byte_run(searcher) -> None:
    """Over every dev question, what is shown as the short answer or a list item has no lost-byte run."""
    from index.answer.reader import Answerer
    from index.text.repair import is_damaged

    answerer = Answerer(searcher)
    rows = [json.loads(line) for name in ("questions.jsonl", "questions_more.jsonl")
            for line in (EVAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        answer = answerer.ask(row["query"])
        assert not is_damaged(answer.short_answer), (row["qid"], answer.short_answer)
        assert not any(is_damaged(item["text"]) for item in answer.items), row["qid"]
