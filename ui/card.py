"""The notice card on the notice page: each stated fact, linked to the words of the notice it came from."""

from __future__ import annotations

from index.records import Document
from index.shown import shown_map
from ingest.card import CARD_FIELDS

from . import highlight

#: Chinese names of the card fields, in display order.
CARD_NAMES = CARD_FIELDS
_CONTACT_FIELDS = ("phone", "email", "mailbox", "hours")


def card_anchor(start: int) -> str:
    """Element id put in the full text at offset ``start`` of a card value."""
    return f"ns-c-{start}"


def _value_link(doc: Document, item: dict) -> str:
    start, end = int(item.get("start", 0)), int(item.get("end", 0))
    words = shown_map(doc).span(start, end) if end > start else str(item.get("value", ""))
    return f'<a href="#{card_anchor(start)}" title="跳到原文">{highlight.esc(words or item.get("value", ""))}</a>'


def card_rows(doc: Document) -> list[tuple[str, str]]:
    """(Chinese label, escaped HTML) rows of ``doc``'s card; every value a link to its words in the full text.

    When the notice lists several groups, contact details are given per group. An index made before the
    card existed has none: no rows.
    """
    card = doc.card or {}
    contacts = card.get("contacts") or []
    per_group = len(contacts) > 1
    rows = []
    for key, name in CARD_NAMES.items():
        if per_group and key in _CONTACT_FIELDS:
            continue
        items = card.get(key) or []
        if items:
            rows.append((name, "、".join(_value_link(doc, item) for item in items)))
    if per_group:
        for contact in contacts:
            parts = [f"{CARD_NAMES[f]}：" + "、".join(_value_link(doc, i) for i in contact.get(f) or [])
                     for f in _CONTACT_FIELDS if contact.get(f)]
            label = contact.get("group") or "其他"
            units = "、".join(contact.get("inspected") or [])
            head = f"{highlight.esc(units)}：" if units else ""
            rows.append((f"{label} 联系方式", head + "；".join(parts)))
    return rows


def card_anchors(doc: Document) -> dict[int, str]:
    """Offsets of the card's values in the full text → the element ids the card links to."""
    card = doc.card or {}
    out: dict[int, str] = {}
    for key in CARD_NAMES:
        for item in card.get(key) or []:
            out[int(item.get("start", 0))] = card_anchor(int(item.get("start", 0)))
    return out
