"""Answers from the notice card (``Document.card``, see :mod:`ingest.card`) for the questions it answers.

Which group inspected X, when it went in (进驻/巡察时间), when it fed back, how many problems / completed /
the rate, the phone, e-mail or mailbox of the group inspecting X, who leads the rectification group, which
round: :func:`card_answer` returns the card's value with its span and the sentence around it, or ``None``
when the question is not one of these or the card does not hold the value.
"""

from __future__ import annotations

import re
from typing import Any

from index.records import Document
from index.text.sentences import split_sentences

#: Question words → card field, first match wins (contact details before the rest: 巡察组的电话 asks the phone).
#: Questions near one of these but about something else (a deadline, a deputy, clue counts, hours of the day).
_NOT_CARD = re.compile(r"截止|截至|撤离|撤走|结束|最晚|前完成|副组长|没有完成|未完成|尚未|动员|问题线索"
                       r"|整改任务|整改措施|软弱涣散|几点|多长时间|邮编|哪些")

_ASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"电话|热线|手机|联系方式"), "phone"),
    (re.compile(r"电子邮箱|电子信箱|邮箱|邮件|e-?mail", re.I), "email"),
    (re.compile(r"信箱|来信|邮寄|通信地址"), "mailbox"),
    (re.compile(r"受理时间|信访时间"), "hours"),
    (re.compile(r"完成率"), "rate"),
    (re.compile(r"(?:已|完成)[^?]{0,6}(?:整改|销号)[^?]{0,6}(?:多少|几)|(?:多少|几)[^?]{0,8}(?:已完成|完成整改|整改完成)"),
     "completed"),
    (re.compile(r"(?:多少|几)[个项条]?[^?]{0,6}问题|问题[^?]{0,6}(?:多少|几)"), "problems"),
    (re.compile(r"(?:整改)?(?:工作)?领导小组[^?]{0,6}组长|谁[^?]{0,10}(?:负责|牵头)整改"), "leader"),
    (re.compile(r"(?:何时|什么时候|哪一?天|时间|日期)[^?]{0,8}反馈|反馈[^?]{0,12}(?:何时|什么时候|哪一?天|时间|日期)"),
     "feedback_date"),
    (re.compile(r"(?:何时|什么时候|时间|日期|哪天)[^?]{0,8}(?:进驻|巡察|巡视)|(?:进驻|巡察|巡视)[^?]{0,12}(?:何时|什么时候|时间|日期)"),
     "period"),
    (re.compile(r"哪个?[^?]{0,4}巡[察视]组|哪一?组|谁[^?]{0,6}巡[察视]"), "group"),
    (re.compile(r"第几轮|哪一轮|哪轮"), "round"),
]


#: The kind of a phone or mailbox a question names (值班电话, 举报信箱): the card's value answers only when its
#: sentence names the same kind (a notice's 举报电话 is not its 值班电话).
_CONTACT_KIND = re.compile(r"(举报|值班|监督|办公|联系|咨询|受理|信访)[^,，?？。]{0,2}(?:电话|手机|邮箱|信箱)")


def card_field(question: str) -> str:
    """The card field a question asks for ('' when none)."""
    if _NOT_CARD.search(question):
        return ""
    for pattern, name in _ASKS:
        if pattern.search(question):
            return name
    return ""


def _sentence(text: str, start: int, end: int) -> tuple[str, int, int]:
    for s, e in split_sentences(text):
        if s <= start < e:
            return text[s:max(e, min(end, len(text)))], s, max(e, end)
    return text[start:end], start, end


def _contact_item(card: dict[str, Any], name: str, question: str) -> dict[str, Any] | None:
    """The ``name`` detail of the group whose inspected units (or own name) the question mentions."""
    for contact in card.get("contacts") or []:
        units = list(contact.get("inspected") or []) + ([] if name == "group" else [contact.get("group") or ""])
        if any(u and u in question for u in units):
            if name == "group" and contact.get("group"):
                return {"value": contact["group"], "start": contact.get("group_start", 0),
                        "end": contact.get("group_end", 0)}
            if contact.get(name):
                return contact[name][0]
    return None


def card_answer(question: str, doc: Document) -> dict[str, Any] | None:
    """The card's answer to ``question`` in ``doc``: ``{"field", "value", "start", "end", "sentence",
    "sentence_start", "sentence_end"}`` (offsets into ``doc.text``), or ``None``."""
    card = doc.card or {}
    name = card_field(question)
    if not name or not card.get(name):
        return None
    item = _contact_item(card, name, question) if name in ("phone", "email", "mailbox", "hours", "group") else None
    if item is None and name == "group" and len(card[name]) > 1:
        return None  # several groups, none named with the unit asked about
    item = item or card[name][0]
    start, end = int(item["start"]), int(item["end"])
    sentence, s_start, s_end = _sentence(doc.text, start, end)
    kinds = {m.group(1) for m in _CONTACT_KIND.finditer(question)} if name in ("phone", "email", "mailbox") else set()
    if kinds and not any(kind in sentence for kind in kinds):
        return None  # 值班电话 asked, the card's number is the 举报电话
    return {"field": name, "value": item["value"], "start": start, "end": end,
            "sentence": sentence, "sentence_start": s_start, "sentence_end": s_end}

