"""Notice structure on real notices: the seed's 26 problems, other numbering styles, stated counts."""

from __future__ import annotations

import json
from functools import cache

import pytest
from shared_data import NOTICES, SEED

from index.text.repair import repair_text
from ingest.structure import Structure, extract_figures, find_status, parse_structure

SEED_SECTION_2 = "二、严肃严格抓整改,以钉钉子精神促进问题解决"
SEED_AREA_1 = "学习贯彻落实习近平新时代中国特色社会主义思想和党的十九大精神存在温差"


@cache
def seed_text() -> str:
    return repair_text(SEED.read_text(encoding="utf-8"))


@cache
def notice_texts() -> dict[str, str]:
    with NOTICES.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {row["id"]: repair_text(row["text"]) for row in rows}


@cache
def parsed(doc_id: str) -> tuple[str, Structure]:
    text = seed_text() if doc_id == "seed" else notice_texts()[doc_id]
    return text, parse_structure(text, doc_id)


def finding(doc_id: str, label: str):
    _, structure = parsed(doc_id)
    return next(f for f in structure.findings if f.label == label)


# --------------------------------------------------------------------------
# The seed: 一、 > (一) > 问题N > 1.
# --------------------------------------------------------------------------


def test_seed_has_26_problem_findings_in_order() -> None:
    _, s = parsed("seed")
    assert [f.label for f in s.findings] == [f"问题{n}" for n in range(1, 27)]
    starts = [f.start for f in s.findings]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(s.findings, s.findings[1:], strict=False))


@pytest.mark.parametrize(
    ("label", "heading"),
    [
        ("问题1", "对习近平总书记关于宣传思想工作的重要论述学习领悟不深不透"),
        ("问题2", "发挥意识形态工作牵头部门职能不充分"),
        ("问题10", "文化事业产业发展存在短板"),
        ("问题16", "存在以形式主义整治形式主义倾向"),  # written "问题16. 存在…" (space)
        ("问题24", "落实中央八项规定精神整改不到位"),
        ("问题26", "文化产业发展专项引导资金管理不规范"),
    ],
)
def test_seed_finding_headings(label: str, heading: str) -> None:
    f = finding("seed", label)
    assert f.heading == heading
    assert f.problem == heading


def test_seed_path_and_category() -> None:
    f = finding("seed", "问题1")
    assert f.path == [SEED_SECTION_2, "(一)" + SEED_AREA_1]
    assert f.category == SEED_AREA_1
    f = finding("seed", "问题22")
    assert f.path[-1] == "(六)执行新时代党的组织路线和选人用人方面存在薄弱环节"
    assert f.category == "执行新时代党的组织路线和选人用人方面存在薄弱环节"


def test_seed_numbered_measures_stay_inside_their_finding() -> None:
    text, s = parsed("seed")
    f = finding("seed", "问题2")
    # "1.7月2日…" is measure 1 of 问题2, not a heading of its own, nor a date split
    assert f.measures.startswith("1.7月2日向市委常委会专题汇报")
    assert "2.充分发挥新时代文明实践中心" in f.measures and "4.建立工作群" in f.measures
    assert not any(sec.label in {"1.", "2.", "3.", "4."} for sec in s.sections)
    assert {"value": "7月2日", "unit": "date", "context": "1.7月2日向市委常委会"} in f.figures["dates"]
    assert text[f.start : f.end] == f.text and f.text.startswith("问题2.")


def test_seed_status_and_measures() -> None:
    f = finding("seed", "问题24")
    assert f.text == "问题24.落实中央八项规定精神整改不到位。已整改到位。"
    assert f.measures == "已整改到位。"
    assert f.status == "已整改到位"
    assert finding("seed", "问题9").status == "持续推进"


def test_seed_opening_and_closing_are_not_findings() -> None:
    text, s = parsed("seed")
    opening_end = text.index("一、坚定坚决讲政治")
    closing = text.index("欢迎广大干部群众")
    assert all(opening_end < f.start and f.end <= closing for f in s.findings)
    assert finding("seed", "问题26").end < text.index("三、常态长效促巩固")
    # the organisational part (一、 > (一)…(三)) is sections, not findings
    levels = {(sec.label, sec.heading): sec.level for sec in s.sections}
    assert levels[("一、", "坚定坚决讲政治,认真组织落实巡察整改工作")] == 1
    assert levels[("(一)", "思想高度重视,落实整改责任")] == 2
    assert levels[("问题1", "对习近平总书记关于宣传思想工作的重要论述学习领悟不深不透")] == 3
    assert max(sec.end for sec in s.sections) <= closing


# --------------------------------------------------------------------------
# Other templates in notices.jsonl
# --------------------------------------------------------------------------


