"""The compare, related (同类问题) and themes (共性问题) pages, run headless with AppTest.

The page reads the same real index as ``test_app.py`` (the shared corpus and
the seed, built once per session by :mod:`helpers_index`); pages are opened
through their deep links (``?view=compare&a=seed&b=n0242``).  Also unit tests
of the pages' pure HTML and CSV helpers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_index import page_opener
from streamlit.testing.v1 import AppTest

from index.records import Document
from ui import compare, export, highlight, related, state, themes
from ui.links import related_href

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 180  # the first comparison embeds the seed's findings
SEED = "seed"


# --------------------------------------------------------------------- fixtures / helpers


@pytest.fixture
def open_page(page_index: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """Open the page at a deep link (``open_page(view="compare", a="seed")``) and run it once."""
    return page_opener(page_index, monkeypatch, TIMEOUT)


def html_of(at: AppTest, marker: str) -> list[str]:
    """Bodies of st.html elements containing ``marker`` (style blocks excluded)."""
    return [h.value for h in at.html if marker in h.value and not h.value.startswith("<style>")]


def pair_sides(at: AppTest) -> list[tuple[str, str]]:
    """(A side, B side) HTML of every aligned pair card on the compare page."""
    body = "".join(html_of(at, 'class="ns-pair"'))
    cards = body.split('<div class="ns-pair">')[1:]
    return [(card.split('class="ns-sim"')[0], card.split('class="ns-side ns-side-b"')[1]) for card in cards]


def unit_labels(side_html: str) -> str:
    """The heading line (label and statement) of a unit's HTML."""
    return re.search(r'class="ns-unit-head">(.*?)</div>', side_html).group(1)


def subheaders(at: AppTest) -> list[str]:
    """The page's subheader texts."""
    return [s.value for s in at.subheader]


def related_doc_ids(at: AppTest) -> list[str]:
    """The notice ids of the related page's result cards, in rank order."""
    return [re.search(r"编号 ([\w.-]+)", card).group(1) for card in html_of(at, 'class="ns-hit"')]


# --------------------------------------------------------------------- compare


def test_compare_seed_with_itself_pairs_every_finding(open_page, page_documents: dict[str, Document]) -> None:
    at = open_page(view="compare", a=SEED, b=SEED)
    assert at.selectbox(key=compare.KEY_A).value == SEED and at.selectbox(key=compare.KEY_B).value == SEED
    count = len(page_documents[SEED].findings)
    assert count == 26
    sides = pair_sides(at)
    assert len(sides) == count
    assert all(unit_labels(a) == unit_labels(b) for a, b in sides)  # each finding with itself
    assert "两篇都有（26 对）" in subheaders(at)
    assert {m.label: m.value for m in at.metric} == {"对齐": "26 对", "仅 A 有": "0", "仅 B 有": "0"}
    assert not html_of(at, "ns-only-a") and not html_of(at, "ns-only-b")
    assert not html_of(at, "状态不同")
    assert any("按问题" in c.value and "0.960" in c.value for c in at.caption)  # unit and threshold shown
    assert at.get("download_button")


def test_compare_seed_with_feedback_shares_ideology(open_page, page_documents: dict[str, Document]) -> None:
    at = open_page(view="compare", a=SEED, b="n0242")
    sides = pair_sides(at)
    assert any("意识形态" in unit_labels(a) and "意识形态" in unit_labels(b) for a, b in sides), sides
    only_a = "".join(html_of(at, "ns-only-a")).count('class="ns-side ns-only-a"')
    only_b = "".join(html_of(at, "ns-only-b")).count('class="ns-side ns-only-b"')
    assert len(sides) + only_a == len(page_documents[SEED].findings)  # every seed finding is paired or A-only
    assert only_b > 0
    assert f"仅 A 有（{only_a}）" in subheaders(at) and f"仅 B 有（{only_b}）" in subheaders(at)
    assert at.query_params.get("a") in (SEED, [SEED]) and at.query_params.get("b") in ("n0242", ["n0242"])


