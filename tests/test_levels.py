"""The level of inspection a notice names (中央/省/市/县) and a question asks about: real notices and questions."""

from __future__ import annotations

from shared_data import clean_notices, question

from index.text.levels import asked_levels, level_mentions
from index.text.query import clean_query, drop_exclusions


def _query(qid: str) -> str:
    """The question as related searches it: what it says does not count (…中央巡视央企…都不算) dropped."""
    return drop_exclusions(clean_query(question(qid)["query"]))


def test_notices_name_their_inspecting_body() -> None:
    notices = clean_notices()
    assert level_mentions(notices["n0097"])["省"] >= 1  # 十届安徽省委首轮巡视发现问题503个
    assert level_mentions(notices["n0289"]).most_common(1)[0][0] == "省"  # 省委第十巡视组对宜城市…
    assert level_mentions(notices["n0210"]).most_common(1)[0][0] == "市"  # 通辽市六届市委第九轮巡察


def test_questions_ask_for_a_level_only_by_naming_an_inspecting_body() -> None:
    assert asked_levels(_query("p3-068")) == ["省"]  # 省委或自治区党委的巡视组把省属(省管)国有企业列为巡视对象
    assert "省" in asked_levels(_query("p3-112"))  # 省委(含自治区党委)巡视组开展的巡视“回头看”
    assert asked_levels("巡视巡察指出了落实中央八项规定精神不到位的问题") == []  # 中央八项规定 is no body
    assert asked_levels("哪些单位被指出违规发放津贴补贴") == []
