"""The themes page (共性问题) on the real development corpus index, run headless with AppTest (issue 18).

Cards count the places or units their notices concern and never say ``0 个`` while a member names one;
chart labels are the groups' whole labels (no ``…``, no label length limit on the axis); every member
shows the sentence stating its problem with the statement marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_index import page_opener
from streamlit.testing.v1 import AppTest

from index.analysis.themes import themes
from index.store.folder import load

TIMEOUT = 180


@pytest.fixture
def open_page(page_index: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """Open the page at a deep link and run it once."""
    return page_opener(page_index, monkeypatch, TIMEOUT)


@pytest.fixture(scope="module")
def page_groups(page_index: Path) -> list[dict]:
    return themes(load(page_index))


def _cards(at: AppTest) -> list[str]:
    return [h.value for h in at.html if 'class="ns-theme"' in h.value and not h.value.startswith("<style>")]


def test_cards_count_places_never_zero(open_page, page_groups: list[dict]) -> None:
    at = open_page(view="themes")
    cards = _cards(at)
    assert len(cards) == len(page_groups)
    for card, group in zip(cards, page_groups, strict=True):
        assert not re.search(r"<b>0</b> 个", card), card
        named = [m for m in group["members"] if m["place"]]
        if named:
            assert f"<b>{group['count_places']}</b> 个地方或单位" in card and group["count_places"] >= 1
            assert all(p in card for p in group["places"])
        else:
            assert "地方或单位未写明" in card
    assert sum("个地方或单位" in c for c in cards) >= 0.8 * len(cards)


def test_chart_labels_are_whole(open_page, page_groups: list[dict]) -> None:
    at = open_page(view="themes")
    charts = list(at.get("arrow_vega_lite_chart")) + list(at.get("vega_lite_chart"))
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    y = spec["encoding"]["y"]
    assert y["axis"]["labelLimit"] == 0  # Vega-Lite's default cuts labels at 200 px with …
    assert y["sort"] == [f"{g['theme']}. {g['label_shown']}" for g in page_groups]
    assert not any(label.endswith("…") for label in y["sort"])
    assert any(len(g["label_shown"]) > 15 for g in page_groups)  # the long ones are there, whole


def test_members_show_their_evidence_marked(open_page, page_groups: list[dict]) -> None:
    at = open_page(view="themes")
    members = "".join(h.value for h in at.html if "ns-members" in h.value)
    marks = re.findall(r'<div class="ns-evidence">原文：.*?<mark>(.*?)</mark>', members)
    expected = [m for g in page_groups for m in g["members"] if m["evidence_mark"][1] > m["evidence_mark"][0]]
    assert len(marks) == len(expected) > 0
