"""Recurring problems across the real shared corpus, and the problem items they are built from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_compare import announcements_index, cli

from index.analysis.findings import NoFindings, problem_items
from index.analysis.themes import CONTENT_TAGS, _tag, is_content_word, notice_place, themes
from index.shown import shown_map
from index.store.folder import IndexData, load
from index.text.tokenize import DOMAIN_TERMS


@pytest.fixture(scope="module")
def groups(searcher) -> list[dict]:
    return themes(searcher)


def _with_keyword(groups: list[dict], word: str) -> dict:
    found = [g for g in groups if word in g["keywords"]]
    assert found, [(g["label"], g["keywords"]) for g in groups]
    return found[0]


def _refs(group: dict) -> set[str]:
    return {m["ref"] for m in group["members"]}


# -- problem items --------------------------------------------------------------------------


def _items(data: IndexData, doc_id: str) -> list[str]:
    return [u.heading for u in problem_items(data.documents[doc_id])]


def test_items_of_an_inline_problem_list(searcher) -> None:
    """n0135: 有的在…有差距;有的…不够到位;… — six problems, lead-ins dropped."""
    assert _items(searcher.data, "n0135") == [
        "在学习宣传贯彻党的二十大精神上有差距", "落实上级决策部署和工作要求不够到位", "履行管党治党责任有欠缺",
        "执行中央八项规定及其实施细则精神不严格", "党内政治生活不严肃", "落实巡察整改不彻底",
    ]


def test_items_of_an_enumeration_list(searcher) -> None:
    """n0086: 仍然存在着A不充分、B办法不多、C力度不够…等多项问题 — one item per problem, the tail dropped."""
    items = _items(searcher.data, "n0086")
    assert "党组核心和引领作用发挥不充分" in items
    assert "风险防范意识不强" in items and "工作作风不实不细" in items
    assert "基层党组织建设存在短板" in items
    assert not any("巡察组" in item or "重点检查" in item for item in items)


def test_no_items_from_announcements_or_notices_with_findings(searcher) -> None:
    data = searcher.data
    assert all(not problem_items(d) for d in data.documents.values() if d.kind == "announcement")
    assert problem_items(data.documents["seed"]) == []  # its 26 findings are its problems


# -- themes ---------------------------------------------------------------------------------


def test_groups_have_consistent_counts(groups: list[dict]) -> None:
    assert len(groups) >= 10
    assert [g["theme"] for g in groups] == list(range(1, len(groups) + 1))
    assert [g["count_notices"] for g in groups] == sorted((g["count_notices"] for g in groups), reverse=True)
    for group in groups:
        assert group["count_members"] == len(group["members"]) >= 2
        assert group["count_notices"] == len(set(group["doc_ids"])) == len({m["doc_id"] for m in group["members"]})
        assert group["count_notices"] >= 2
        assert group["count_orgs"] == len(group["orgs"])
        assert sum(group["years"].values()) <= group["count_notices"]
        assert group["label"] and group["keywords"]


def test_ideology_group(groups: list[dict]) -> None:
    group = _with_keyword(groups, "意识形态")
    assert {"seed:问题3", "seed:问题2"} <= _refs(group)
    assert {"n0128", "n0242"} <= set(group["doc_ids"])
    on_topic = sum("意识形态" in m["heading"] for m in group["members"])
    assert on_topic >= len(group["members"]) - 1, [m["heading"] for m in group["members"]]


def test_eight_rules_group(groups: list[dict]) -> None:
    group = _with_keyword(groups, "中央八项规定")
    assert "seed:问题24" in _refs(group)
    assert group["count_notices"] >= 4 and "n0135" in group["doc_ids"]
    assert group["years"].get("2020") == 1  # the seed


def test_finance_group_joins_the_seeds_financial_discipline(groups: list[dict]) -> None:
    group = _with_keyword(groups, "财务管理")
    assert "seed:问题25" in _refs(group)  # 执行财经纪律不严格
    assert {"n0128", "n0242"} <= set(group["doc_ids"])


def test_min_notices_and_threshold(searcher, groups: list[dict]) -> None:
    loose = themes(searcher, min_notices=1)
    assert len(loose) > len(groups)
    assert any(g["count_notices"] == 1 for g in loose)
    assert all(g["count_notices"] >= 3 for g in themes(searcher, min_notices=3))
    tight = themes(searcher, threshold=0.99)
    assert sum(g["count_members"] for g in tight) < sum(g["count_members"] for g in groups)


def test_themes_on_an_announcements_index(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = announcements_index(tmp_path_factory)
    with pytest.raises(NoFindings, match="no findings or problem statements"):
        themes(load(root))
    result = cli("themes", "--index", str(root))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_cli_themes_json_and_text(shared_index: Path) -> None:
    result = cli("themes", "--index", str(shared_index), "--json", "--min-notices", "3")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out and all(g["count_notices"] >= 3 for g in out)
    assert any("意识形态" in g["keywords"] for g in out)
    result = cli("themes", "--index", str(shared_index), "--top", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1. ") and "关键词：" in result.stdout
    assert not any(line.startswith("4. ") for line in lines)


# -- labels, places, keywords, evidence (issue 18) --------------------------------------------


def test_labels_are_whole_member_statements(groups: list[dict]) -> None:
    """The label is the medoid member's statement, whole, in the notice's characters."""
    for group in groups:
        assert not group["label"].endswith("…") and not group["label_shown"].endswith("…")
        assert group["label"] in [m["heading"] for m in group["members"]]
        assert group["label_shown"] in [m["heading_shown"] for m in group["members"]]


def test_places_are_counted_from_each_notice(searcher, groups: list[dict]) -> None:
    """Places/units come from each notice (inspected unit, the title's unit, issuer, place name), never 0 when named."""
    docs = searcher.data.documents
    assert notice_place(docs["seed"]) == "市委宣传部"  # its inspected unit
    assert notice_place(docs["n0242"]) == "姜南社区"  # 卫滨区委第一巡察组向姜南社区反馈巡察情况
    assert notice_place(docs["n0194"]) == "璧山区"  # 市委第七巡视组向璧山区反馈巡视情况 (no metadata)
    # jieba cuts 召开|籍|山镇 and 海东|市县: the place is still the whole name
    assert notice_place(docs["n0050"]) == "籍山镇"  # 县委第二巡察组召开籍山镇巡察“回头看”情况反馈大会
    assert notice_place(docs["n0143"]) == "海东市"  # 海东市县巡察工作面临的问题困难及对策建议
    for group in groups:
        named = {m["place"] for m in group["members"] if m["place"]}
        assert group["count_places"] == len(group["places"]) == len(named)
        if named:
            assert group["count_places"] >= 1
        for member in group["members"]:
            assert member["place"] == notice_place(docs[member["doc_id"]])
    assert sum(g["count_places"] >= 2 for g in groups) >= 5
    assert sum(g["count_places"] for g in groups) > sum(g["count_orgs"] for g in groups)


def test_keywords_are_content_words(groups: list[dict]) -> None:
    """Keywords are nouns, verbs, verbal nouns or set phrases (jieba.posseg), or domain terms; no function words."""
    keywords = [k for g in groups for k in g["keywords"]]
    assert keywords
    for word in keywords:
        assert is_content_word(word), (word, _tag(word))
        assert word in DOMAIN_TERMS or _tag(word).startswith(CONTENT_TAGS), (word, _tag(word))
    assert not {"及其", "健康", "两个", "问题"} & set(keywords)  # conjunction, adjective, numeral, every notice's word


def test_every_member_carries_its_evidence_sentence(searcher, groups: list[dict]) -> None:
    """Each member's sentence is the notice's own text, with the problem statement marked in it."""
    docs = searcher.data.documents
    members = [m for g in groups for m in g["members"]]
    marked = 0
    for member in members:
        evidence, (start, end) = member["evidence"], member["evidence_mark"]
        assert evidence
        assert evidence.strip("…") in shown_map(docs[member["doc_id"]]).shown
        if end > start:
            marked += 1
            assert evidence[start:end] == member["heading_shown"], member
    assert marked >= 0.9 * len(members)
