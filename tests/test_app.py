"""The Streamlit page, run headless with AppTest on a real index built by the real ingest.

Also unit tests of the page's pure helpers (escaping/highlighting, CSV, file names,
index-path resolution).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from helpers_index import MARKDOWN, NOTICES, SCRIPT, XSS_DOC_ID, question
from streamlit.testing.v1 import AppTest

from index.config import DEFAULT_INDEX_DIR
from index.filters import KIND_NAMES, KINDS, Filters
from index.records import Document
from index.retrieve.searcher import Hit
from ui import export, highlight, notice, state, upload

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 120
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --------------------------------------------------------------------- fixtures / helpers


@pytest.fixture
def app(page_index: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page, pointed at the test index through NOTICE_INDEX, after its first run."""
    monkeypatch.setenv(state.INDEX_ENV, str(page_index))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, text: str) -> AppTest:
    """Type a question and run."""
    at.text_input(key="question").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(at: AppTest, marker: str = "") -> list[str]:
    """Bodies of st.html elements containing ``marker`` (the page's CSS excluded)."""
    return [h.value for h in at.html if marker in h.value and not h.value.startswith("<style>")]


def card_kinds(at: AppTest) -> list[str]:
    """The kind name that starts each result card's meta line."""
    return [re.search(r'class="ns-meta">([^<]*?)(?: · |</div>)', card).group(1) for card in html_of(at, "ns-hit")]


def card_metas(at: AppTest) -> list[str]:
    """Each result card's meta line (kind · org · date · heading)."""
    return [re.search(r'class="ns-meta">(.*?)</div>', card).group(1) for card in html_of(at, "ns-hit")]


def rendered_text(at: AppTest) -> list[str]:
    """Everything the page rendered as HTML or Markdown."""
    return [h.value for h in at.html] + [m.value for m in at.markdown] + [m.value for m in at.caption]


# --------------------------------------------------------------------- ask / answer


@pytest.mark.parametrize("qid", ["d019", "d010"])
def test_question_shows_answer_and_its_citation(app: AppTest, page_documents: dict[str, Document], qid: str) -> None:
    row = question(qid)
    at = ask(app, row["query"])
    boxes = html_of(at, "ns-answer-box")
    assert len(boxes) == 1
    answer_text = re.search(r'class="ns-answer-text">(.*?)</div>', boxes[0]).group(1)
    assert row["answer"] in answer_text
    assert '<mark class="ns-answer">' in boxes[0]  # the sentence is highlighted inside its passage
    title = page_documents[row["relevant"][0]].title
    assert title
    cites = html_of(at, "ns-cites")
    assert len(cites) == 1
    assert f"<b>{highlight.esc(title)}</b>（答案出处）" in cites[0]
    cards = html_of(at, "ns-hit")
    assert cards and any(highlight.esc(title) in c for c in cards)
    assert any('<mark class="ns-term">' in c for c in cards)  # query terms highlighted
    assert at.get("download_button"), "CSV export is offered"


def test_seed_citation_shows_heading_path(app: AppTest) -> None:
    at = ask(app, question("d019")["query"])
    cites = html_of(at, "ns-cites")[0]
    source = next(li for li in cites.split("</li>") if "（答案出处）" in li)
    assert " &gt; " in source, source  # the heading path, e.g. 一、… > (二)…


def test_short_answer_comes_first(app: AppTest) -> None:
    at = ask(app, question("d019")["query"])  # …领导小组的组长是谁? → 郭天保
    short = html_of(at, "ns-short-answer")
    assert len(short) == 1 and "郭天保" in short[0]
    bodies = [h.value for h in at.html if not h.value.startswith("<style>")]
    assert bodies.index(short[0]) < bodies.index(html_of(at, "ns-answer-box")[0])


def test_unit_absent_from_the_corpus_says_not_found(app: AppTest) -> None:
    at = ask(app, "海口市委巡察组组长是谁？")
    assert at.warning and "语料中未找到明确答案" in at.warning[0].value
    assert not html_of(at, "ns-answer-box") and not html_of(at, "ns-short-answer")
    assert html_of(at, "ns-hit"), "the closest passages are still shown"


