"""Notice view: one document's cleaned text, its findings, metadata and the original as scraped."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from index.filters import KIND_NAMES
from index.records import FIGURE_NAMES, Document, Finding
from index.shown import passage_view, restore

from . import highlight, state
from .card import card_anchors, card_rows
from .links import related_href

KEY_DOC = "doc_id"
KEY_FOCUS = "focus"
KEY_ORIGINAL = "show_original"
FOCUS_ID = "ns-focus"
#: Our own script (no notice text in it): bring the passage found by the search into view.
SCROLL_TO_FOCUS = f"""<script>
(function (tries) {{
  function go() {{
    var el = document.getElementById("{FOCUS_ID}");
    if (el) {{ el.scrollIntoView({{block: "center"}}); }} else if (tries-- > 0) {{ setTimeout(go, 100); }}
  }}
  go();
}})(30);
</script>"""


def open_notice(doc_id: str, start: int = 0, end: int = 0, finding: str = "", terms: tuple[str, ...] = ()) -> None:
    """Callback: switch to the notice view on ``doc_id``, marking the passage ``start:end``."""
    st.session_state[state.KEY_VIEW] = "notice"
    st.session_state[KEY_DOC] = doc_id
    st.session_state[KEY_FOCUS] = {"doc_id": doc_id, "start": start, "end": end, "finding": finding,
                                   "terms": list(terms)}


def _option_label(doc: Document) -> str:
    parts = [doc.title or doc.doc_id, doc.org, doc.date or doc.signed_date]
    label = " · ".join(p for p in parts if p)
    return label if len(label) <= 70 else label[:69] + "…"


def render(ctx: state.Context) -> None:
    """Document selector, metadata, findings list, cleaned (or original) full text."""
    engine = ctx.engine
    assert engine is not None
    docs = engine.documents
    if not docs:
        st.info("索引中还没有通报。")
        return
    ids = sorted(docs, key=lambda d: docs[d].date or docs[d].signed_date, reverse=True)  # newest first
    if st.session_state.get(KEY_DOC) not in docs:
        st.session_state[KEY_DOC] = ids[0]
    doc_id = st.selectbox("选择通报", ids, key=KEY_DOC, format_func=lambda d: _option_label(docs[d]),
                          help="可以输入标题中的字词来查找。")
    doc = docs[doc_id]
    st.query_params["doc"] = doc.doc_id
    focus = st.session_state.get(KEY_FOCUS) or {}
    if focus.get("doc_id") != doc.doc_id:
        focus = {}
    terms = list(focus.get("terms") or [])

    st.html(f'<div class="ns-title" style="font-size:1.3rem">{highlight.esc(doc.title or doc.doc_id)}</div>')
    st.html(highlight.meta_table(_metadata(doc)))
    original = st.toggle("显示原始抓取文本", key=KEY_ORIGINAL,
                         help="未经清洗、繁简转换和乱码修复的原文，用于核对。")
    if original:
        st.subheader("原始文本（抓取原样）")
        st.html(f'<div class="ns-passage">{highlight.esc(doc.original or "（没有保存原文）")}</div>')
        return
    rows = card_rows(doc)
    if rows:
        with st.expander("通报要素卡片", expanded=True):
            st.caption("从通报正文中自动提取；点击数值跳到原文中的出处。")
            st.html(highlight.meta_table(rows))
    _findings(doc)
    st.subheader("全文（已清洗）")
    region = (focus["start"], focus["end"]) if focus.get("end", 0) > focus.get("start", 0) else None
    if region:
        st.caption("蓝色底纹为检索到的段落。")
    anchors = {**card_anchors(doc), **{f.start: finding_anchor(i) for i, f in enumerate(doc.findings, 1)}}
    body = highlight.mark(doc.text, terms, region, "ns-focus", region_id=FOCUS_ID if region else "", anchors=anchors,
                          view=passage_view(doc, doc.text, 0))  # the notice's own characters
    if (doc.meta or {}).get("ocr"):
        st.info(ocr_note(doc))
        text_column, image_column = st.columns([3, 2])
        text_column.html(f'<div class="ns-passage">{body}</div>')
        with image_column:
            _page_images(ctx, doc)
    else:
        st.html(f'<div class="ns-passage">{body}</div>')
    if region and not focus.get("scrolled"):
        focus["scrolled"] = True  # scroll once, not on every rerun
        st.html(SCROLL_TO_FOCUS, unsafe_allow_javascript=True)


def ocr_note(doc: Document) -> str:
    """The line saying the text was read from a scan by OCR, with the recogniser's confidence."""
    pages = [p for p in (doc.meta or {}).get("ocr_pages") or [] if isinstance(p, dict)]
    read = [p for p in pages if p.get("chars")]
    chars = sum(int(p.get("chars") or 0) for p in read)
    mean = sum(float(p.get("confidence") or 0) * int(p.get("chars") or 0) for p in read) / chars if chars else 0.0
    numbers = "、".join(str(p.get("page")) for p in pages)
    where = f"第 {numbers} 页" if len(pages) > 1 else ("扫描页" if pages else "扫描件")
    return (f"本通报的正文由扫描件经文字识别得到：{where}，平均识别置信度 {mean:.0%}。"
            "可能有个别错字，请对照右侧的原件页面核对；引用前请以原件为准。")