def test_compare_swap_and_read_notice(open_page) -> None:
    at = open_page(view="compare", a=SEED, b="n0242")
    next(b for b in at.button if b.key == "cmp_swap").click().run()
    assert not at.exception
    assert at.selectbox(key=compare.KEY_A).value == "n0242" and at.selectbox(key=compare.KEY_B).value == SEED
    next(b for b in at.button if b.key == "cmp_open_b").click().run()
    assert not at.exception
    assert at.radio(key=state.KEY_VIEW).value == "notice"
    assert at.selectbox(key="doc_id").value == SEED


def test_compare_unknown_doc_in_link_warns(open_page) -> None:
    at = open_page(view="compare", a="n9999", b="n0242")
    assert any("n9999" in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.selectbox(key=compare.KEY_A).value != "n9999"  # fell back to the default notice
    assert at.selectbox(key=compare.KEY_B).value == "n0242"
    assert html_of(at, "ns-cmp-docs")  # and still compares


# --------------------------------------------------------------------- related


def test_related_for_seed_finding_lists_other_notices(open_page) -> None:
    at = open_page(view="related", ref=f"{SEED}:问题3")
    box = at.text_input(key=related.KEY_QUERY).value  # the finding's label, heading and unit, not its internal id
    assert box.startswith("问题3 落实意识形态工作责任制不到位") and "seed" not in box and "（" in box, box
    assert any("落实意识形态工作责任制不到位" in h for h in html_of(at, "ns-ref-box"))
    ids = related_doc_ids(at)
    assert ids and SEED not in ids
    assert len(ids) == len(set(ids))  # one entry per notice
    cards = html_of(at, 'class="ns-hit"')
    assert all("ns-matches" in card for card in cards)  # each with its evidence
    # the case: every listed notice shows, in bold, the sentence that states 意识形态 — not a
    # passage's first sentence, no percentage, and the reason is the shared problem word, not 责任/意识
    listed = cards[:len(ids) - _folded(at)]
    for card in listed:
        bold = re.search(r'<b class="ns-evidence">(.*?)</b>', card).group(1)
        assert "意识形态" in bold, bold
        assert "%" not in card and "相关程度 " in card and "“意识形态”" in card, card
    assert at.get("download_button")
    # compare the first related notice with the referenced one
    next(b for b in at.button if b.key and b.key.startswith("rel_cmp_1_")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key=state.KEY_VIEW).value == "compare"
    assert (at.selectbox(key=compare.KEY_A).value, at.selectbox(key=compare.KEY_B).value) == (SEED, ids[0])


def _folded(at: AppTest) -> int:
    """How many notices the 另有 N 篇可能相关 expander holds (0 without one)."""
    labels = [e.label for e in at.expander if "可能相关" in e.label]
    return int(re.search(r"另有 (\d+) 篇", labels[0]).group(1)) if labels else 0


def test_related_free_text(open_page) -> None:
    at = open_page(view="related")
    assert not html_of(at, 'class="ns-hit"')
    at.text_input(key=related.KEY_QUERY).set_value("违规发放津贴补贴").run()
    assert not at.exception
    ids = related_doc_ids(at)
    assert ids and not html_of(at, "ns-ref-box")
    # the case: n0128 (…滥发津补贴等问题) first with that sentence in bold; n0001, which never
    # mentions 津贴 or 补贴, is not listed (at most folded as possibly related)
    listed = ids[:len(ids) - _folded(at)]
    assert listed[0] == "n0128" and "n0001" not in listed
    first = html_of(at, 'class="ns-hit"')[0]
    assert "滥发津补贴" in re.search(r'<b class="ns-evidence">(.*?)</b>', first).group(1)
    assert at.query_params.get("ref") in ("违规发放津贴补贴", ["违规发放津贴补贴"])


def test_related_unknown_reference_warns(open_page) -> None:
    at = open_page(view="related", ref="n9999:问题1")
    assert at.warning and "n9999" in at.warning[0].value
    assert not html_of(at, 'class="ns-hit"')


def test_notice_findings_link_to_related(open_page, page_documents: dict[str, Document]) -> None:
    at = open_page(view="notice", doc=SEED)
    listing = html_of(at, "ns-findings")[0]
    links = re.findall(r'class="ns-where" href="([^"]+)"', listing)
    assert len(links) == len(page_documents[SEED].findings)
    assert highlight.esc(related_href(f"{SEED}:问题3")) in links


# --------------------------------------------------------------------- themes


def test_themes_show_recurring_problems(open_page) -> None:
    at = open_page(view="themes")
    cards = html_of(at, 'class="ns-theme"')
    assert cards
    wanted = [c for c in cards if "意识形态" in c or "八项规定" in c]
    assert wanted, cards[:3]
    counts = [int(n) for n in re.findall(r"<b>(\d+)</b> 篇通报", "".join(wanted))]
    assert counts and all(n >= 2 for n in counts)
    assert len(at.get("arrow_vega_lite_chart")) + len(at.get("vega_lite_chart")) >= 1
    members = html_of(at, "ns-members")
    assert len(members) == len(cards)
    assert all("?view=notice&amp;doc=" in m and "?view=related&amp;ref=" in m for m in members)
    assert at.get("download_button")
    at.select_slider(key=themes.KEY_MIN_NOTICES).set_value(3).run()
    assert not at.exception
    narrower = html_of(at, 'class="ns-theme"')
    assert 0 < len(narrower) < len(cards)
    assert all(int(n) >= 3 for n in re.findall(r"<b>(\d+)</b> 篇通报", "".join(narrower)))


# --------------------------------------------------------------------- pure helpers


def _finding(label: str, status: str, heading: str = "财务管理不规范") -> dict:
    return {"doc_id": "x", "unit": "finding", "ref": f"x:{label}", "label": label, "heading": heading,
            "problem": heading, "measures": "=SUM(A1)<b>", "status": status}


def test_pair_marks_status_difference_and_escapes() -> None:
    same = compare._pair_html({"a": _finding("问题1", "已完成"), "b": _finding("问题2", "已完成"), "similarity": 0.97})
    assert "状态不同" not in same and "97.0%" in same
    differ = compare._pair_html({"a": _finding("问题1", "已完成"), "b": _finding("问题2", ""), "similarity": 0.97})
    assert "状态不同" in differ and differ.count("ns-status-diff") == 2 and "未注明状态" in differ
    assert "<b>" not in differ.replace("<b>97.0%</b>", "") and "&lt;b&gt;" in differ


def test_comparison_csv_rows_and_formula_guard() -> None:
    result = {"pairs": [{"a": _finding("问题1", "已完成"), "b": _finding("问题2", ""), "similarity": 0.97}],
              "only_a": [_finding("问题3", "")],
              "only_b": [{"doc_id": "y", "unit": "item", "ref": "y@5", "heading": "党内政治生活不严肃", "text": "…"}]}
    rows = list(csv.reader(io.StringIO(compare.comparison_csv(result).decode("utf-8-sig"))))
    assert tuple(rows[0]) == compare.CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == ["两篇都有", "仅A有", "仅B有"]
    assert rows[1][5] == "'=SUM(A1)<b>"  # spreadsheet formulas are neutralised
    assert rows[3][2] == "" and rows[3][9] == "党内政治生活不严肃"


def test_related_and_themes_csv() -> None:
    entry = {"doc_id": "n1", "title": "+标题", "org": "某县委", "date": "2020-01-01", "kind": "feedback",
             "url": "http://a.cn", "score": 0.1,
             "matches": [{"label": "问题1", "heading": "学习不深", "text": "学习不深", "measures": "加强学习",
                          "similarity": 0.9}, {"section": "一、", "heading": "段", "text": "正文", "similarity": 0.8}]}
    rows = list(csv.reader(io.StringIO(related.related_csv([entry]).decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[1][1] == "'+标题" and rows[1][5] == "问题1 学习不深" and rows[2][5] == "段"
    group = {"theme": 1, "label": "八项规定", "keywords": ["八项规定", "作风"], "count_notices": 2, "count_orgs": 1,
             "count_members": 2, "members": [{"doc_id": "n1", "ref": "n1@3", "unit": "item", "heading": "违反八项规定",
                                              "title": "t", "org": "", "year": 2020, "label": "", "text": "句"}]}
    rows = list(csv.reader(io.StringIO(themes.themes_csv([group]).decode("utf-8-sig"))))
    assert tuple(rows[0]) == themes.CSV_COLUMNS and rows[1][2] == "八项规定、作风" and rows[1][12] == "n1@3"
    assert export.table_csv(("a",), [[None]]).decode("utf-8-sig").splitlines() == ["a", '""']