def test_list_answer_shows_each_item_with_its_citation(app: AppTest) -> None:
    at = ask(app, "十一届内蒙古自治区党委第七轮巡视对哪几个区直部门开展了机动巡视？")
    items = html_of(at, "ns-answer-items")
    assert len(items) == 1
    for unit in ("自治区教育厅", "自治区卫生健康委员会", "自治区医疗保障局"):
        assert re.search(rf"<li>{unit} <sup>\[\d\]</sup></li>", items[0]), items[0]


def test_which_notices_answer_lists_units_with_their_evidence(app: AppTest) -> None:
    at = ask(app, "哪些巡视巡察指出了落实中央八项规定精神不到位的问题？")
    items = html_of(at, "ns-answer-items")
    assert len(items) == 1
    rows = re.findall(r"<li>(.*?)</li>", items[0])
    assert len(rows) >= 3, items[0]
    for row in rows:  # 单位：<evidence sentence> [n], the sentence naming the topic
        assert re.search(r'：<span class="ns-item-evidence">[^<]*八项规定[^<]*</span>'
                         r'(?:<div class="ns-item-(?:measures|progress)">整改(?:措施|进展)：[^<]+</div>)* '
                         r'<sup>\[\d+\]</sup>$', row), row
    assert any('class="ns-item-progress">整改进展：' in row for row in rows), "stated counts are shown"


def test_bad_query_is_a_friendly_warning(app: AppTest) -> None:
    at = ask(app, "？？？ ！！")
    assert not html_of(at, "ns-hit")
    assert at.warning and "查询只有标点" in at.warning[0].value


# --------------------------------------------------------------------- filters


def test_kind_and_year_filters_narrow_results(app: AppTest) -> None:
    at = ask(app, "巡视 反馈 整改 问题")
    before = card_kinds(at)
    assert len(set(before)) > 1, before
    at.multiselect(key="f_kinds").set_value(["feedback"]).run()
    after = card_kinds(at)
    assert after and set(after) == {KIND_NAMES["feedback"]}, after
    assert before != after

    at.multiselect(key="f_kinds").set_value([]).run()
    at.slider(key="f_years").set_value((2020, 2020)).run()
    metas = card_metas(at)
    assert metas and all(" · 2020" in m for m in metas), metas


def _empty_combination(page_documents: dict[str, Document]) -> tuple[str, str]:
    """An organisation and a kind that each match notices, but never together."""
    orgs = sorted({d.org for d in page_documents.values() if d.org})
    for org in orgs:
        for kind in KINDS:
            alone = [Filters(org=org), Filters(kinds=(kind,))]
            together = Filters(kinds=(kind,), org=org)
            if all(any(f.accepts(d) for d in page_documents.values()) for f in alone) and not any(
                together.accepts(d) for d in page_documents.values()
            ):
                return org, kind
    raise AssertionError("no organisation/kind pair without results in the test index")


def test_filter_combination_without_results_says_so(app: AppTest, page_documents: dict[str, Document]) -> None:
    org, kind = _empty_combination(page_documents)
    app.text_input(key="f_org").set_value(org).run()
    app.multiselect(key="f_kinds").set_value([kind]).run()
    at = ask(app, "巡察整改工作领导小组")
    assert not html_of(at, "ns-hit") and not html_of(at, "ns-answer-box")
    messages = [i.value for i in at.info]
    assert any("没有符合条件的结果" in m and "移除筛选" in m for m in messages), messages
    # the reset button brings results back
    next(b for b in at.button if b.label == "清除筛选").click().run()
    assert html_of(at, "ns-hit")


# --------------------------------------------------------------------- notice view


def _all_rendered_is_escaped(at: AppTest) -> None:
    outputs = [v for v in rendered_text(at) if v != notice.SCROLL_TO_FOCUS]  # the page's own script
    assert not any(SCRIPT in v or "<script" in v.lower() for v in outputs), "raw <script> reached the page"


