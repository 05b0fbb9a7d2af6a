"""Which inspection a question and a notice name (index/text/ordinals.py), on real notices and questions."""

from __future__ import annotations

import json

import pytest
from shared_data import NOTICES, QUESTIONS_THIRD

from index.text.ordinals import chinese, clash, clash_note, number, ordinals


def _notice(doc_id: str) -> str:
    with NOTICES.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["id"] == doc_id:
                return row.get("title", "") + row["text"]
    raise KeyError(doc_id)


def _question(qid: str) -> dict:
    with QUESTIONS_THIRD.open(encoding="utf-8") as handle:
        return next(q for q in map(json.loads, handle) if q["qid"] == qid)


@pytest.mark.parametrize(("text", "value"), [("五", 5), ("十", 10), ("十一", 11), ("二十三", 23), ("首", 1),
                                             ("12", 12), ("一百零五", 105)])
def test_numerals(text: str, value: int) -> None:
    assert number(text) == value


def test_markers_of_a_real_notice() -> None:
    found = ordinals(_notice("n0033"))  # 秦安县十七届县委第六轮巡察信访举报渠道公布
    assert 17 in found["term"] and 6 in found["round"]


@pytest.mark.parametrize("qid", ["p1-049", "p1-051", "p1-052"])
def test_a_question_about_another_round_clashes_with_the_notice(qid: str) -> None:
    """The labellers' kind (c): the unit's notice reports another round than the one asked about."""
    question = _question(qid)
    doc_id = question["note"].split()[1]  # "(c) n0033 is 第六轮 …": the notice the question is close to
    assert question["type"] == "unanswerable"
    assert clash(question["query"], _notice(doc_id)) > 0


def test_questions_about_the_reported_round_do_not_clash() -> None:
    """Every answerable question of the third file that names a round or term agrees with its notice."""
    with QUESTIONS_THIRD.open(encoding="utf-8") as handle:
        rows = [q for q in map(json.loads, handle) if q["type"] in ("fact", "paraphrase") and q["relevant"]
                and q["relevant"][0] != "seed" and ordinals(q["query"])]
    assert len(rows) >= 20
    clashing = [q["qid"] for q in rows if clash(q["query"], _notice(q["relevant"][0])) > 0]
    assert len(clashing) <= len(rows) // 20, clashing


def test_the_note_names_both_rounds_in_the_notices_numerals() -> None:
    question = _question("p1-049")  # 秦安县十七届县委第五轮… asked; n0033 reports 第六轮
    assert clash_note(question["query"], _notice("n0033")) == "问题问的是第五轮，这篇通报写的是第六轮"
    assert [chinese(v) for v in (5, 10, 14, 21)] == ["五", "十", "十四", "二十一"]