def test_problem_section_with_numbered_findings_n0283() -> None:
    # 二、集中整改期内整改进展情况 > (一)反馈问题:… > 1.<problem> 整改情况:<measures>
    _, s = parsed("n0283")
    assert [f.label for f in s.findings] == ["(一)1."]
    f = s.findings[0]
    assert f.heading == "区委主体责任扛得不牢,上轮巡视指出超配、超编问题,本轮巡视仍然存在"
    assert f.category == "落实巡视审计整改不够有力,成效不佳"
    assert f.path == ["二、集中整改期内整改进展情况", "(一)反馈问题:落实巡视审计整改不够有力,成效不佳"]
    assert f.measures.startswith("综合运用干部交流、核增编制等措施")


def test_one_level_findings_under_problem_section_n0249() -> None:
    # 一、巡察整改工作开展情况 (一是…) / 二、具体问题整改情况 > 1.信访矛盾化解不力。
    _, s = parsed("n0249")
    assert [f.label for f in s.findings] == ["二、1."]
    f = s.findings[0]
    assert f.heading == "信访矛盾化解不力"
    assert f.path == ["二、具体问题整改情况"]
    assert f.measures.startswith("至2024年底")


def test_quoted_problem_n0125() -> None:
    f = finding("n0125", "二、1.")
    assert f.heading == "关于“政治引领有短板”问题的整改"
    assert f.problem == "政治引领有短板"
    assert f.measures.startswith("一是积极组织相关学习活动")  # the 一是 line is a measure


@pytest.mark.parametrize("doc_id", ["n0073", "n0090", "n0185", "n0192", "n0195"])
def test_organisational_excerpts_have_sections_but_no_findings(doc_id: str) -> None:
    # excerpts that stop inside "一、…组织领导…": measures taken, no problem stated
    _, s = parsed(doc_id)
    assert s.sections and not s.findings


def test_nesting_follows_the_documents_own_styles() -> None:
    _, s = parsed("n0192")  # 一、 > (一) > 1.
    assert [(sec.label, sec.level) for sec in s.sections] == [("一、", 1), ("(一)", 2), ("1.", 3), ("2.", 3)]
    _, s = parsed("n0061")  # 一、 > (一) > 一是 (line starts)
    assert [(sec.label, sec.level) for sec in s.sections] == [("一、", 1), ("(一)", 2), ("一是", 3), ("二是", 3)]
    _, s = parsed("n0063")  # 一是…二是… inside a paragraph: sub-points, not headings
    assert [sec.label for sec in s.sections] == ["一、"]


def test_flattened_page_headings_end_at_spaces_n0224() -> None:
    # the page's line breaks became spaces: " 一、把巡视整改作为重大政治任务抓紧抓实 杏运教育部党组…"
    _, s = parsed("n0224")
    assert [(sec.label, sec.heading) for sec in s.sections] == [
        ("一、", "把巡视整改作为重大政治任务抓紧抓实"),
        ("(一)", "提高政治站位"),
        ("(二)", "强化统筹协同"),
    ]


@pytest.mark.parametrize(
    "doc_id",
    [
        "n0001",  # "总体完成率98.71%", "66.57万元", dates
        "n0138",  # a line "20.01.2019  03:31"
        "n0278",  # a line "22.06.2020  10:10"
        "n0299",  # a citation "(23): 62." and "DOI:10.16634/…" — numbers out of any sequence
    ],
)
def test_numbers_that_are_not_headings(doc_id: str) -> None:
    _, s = parsed(doc_id)
    assert s.sections == [] and s.findings == []


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


def test_document_figures_n0001() -> None:
    _, s = parsed("n0001")
    assert s.figures == {"problems": 697, "completed": 688, "in_progress": 4, "not_completed": 5, "rate": "98.71%"}


def test_document_figures_other_wordings() -> None:
    assert parsed("n0026")[1].figures == {"problems": 1157, "completed": 1148, "rate": "99%"}
    # "梳理出4大类14个具体问题35个子项问题,明确156项整改任务…132项整改任务已完成或基本完成,24项整改任务正在持续推进"
    # 132项整改任务已完成…24项整改任务正在持续推进: counts of tasks, not of the 14 problems
    assert parsed("n0101")[1].figures == {"problems": 14, "tasks_completed": 132, "tasks_in_progress": 24, "tasks": 156}
    assert parsed("n0249")[1].figures == {"problems": 32}  # "指出了4个方面32个问题"
    assert parsed("seed")[1].figures == {}


def test_extract_figures_kinds() -> None:
    text = notice_texts()["n0001"]
    figures = extract_figures(text)
    assert {"value": 66.57, "unit": "万元", "context": "清退违规资金66.57万元"} in figures["amounts"]
    assert {"value": 98.71, "unit": "%", "context": "总体完成率98.71%"} in figures["percentages"]
    assert any(d["value"] == "2021年11月8日" for d in figures["dates"])
    assert any(c["value"] == 589 and c["unit"] == "项" for c in figures["counts"])


def test_find_status_ignores_non_status_completion() -> None:
    assert find_status("8月份已完成第一次。") == ""
    assert find_status("已完成。正在推进。已完成") == "已完成、正在推进"