def _page_images(ctx: state.Context, doc: Document) -> None:
    """The scanned pages beside the text: stored at ingest, else rendered again from the original file."""
    from ingest import ocr

    images: list[tuple[int, object]] = list(ocr.page_images(ctx.root, doc.content_hash))
    if not images:
        numbers = [int(p.get("page") or 0) for p in (doc.meta or {}).get("ocr_pages") or [] if isinstance(p, dict)]
        images = list(ocr.render_original(str((doc.meta or {}).get("path") or ""), numbers))
    if not images:
        st.caption("没有保存原件页面图像，原文件也已不在原处。")
        return
    for number, image in images:
        st.image(str(image) if isinstance(image, Path) else image, caption=f"原件第 {number} 页", width="stretch")


def finding_anchor(number: int) -> str:
    """Element id of the ``number``-th finding's start in the full text."""
    return f"ns-f-{number}"


def _metadata(doc: Document) -> list[tuple[str, str]]:
    """(label, escaped HTML) rows describing ``doc``."""
    esc = highlight.esc
    repaired = "是（原文为乱码或繁体，已自动修复；可切换查看原文）" if doc.repaired else ""
    rows = [
        ("类型", esc(KIND_NAMES.get(doc.kind, doc.kind))),
        ("发布机构", esc(doc.org)),
        ("被巡察单位", esc(doc.inspected_unit)),
        ("发布日期", esc(doc.date)),
        ("落款日期", esc(doc.signed_date)),
        ("本页列出的问题条目", esc(len(doc.findings)) if doc.findings else ""),
    ]
    rows += figure_rows(doc)
    damaged = int((doc.meta or {}).get("damaged_runs") or 0)
    rows += [
        ("乱码修复", esc(repaired)),
        ("未能修复的乱码", esc(f"{damaged} 处（抓取时丢失字节，原样保留，不用作标题或答案）") if damaged else ""),
        ("原标题", esc((doc.meta or {}).get("given_title", ""))),
        ("来源", highlight.link(doc.url, doc.url) or esc(doc.url)),
        ("编号", esc(doc.doc_id)),
    ]
    return rows


def figure_rows(doc: Document) -> list[tuple[str, str]]:
    """The completion counts the notice's text states, with Chinese labels (unknown keys left out).

    When the notice states how many problems it received and the page lists
    another number of findings, a note says which is which.
    """
    figures = doc.figures or {}
    rows = [(name, highlight.esc(figures[key])) for key, name in FIGURE_NAMES.items()
            if figures.get(key) not in ("", None)]
    stated = figures.get("problems")
    if stated and doc.findings and int(stated) != len(doc.findings):
        note = f"通报称共有 {stated} 个问题；正文逐条列出并识别出 {len(doc.findings)} 条。"
        rows.append(("说明", highlight.esc(note)))
    return rows


def _findings(doc: Document) -> None:
    """The findings as a list of links to their place in the full text."""
    if not doc.findings:
        st.caption("这篇通报没有识别出编号的问题清单。")
        return

    items = []
    for number, finding in enumerate(doc.findings, 1):
        status = f' <span class="ns-meta">{highlight.esc(finding.status)}</span>' if finding.status else ""
        title = highlight.esc(_finding_title(finding, doc))
        where = highlight.esc(related_href(f"{doc.doc_id}:{finding.label}"))
        items.append(f'<li><a href="#{finding_anchor(number)}">{title}</a>{status} '
                     f'<a class="ns-where" href="{where}" style="font-size:.8rem;opacity:.75">同类问题 ›</a></li>')
    with st.expander(f"问题清单（{len(doc.findings)}）", expanded=True):
        st.html(f'<ol class="ns-findings">{"".join(items)}</ol>')


def _finding_title(finding: Finding, doc: Document | None = None) -> str:
    heading = restore(doc, finding.heading, finding.start) if finding.heading != finding.label else ""
    return f"{finding.label} {heading}".strip()