def test_notice_with_script_renders_as_text(app: AppTest) -> None:
    app.radio(key="view").set_value("notice").run()
    at = app.selectbox(key="doc_id").set_value(XSS_DOC_ID).run()
    assert not at.exception
    texts = html_of(at, "ns-passage")
    assert any(ESCAPED_SCRIPT in t for t in texts), texts
    assert any(highlight.esc(MARKDOWN) in t for t in texts)  # Markdown stays literal
    _all_rendered_is_escaped(at)
    at.toggle(key="show_original").set_value(True).run()
    assert any(ESCAPED_SCRIPT in t for t in html_of(at, "ns-passage"))
    _all_rendered_is_escaped(at)


def test_result_with_script_is_escaped(app: AppTest) -> None:
    at = ask(app, "北京语言大学巡视反馈意见整改落实工作领导小组会议")
    cards = html_of(at, "ns-hit")
    assert any(ESCAPED_SCRIPT in c for c in cards), "the test notice should be found"
    _all_rendered_is_escaped(at)


def test_read_full_notice_from_a_result(app: AppTest, page_documents: dict[str, Document]) -> None:
    at = ask(app, question("d019")["query"])
    first = next(b for b in at.button if b.key and b.key.startswith("open_1_"))
    first.click().run()
    assert at.radio(key="view").value == "notice"
    doc = page_documents[at.selectbox(key="doc_id").value]
    assert doc.doc_id == "seed"
    assert doc.findings
    links = re.findall(r'<a href="#(ns-f-\d+)">', html_of(at, "ns-findings")[0])
    assert len(links) == len(doc.findings)  # the findings as a navigable list…
    full = html_of(at, "ns-passage")[-1]
    assert all(f'id="{anchor}"' in full for anchor in links)  # …of links into the full text
    assert '<mark class="ns-focus" id="ns-focus">' in full  # the passage that was found is marked
    assert html_of(at, "scrollIntoView")  # and scrolled to
    assert any(highlight.esc(doc.title) in h for h in html_of(at, "ns-title"))
    assert at.query_params.get("doc") in ("seed", ["seed"])


def test_notice_labels_are_chinese_and_counts_agree(app: AppTest, page_documents: dict[str, Document]) -> None:
    """n0249 states 32 problems and lists fewer as findings: both shown, labelled as what they are."""
    doc = page_documents["n0249"]
    assert doc.figures["problems"] == 32
    app.radio(key="view").set_value("notice").run()
    at = app.selectbox(key="doc_id").set_value("n0249").run()
    table = next(h for h in html_of(at, "ns-meta-table"))
    labels = re.findall(r"<th>(.*?)</th>", table)
    assert "通报所述问题数" in labels
    assert not {"problems", "completed", "in_progress", "rate", "not_completed", "tasks"} & set(labels)
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), labels
    if doc.findings and len(doc.findings) != 32:
        assert "本页列出的问题条目" in labels and "通报称共有 32 个问题" in table
    at = at.selectbox(key="doc_id").set_value("n0001").run()  # completion counts, all with Chinese labels
    table = next(h for h in html_of(at, "ns-meta-table"))
    for label, value in (("已完成整改（个）", "688"), ("正在整改（个）", "4"), ("未完成整改（个）", "5"),
                         ("完成率", "98.71%"), ("原标题", "按照《中国共产党巡视工作条例》")):
        assert re.search(f"<th>{re.escape(label)}</th><td>{re.escape(value)}", table), label


# --------------------------------------------------------------------- overview


def test_overview_counts(app: AppTest, page_documents: dict[str, Document]) -> None:
    at = app.radio(key="view").set_value("overview").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["通报"] == str(len(page_documents))
    assert metrics["乱码已修复"] == str(sum(d.repaired for d in page_documents.values()))
    damaged = {d.doc_id: d.meta["damaged_runs"] for d in page_documents.values() if d.meta.get("damaged_runs")}
    assert set(damaged) == {"n0011", "n0072", "n0157", "n0200", "seed"}  # the lost-byte runs left as they are
    assert metrics["未能修复的乱码"] == f"{sum(damaged.values())} 处"
    assert len(at.get("arrow_vega_lite_chart")) >= 2 or len(at.get("vega_lite_chart")) >= 2