# --------------------------------------------------------------------------
# Whole corpus
# --------------------------------------------------------------------------


def test_corpus_findings_are_consistent() -> None:
    with_findings = 0
    for doc_id in ["seed", *notice_texts()]:
        text, s = parsed(doc_id)
        labels = [f.label for f in s.findings]
        assert len(labels) == len(set(labels)), doc_id
        for f in s.findings:
            assert text[f.start : f.end] == f.text and f.text.strip() == f.text, (doc_id, f.label)
            assert f.heading and f.problem, (doc_id, f.label)
            assert f.doc_id == doc_id
        for sec in s.sections:
            assert 0 <= sec.start < sec.end <= len(text), (doc_id, sec)
        with_findings += bool(s.findings)
    # seed + the notices whose excerpt reaches the problem-by-problem part
    assert with_findings >= 5


# Every notice of the shared corpus that states completion counts, with the counts
# its text states (read off the text; the quoted wording is the evidence).
STATED_FIGURES = {
    # 巡察反馈的697个问题,完成整改688个,…持续整改问题4个,未完成5个,总体完成率98.71%
    "n0001": {"problems": 697, "completed": 688, "in_progress": 4, "not_completed": 5, "rate": "98.71%"},
    # 前六轮反馈的1157个问题,已完成整改1148个,完成率达99%
    "n0026": {"problems": 1157, "completed": 1148, "rate": "99%"},
    # 《审计工作报告》反映的400个问题,已完成整改336个
    "n0088": {"problems": 400, "completed": 336},
    # 明确156项整改任务…132项整改任务已完成或基本完成,24项整改任务正在持续推进
    "n0101": {"problems": 14, "tasks": 156, "tasks_completed": 132, "tasks_in_progress": 24},
    # 26个具体问题、29项整改措施已完成: 29 measures done, not 29 of 26 problems
    "n0110": {"problems": 26, "tasks_completed": 29},
    # 发现…等方面问题199条,已整改92条
    "n0143": {"problems": 199, "completed": 92},
    # 反馈的问题已经整改销号14个
    "n0145": {"completed": 14},
}
#: Texts that mention 已完成/整改 with a number that is no completion count of problems.
NOT_COMPLETION = {
    "n0005": "36个问题整改不够到位",  # problems whose rectification falls short, not problems fed back
    "n0066": "已经进驻了23个",
    "n0295": "220个村级党组织,已完成153个",  # village coverage
}


@cache
def cleaned_texts() -> dict[str, str]:
    from ingest.clean import clean
    from ingest.raw import RawDocument

    with NOTICES.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {row["id"]: clean(RawDocument(row["id"], row["text"], "x"))[0] for row in rows}


@pytest.mark.parametrize("doc_id", sorted(STATED_FIGURES))
def test_completion_figures_are_the_ones_the_text_states(doc_id: str) -> None:
    from ingest.structure import document_figures

    figures = document_figures(cleaned_texts()[doc_id])
    expected = STATED_FIGURES[doc_id]
    assert {k: v for k, v in figures.items() if k in _COMPLETION_KEYS or k == "problems"} == {
        k: v for k, v in expected.items() if k in _COMPLETION_KEYS or k == "problems"
    }
    for key, value in figures.items():  # every number shown is written in the text
        assert str(value).rstrip("%") in cleaned_texts()[doc_id], (doc_id, key, value)


_COMPLETION_KEYS = {"completed", "in_progress", "not_completed", "tasks_completed", "tasks_in_progress", "rate"}


def test_every_notice_stating_completion_counts_is_checked() -> None:
    """Found by grep over the whole corpus: each notice saying 已完成整改N / N项…已完成 is in the table."""
    import re

    stated = re.compile(
        r"(?:完成整改|整改完成|整改到位|整改销号|已整改)\s*\d+\s*[个项条件]|\d+\s*[个项条件]\S{0,6}已完成"
    )
    found = {doc_id for doc_id, text in cleaned_texts().items() if stated.search(text)}
    assert found <= set(STATED_FIGURES) | set(NOT_COMPLETION), found - set(STATED_FIGURES) - set(NOT_COMPLETION)
    for doc_id in NOT_COMPLETION:
        figures = parse_structure(cleaned_texts()[doc_id], doc_id).figures
        assert not _COMPLETION_KEYS & set(figures) and "problems" not in figures, (doc_id, figures)


def test_completed_count_is_the_number_after_the_verb() -> None:
    """The issue's report (``已完成整改16个`` shown as ``completed 18``): the count stated as done wins."""
    from ingest.structure import document_figures

    assert document_figures("已完成整改16个")["completed"] == 16
    # a total written before the verb is the total, not the completed count
    assert document_figures("共18个问题已完成整改16个")["completed"] == 16
    figures = document_figures("制定18项整改措施已完成16项")
    assert figures["tasks"] == 18 and figures["tasks_completed"] == 16
