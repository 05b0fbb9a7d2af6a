"""Organisation abbreviations (医保局 / 医疗保障局) found in the real notices' own text, and what they do to
the keyword search of real development questions."""

from __future__ import annotations

import pytest
from shared_data import clean_notices, question

from index.text.abbreviation import candidates, expansions, spells
from index.text.tokenize import is_word, segment


def _corpus_text() -> str:
    return "\n".join(clean_notices().values())


@pytest.mark.parametrize(("short", "full"), [
    ("医保局", "医疗保障局"),  # 县医疗保障局 in seven notices, 医保局 in one
    ("残联", "残疾人联合会"),
    ("住建局", "住房城乡建设局"),  # one word between dropped: 住房 [城乡] 建设 局
    ("卫健委", "卫生健康委"),
    ("市场监管局", "市场监督管理局"),  # a whole short word kept: 市场
    ("统战部", "统一战线工作部"),
    ("发改委", "发展和改革委员会"),
])
def test_the_notices_spell_out_the_short_names(short: str, full: str) -> None:
    assert full in expansions(short, _corpus_text(), segment)


@pytest.mark.parametrize("word", ["医院", "党委", "宣传部", "教育局", "审计局", "巡察办", "组织部"])
def test_words_that_are_no_short_name_have_no_full_name(word: str) -> None:
    # 医院 is not 医科院 nor 医学院 (a full name is two characters longer at least); 教育局 is not 教育体育局
    # (a dropped word only between one-character starts)
    assert expansions(word, _corpus_text(), segment) == []


def test_level_names_and_words_after_a_verb_are_no_candidates() -> None:
    # 开党委扩大会议: 党委 is a dictionary word, so the verb 开 before it is not part of a short name
    groups = candidates(segment("集团公司开党委扩大会议部署落实省委巡视反馈意见"), is_word)
    assert all("开党委" not in group for group in groups)
    assert not any({"市委", "县委"} & set(group) for group in candidates(segment("市委巡察组进驻县委"), is_word))
    assert candidates(segment("安康市卫健委党委被巡察后"), is_word)[0][0] == "卫健委"  # jieba: 卫 健委


def test_spelling_takes_each_words_start_in_order() -> None:
    assert spells("医保局", ("医疗", "保障", "局"))
    assert spells("住建局", ("住房", "城乡", "建设", "局"))
    assert not spells("区委办", ("区委", "巡察", "办"))  # a two-character start and a dropped word
    assert not spells("保局", ("医疗", "保障", "局"))  # the first word's start is kept


def test_keyword_search_of_a_question_naming_a_short_name_finds_the_full_name(searcher) -> None:
    """p3-061 医保局被巡察的都有哪些?: the labelled notices say 医疗保障局; the top 10 held 2 of 9 before."""
    from index.analysis.related import related_documents

    asked = question("p3-061")
    assert "医疗保障局" in searcher.keyword_text(asked["query"])
    found = set(related_documents(searcher, asked["query"], k=10)) & set(asked["relevant"])
    assert len(found) >= 7, found
    # a question without a short name is searched as it is
    assert searcher.keyword_text("违规发放津贴补贴") == "违规发放津贴补贴"