# --------------------------------------------------------------------- missing index + upload


def test_missing_index_then_upload_creates_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "new-index"
    monkeypatch.setenv(state.INDEX_ENV, str(root))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("还没有索引" in i.value and "python -m ingest" in i.value for i in at.info)
    assert at.radio(key="view").value == "upload"
    with NOTICES.open(encoding="utf-8") as handle:
        row = next(json.loads(line) for line in handle if '"n0021"' in line)
    body = f"{row['title']}\n\n{row['text']}\n".encode()
    at.file_uploader(key="uploads").set_value([
        ("湖南巡视.txt", body, "text/plain"),
        ("副本.txt", body, "text/plain"),
        ("空白.txt", b"   \n", "text/plain"),
    ]).run()
    next(b for b in at.button if b.label == "导入到索引").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.success and "新索引 1 篇" in at.success[0].value, [s.value for s in at.success]
    table = at.dataframe[0].value
    results = dict(zip(table["文件"], table["结果"], strict=True))
    assert results == {"湖南巡视.txt": "已索引", "副本.txt": "重复", "空白.txt": "拒绝"}, results
    assert state.generation(root) is not None
    # the new index is loaded without a restart: filters appear, the ask view works
    assert at.multiselect(key="f_kinds")
    at.radio(key="view").set_value("ask").run()
    at = ask(at, "湖南省委巡视组对多少个县市区开展常规巡视")
    assert html_of(at, "ns-answer-box")


def test_uploader_text_is_chinese(app: AppTest) -> None:
    """Streamlit draws ``Upload`` / ``20MB per file`` in English; the page replaces them with Chinese."""
    at = app.radio(key="view").set_value("upload").run()
    assert not at.exception
    styles = [h.value for h in at.html if h.value.startswith("<style>")]
    css = next(s for s in styles if "stFileUploaderDropzoneInstructions" in s)
    assert f'content:"{upload.UPLOAD_BUTTON_TEXT}"' in css and f'content:"{upload.UPLOAD_HINT_TEXT}"' in css
    assert re.search(r"[A-Za-z]{3,}", upload.UPLOAD_HINT_TEXT + upload.UPLOAD_BUTTON_TEXT) is None
    assert at.file_uploader(key="uploads").label.startswith("选择通报文件")


