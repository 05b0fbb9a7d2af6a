"""The notice card on real notices: per-field precision and recall on 60 hand-labelled notices, spans, old
indexes without a card, the card on the notice page and the card's answers to questions."""

from __future__ import annotations

import pytest
from card_docs import prepared_documents
from card_scoring import load_labels, score

from index.answer.card_answer import card_answer, card_field
from index.records import Document
from ingest.card import CARD_FIELDS
from ui.card import card_anchor, card_anchors, card_rows
from ui.highlight import mark

PRECISION = 0.95
RECALL = 0.85


@pytest.fixture(scope="module")
def cards() -> dict[str, dict]:
    docs = prepared_documents()
    return {row["id"]: docs[row["id"]].card for row in load_labels()}


def test_labels_cover_the_corpus_spread():
    rows = load_labels()
    assert len(rows) >= 40 and any(r["id"] == "seed" for r in rows)
    kinds = {r["kind"] for r in rows}
    assert {"rectification_progress", "feedback", "announcement"} <= kinds
    assert sum(r["mojibake"] for r in rows) >= 6
    assert any(len(r.get("contacts") or []) > 1 for r in rows)  # an announcement listing several groups
    assert {r["split"] for r in rows} == {"dev", "heldout", "targeted"}


@pytest.mark.parametrize("field", list(CARD_FIELDS))
def test_field_precision_and_recall(cards, field):
    figures = score(load_labels(), cards)[field]
    assert figures["precision"] >= PRECISION, figures
    assert figures["recall"] >= RECALL, figures


def test_every_value_is_its_span(cards):
    docs = prepared_documents()
    for doc_id, card in cards.items():
        text = docs[doc_id].text
        for field in CARD_FIELDS:
            for item in card.get(field, []):
                assert text[item["start"]:item["end"]] == item["value"], (doc_id, field, item)


def test_contacts_per_group_in_a_several_groups_announcement(cards):
    contacts = {c["group"]: c for c in cards["n0034"]["contacts"]}
    assert [e["value"] for e in contacts["县委第三巡察组"]["email"]] == ["whxwxcz3@outlook.com"]
    assert "县教育局" in contacts["县委第三巡察组"]["inspected"]
    assert [p["value"] for p in contacts["县委第四巡察组"]["phone"]] == ["0553-2595761", "18755343575"]


def test_old_document_without_card_opens_with_an_empty_card():
    data = prepared_documents()["seed"].to_dict()
    del data["card"]
    doc = Document.from_dict(data)
    assert doc.card == {}
    assert card_rows(doc) == [] and card_anchors(doc) == {}
    assert Document.from_dict(prepared_documents()["seed"].to_dict()).card == prepared_documents()["seed"].card


def test_card_rows_link_to_the_words_in_the_full_text():
    doc = prepared_documents()["seed"]
    rows = dict(card_rows(doc))
    phone = doc.card["phone"][0]
    assert "0744—8298516" in rows["电话"] and f'href="#{card_anchor(phone["start"])}"' in rows["电话"]
    body = mark(doc.text, anchors=card_anchors(doc))
    assert f'id="{card_anchor(phone["start"])}"' in body
    assert "市委第三巡察组" in rows["巡察（巡视）组"] and "郭天保" in rows["整改领导小组组长"]


@pytest.mark.parametrize(("question", "doc_id", "field", "value"), [
    ("想就张家界市委宣传部的巡察整改提意见,可以打哪个电话?", "seed", "phone", "0744—8298516"),
    ("张家界市委宣传部是哪天收到市委巡察组反馈的巡察意见的?", "seed", "feedback_date", "2020年7月23日"),
    ("县委第三巡察组巡察县委统战部、县教育局等单位时公布的举报电子邮箱是多少?", "n0034", "email",
     "whxwxcz3@outlook.com"),
    ("卫滨区委第一巡察组向姜南社区反馈了几类主要问题?", "n0242", "problems", "5"),
    ("省委第六巡视组对武汉经开区开展常规巡视的起止时间是什么?", "n0195", "period", "2023年7月18日至9月15日"),
])
def test_card_answers(question, doc_id, field, value):
    doc = prepared_documents()[doc_id]
    answer = card_answer(question, doc)
    assert answer is not None and answer["field"] == field and answer["value"] == value
    assert value in answer["sentence"]
    assert doc.text[answer["sentence_start"]:answer["sentence_end"]].startswith(answer["sentence"][:5])


@pytest.mark.parametrize("question", [
    "乐至县十四届县委第十二轮巡察 撤离时间",  # a deadline, not the period
    "张家界市委宣传部巡察整改由谁担任领导小组副组长?",  # the deputy, not the leader
    "十二届区委第二轮巡察反馈的697个问题中还有几个没有完成整改?",  # not completed: not on the card
    "巡察工作的意义是什么?",
])
def test_card_leaves_other_questions_alone(question):
    assert card_field(question) == ""