def test_remove_a_notice_from_the_page_with_confirmation(
    page_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``python -m ingest --remove``: pick, ask, confirm; cancelling changes nothing."""
    import shutil

    from index.store import folder as store

    root = tmp_path / "index"
    shutil.copytree(page_index, root, ignore=shutil.ignore_patterns(".lock"))
    before = store.load(root, vectors=False).documents
    monkeypatch.setenv(state.INDEX_ENV, str(root))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at = at.radio(key="view").set_value("upload").run()
    picker = next(s for s in at.selectbox if s.key and s.key.startswith(upload.KEY_REMOVE))
    at = picker.set_value("n0242").run()
    next(b for b in at.button if b.key == "remove_ask").click().run()
    assert any("确定要从索引中删除" in w.value and "n0242" in w.value for w in at.warning)
    next(b for b in at.button if b.key == "remove_cancel").click().run()  # cancel: nothing removed
    assert "n0242" in store.load(root, vectors=False).documents
    next(b for b in at.button if b.key == "remove_ask").click().run()
    next(b for b in at.button if b.key == "remove_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已从索引中删除通报 n0242" in s.value for s in at.success), [s.value for s in at.success]
    after = store.load(root, vectors=False).documents
    assert "n0242" not in after and len(after) == len(before) - 1
    picker = next(s for s in at.selectbox if s.key and s.key.startswith(upload.KEY_REMOVE))
    assert "n0242" not in picker.options and picker.value is None


# --------------------------------------------------------------------- pure helpers


def test_mark_puts_anchors_and_region_id() -> None:
    out = highlight.mark("问题1 文本<b>", [], region=(4, 6), region_class="ns-focus", region_id="ns-focus",
                         anchors={0: "ns-f-1"})
    assert out == ('<span class="ns-anchor" id="ns-f-1"></span>问题1 <mark class="ns-focus" id="ns-focus">文本</mark>'
                   "&lt;b&gt;")


def test_mark_escapes_before_marking() -> None:
    text = "组长<script>x</script> **粗** 组长"
    out = highlight.mark(text, ["组长", "script"], region=(0, 4))
    assert "<script>" not in out and "&lt;" in out
    assert out.startswith('<mark class="ns-answer"><mark class="ns-term">组长</mark>&lt;')
    assert out.count('<mark class="ns-term">') == 5  # "script" is cut in two by the region's end
    assert "**粗**" in out


def test_find_spans_merges_overlaps_and_ignores_case() -> None:
    assert highlight.find_spans("领导小组组长 ABC abc", ["领导小组", "小组组长", "abc"]) == [(0, 6), (7, 10), (11, 14)]
    assert highlight.find_spans("无", []) == []


def test_query_terms_clean_the_query() -> None:
    terms = highlight.query_terms("廣東省委巡視組 统一受理举报")
    assert "巡视组" in terms and "举报" in terms
    assert all(len(t) >= 2 for t in terms)
    assert highlight.query_terms("？？") == []


def test_links_only_http() -> None:
    assert highlight.safe_url("javascript:alert(1)") == ""
    assert highlight.link("javascript:alert(1)") == ""
    assert highlight.link('https://a.cn/x?"q"') == (
        '<a href="https://a.cn/x?&quot;q&quot;" target="_blank" rel="noopener noreferrer">原文链接</a>'
    )


def test_csv_export_guards_formulas() -> None:
    hit = Hit(doc_id="n1", title="=HYPERLINK(1)", url="http://x.cn", org="中共某县委", date="2020-01-02",
              kind="feedback", section="问题1", text="正文", score=0.5)
    rows = list(csv.reader(io.StringIO(export.hits_csv("问", [hit]).decode("utf-8-sig"))))
    assert rows[0][0] == "排名" and rows[1][2] == "'=HYPERLINK(1)" and rows[1][5] == KIND_NAMES["feedback"]


def test_upload_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert upload.safe_name("../../etc/通报.TXT", taken) == "通报.txt"
    assert upload.safe_name("通报.txt", taken) == "通报-2.txt"
    assert upload.safe_name(".hidden.md", taken) == "hidden.md"
    assert upload.safe_name('a<b>:c.pdf', taken) == "a_b_c.pdf"


def test_index_path_resolution() -> None:
    assert state.index_path(["--index", "/a"], {state.INDEX_ENV: "/b"}) == Path("/a")
    assert state.index_path([], {state.INDEX_ENV: "/b"}) == Path("/b")
    assert state.index_path(["-q"], {}) == DEFAULT_INDEX_DIR
    assert state.index_path(["--index"], {}) == DEFAULT_INDEX_DIR


def test_a_model_that_fails_to_load_is_reported_not_raised(page_index: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The model loads in the background (Engine warm-up); if it fails, asking says so in Chinese."""
    from index.encode.encoder import Embedder

    def broken(self: Embedder, texts: list[str]) -> None:
        raise RuntimeError("onnxruntime: model.onnx is truncated")

    state.load_engine.clear()
    monkeypatch.setattr(Embedder, "encode_queries", broken)
    monkeypatch.setenv(state.INDEX_ENV, str(page_index))
    try:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
        assert not at.exception, [e.value for e in at.exception]
        if any(t.key == "question" for t in at.text_input):  # the warm-up had not failed yet when the page drew
            at.text_input(key="question").set_value("巡察组组长是谁").run()
            assert not at.exception, [e.value for e in at.exception]
        at.run()  # and the next run (any interaction) says so where the page starts
        assert not at.exception, [e.value for e in at.exception]
        shown = [e.value for e in at.error] + [e.value for e in at.warning]
        assert any("语言模型无法加载" in text and "truncated" in text for text in shown), shown
    finally:
        state.load_engine.clear()  # the next test loads a working engine
