"""Compare view: two notices side by side — the problems both state, and those only one states.

The alignment is the library's (:func:`index.analysis.compare.compare`); this page
only picks the two notices (``?view=compare&a=ID&b=ID`` prefills them),
draws the pairs and the leftovers, and exports them as CSV.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from index.analysis.compare import FINDING_THRESHOLD, compare
from index.errors import IndexError_
from index.filters import KIND_NAMES
from index.records import Document

from . import export, highlight, state
from .links import related_href
from .notice import open_notice

KEY_A = "cmp_a"
KEY_B = "cmp_b"
KEY_UNIT = "cmp_unit"
KEY_CUSTOM = "cmp_custom"
KEY_THRESHOLD = "cmp_threshold"
KEY_LINK = "_cmp_link_done"
#: Query parameters of this view (``?view=compare&a=seed&b=n0242``).
PARAMS = ("a", "b")
SEED = "seed"
RECTIFICATION = "rectification_progress"

UNIT_CHOICES = {"auto": "自动", "finding": "按问题", "passage": "按段落"}
#: What each side's units are, as :func:`index.analysis.compare.compare` reports them (``unit_a``/``unit_b``).
SIDE_NAMES = {"finding": "编号问题", "item": "正文中列出的问题", "passage": "段落"}
NO_PAIRS_HINT = (
    "没有相似度达到阈值的配对：这两篇通报没有说到同一个问题。可以试试：\n"
    "1. 换一篇同类通报作对比（例如两篇都是整改进展通报，或都是巡察反馈）；\n"
    "2. 在“共性问题”页找与通报 A 归入同一类问题的通报，再回来对比；\n"
    "3. 在“对比设置”中把相似度阈值调低（如 0.94），会配出更多、但更牵强的对；\n"
    "4. 对比单位改为“按段落”，比较两篇的正文段落。"
)
CSV_COLUMNS = ("结果", "相似度", "A编号", "A标签", "A问题", "A整改措施", "A状态",
               "B编号", "B标签", "B问题", "B整改措施", "B状态")

#: Styles of this view (rendered with ``st.html``; two columns collapse to one on a phone).
CSS = """<style>
.ns-cmp-docs{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:.6rem;margin:.3rem 0 .6rem}
.ns-pair{display:grid;grid-template-columns:minmax(0,1fr) 4.8rem minmax(0,1fr);gap:.5rem;align-items:stretch;
  border:1px solid rgba(128,128,128,.28);border-radius:.5rem;padding:.55rem .6rem;margin:.35rem 0}
.ns-side{padding:.35rem .55rem;border-radius:.35rem;overflow-wrap:anywhere;line-height:1.55;font-size:.93rem}
.ns-side-a{border-left:3px solid #1677ff;background:rgba(22,119,255,.05)}
.ns-side-b{border-left:3px solid #fa8c16;background:rgba(250,140,22,.06)}
.ns-only-a{border:1px dashed #1677ff;background:rgba(22,119,255,.08);margin:.3rem 0}
.ns-only-b{border:1px dashed #fa8c16;background:rgba(250,140,22,.10);margin:.3rem 0}
.ns-tag{display:inline-block;font-size:.75rem;font-weight:700;border-radius:.25rem;padding:0 .35rem;margin-right:.3rem;
  color:#fff;vertical-align:1px}
.ns-tag-a{background:#1677ff}.ns-tag-b{background:#d46b08}
.ns-unit-head{font-weight:600}
.ns-unit-line{margin-top:.2rem;font-size:.86rem;opacity:.85}
.ns-status{display:inline-block;font-size:.78rem;border-radius:.25rem;padding:0 .3rem;background:rgba(82,196,26,.15)}
.ns-status-diff{background:#fff1b8;color:#874d00;font-weight:600}
.ns-sim{display:flex;flex-direction:column;justify-content:center;align-items:center;text-align:center;font-size:.8rem}
.ns-sim b{font-size:1rem}
.ns-bar{width:100%;height:.4rem;background:rgba(128,128,128,.2);border-radius:.2rem;margin:.2rem 0}
.ns-bar span{display:block;height:100%;background:#52c41a;border-radius:.2rem}
.ns-diff{color:#ad4e00;font-weight:600}
.ns-why{grid-column:1/-1;font-size:.84rem;opacity:.85}
.ns-links{margin-top:.25rem;font-size:.8rem}
.ns-links a{text-decoration:none;margin-right:.6rem}
@media (max-width:640px){
  .ns-cmp-docs{grid-template-columns:minmax(0,1fr)}
  .ns-pair{grid-template-columns:minmax(0,1fr)}
  .ns-sim{flex-direction:row;gap:.5rem}
  .ns-bar{width:6rem}
}
</style>"""


@st.cache_data(max_entries=32, show_spinner="正在对比两篇通报…")
def run_compare(root: str, generation: str, doc_a: str, doc_b: str, unit: str, threshold: float | None) -> dict:
    """The library's comparison of ``doc_a`` and ``doc_b`` (cached per index generation)."""
    engine = state.load_engine(root, generation)
    return compare(engine.searcher, doc_a, doc_b, unit=unit, threshold=threshold)


def doc_label(doc: Document) -> str:
    """Title · organisation · date, for the notice pickers."""
    parts = [doc.title or doc.doc_id, doc.org, doc.date or doc.signed_date]
    label = " · ".join(p for p in parts if p)
    return label if len(label) <= 70 else label[:69] + "…"


def newest_first(docs: Mapping[str, Document]) -> list[str]:
    """Document ids, newest first (undated last)."""
    return sorted(docs, key=lambda d: (docs[d].date or docs[d].signed_date, d), reverse=True)


#: How many of A's problems count when guessing the notice most likely to share them.
PARTNER_TOP = 5


def likely_partner(data: Any, doc_a: str) -> str | None:
    """The notice whose sentences come closest to ``doc_a``'s problems (None when it cannot tell).

    For each problem of A (its stored finding vector; a notice without
    findings uses its sentence vectors) the best cosine with any stored
    sentence vector of B; B's score is the mean of its ``PARTNER_TOP`` best.
    Only stored vectors are read (a dot product, no model call), so the page
    can open on a pair that has something to show.  On the sample corpus
    this ranks n0242, n0135, n0134, n0128, n0143 first for the seed — the
    notices with 3, 3, 2, 2, 2 aligned pairs — and the notices with none last.
    """
    if getattr(data, "sentence_vectors", None) is None or getattr(data, "sentence_offsets", None) is None:
        return None
    rows: dict[str, list[int]] = {}
    offsets = data.sentence_offsets
    for chunk in data.chunks:
        rows.setdefault(chunk.doc_id, []).extend(range(int(offsets[chunk.chunk_id]), int(offsets[chunk.chunk_id + 1])))
    mine = [i for i, (doc_id, _) in enumerate(data.finding_keys) if doc_id == doc_a]
    if mine and data.finding_vectors is not None:
        probe = data.finding_vectors[mine]
    elif rows.get(doc_a):
        probe = data.sentence_vectors[rows[doc_a]]
    else:
        return None
    best: tuple[float, str] | None = None
    for doc_id, sentence_rows in rows.items():
        if doc_id == doc_a or not sentence_rows:
            continue
        closest = (probe @ data.sentence_vectors[sentence_rows].T).max(axis=1)
        score = float(np.sort(closest)[-PARTNER_TOP:].mean())
        if best is None or score > best[0]:
            best = (score, doc_id)
    return best[1] if best else None


def default_pair(docs: Mapping[str, Document], data: Any = None) -> tuple[str, str]:
    """The seed (else the newest notice) and the notice most likely to share its problems.

    Without stored vectors (``data``): the newest other rectification notice, else any other.
    """
    ids = newest_first(docs)
    first = SEED if SEED in docs else ids[0]
    others = [d for d in ids if d != first]
    partner = likely_partner(data, first) if data is not None else None
    if partner in docs and partner != first:
        return first, partner
    second = next((d for d in others if docs[d].kind == RECTIFICATION), others[0] if others else first)
    return first, second


def open_compare(doc_a: str, doc_b: str) -> None:
    """Callback: switch to this view comparing ``doc_a`` with ``doc_b``."""
    st.session_state[state.KEY_VIEW] = "compare"
    st.session_state[KEY_A] = doc_a
    st.session_state[KEY_B] = doc_b


def _swap() -> None:
    """Callback of the ⇄ button."""
    st.session_state[KEY_A], st.session_state[KEY_B] = st.session_state.get(KEY_B), st.session_state.get(KEY_A)


def _apply_link(docs: Mapping[str, Document]) -> list[str]:
    """Once per session, take ``a``/``b`` from the URL; a warning for each id the index lacks."""
    if st.session_state.get(KEY_LINK):
        return []
    st.session_state[KEY_LINK] = True
    warnings = []
    for name, key in zip(PARAMS, (KEY_A, KEY_B), strict=True):
        wanted = (st.query_params.get(name) or "").strip()
        if not wanted:
            continue
        if wanted in docs:
            st.session_state[key] = wanted
        else:
            warnings.append(f"链接中的通报编号“{wanted}”在索引中不存在，已改为默认通报。")
    return warnings


def _pickers(docs: Mapping[str, Document], data: Any = None) -> tuple[str, str]:
    """The two notice selectboxes (and the swap button); their chosen ids."""
    ids = newest_first(docs)
    if st.session_state.get(KEY_A) not in docs:
        st.session_state[KEY_A] = default_pair(docs)[0]
    if st.session_state.get(KEY_B) not in docs:
        doc_a = st.session_state[KEY_A]
        partner = likely_partner(data, doc_a) if data is not None else None
        if partner not in docs or partner == doc_a:
            first, second = default_pair(docs)
            partner = second if second != doc_a else first
        st.session_state[KEY_B] = partner
    left, right = st.columns(2)
    doc_a = left.selectbox("通报 A", ids, key=KEY_A, format_func=lambda d: doc_label(docs[d]),
                           help="可以输入标题中的字词来查找。")
    doc_b = right.selectbox("通报 B", ids, key=KEY_B, format_func=lambda d: doc_label(docs[d]),
                            help="可以输入标题中的字词来查找。")
    return doc_a, doc_b


def _settings() -> tuple[str, float | None]:
    """Unit and threshold (the library's defaults unless changed)."""
    with st.expander("对比设置", icon=":material/tune:"):
        unit = st.radio("对比单位", list(UNIT_CHOICES), key=KEY_UNIT, horizontal=True,
                        format_func=UNIT_CHOICES.__getitem__,
                        help="自动：两篇都列出问题时按问题对齐，否则按段落。")
        custom = st.toggle("自定义相似度阈值", key=KEY_CUSTOM)
        threshold = st.slider("相似度阈值", 0.80, 1.00, value=FINDING_THRESHOLD, step=0.005, key=KEY_THRESHOLD,
                              disabled=not custom, format="%.3f",
                              help="相似度不低于阈值的两条才配成一对；调低会配出更多、但更牵强的对。")
    return unit or "auto", (float(threshold) if custom else None)


def render(ctx: state.Context) -> None:
    """Notice pickers, settings, summary, aligned pairs, only-in-one lists, CSV export."""
    engine = ctx.engine
    assert engine is not None
    docs = engine.documents
    if len(docs) < 1:
        st.info("索引中还没有通报。")
        return
    st.html(CSS)
    for warning in _apply_link(docs):
        st.warning(warning)
    doc_a, doc_b = _pickers(docs, engine.searcher.data)
    st.button("交换 A / B", on_click=_swap, icon=":material/swap_horiz:", key="cmp_swap")
    unit, threshold = _settings()
    st.query_params["a"], st.query_params["b"] = doc_a, doc_b
    try:
        result = run_compare(engine.key, engine.generation, doc_a, doc_b, unit, threshold)
    except IndexError_ as exc:
        st.warning(f"无法对比：{exc}")
        return
    _summary(result)
    _pairs(result)
    _only(result, "a")
    _only(result, "b")
    st.download_button("导出对比结果（CSV）", comparison_csv(result), file_name=f"对比_{doc_a}_{doc_b}.csv",
                       mime="text/csv", key="cmp_csv", icon=":material/download:")


def _doc_box(side: str, summary: Mapping[str, object]) -> str:
    """One compared notice: tag, title, kind · organisation · date."""
    kind = str(summary.get("kind") or "")
    meta = highlight.meta_line(KIND_NAMES.get(kind, kind), str(summary.get("org") or ""),
                               str(summary.get("date") or ""), f"编号 {summary.get('doc_id')}")
    return (f'<div class="ns-side ns-side-{side}"><span class="ns-tag ns-tag-{side}">{side.upper()}</span>'
            f'<span class="ns-title">{highlight.esc(summary.get("title") or summary.get("doc_id"))}</span>'
            f'<div class="ns-meta">{meta}</div></div>')


def _summary(result: Mapping) -> None:
    """Both notices, the unit and threshold used, the counts; buttons to read either notice."""
    st.html(f'<div class="ns-cmp-docs">{_doc_box("a", result["doc_a"])}{_doc_box("b", result["doc_b"])}</div>')
    left, mid, right = st.columns(3)
    left.metric("对齐", f"{len(result['pairs'])} 对")
    mid.metric("仅 A 有", len(result["only_a"]))
    right.metric("仅 B 有", len(result["only_b"]))
    mode = UNIT_CHOICES.get(result["unit"], result["unit"])
    sides = (f"A 为{SIDE_NAMES.get(result['unit_a'], result['unit_a'])}，"
             f"B 为{SIDE_NAMES.get(result['unit_b'], result['unit_b'])}")
    st.caption(f"对比单位：{mode}（{sides}）· 相似度阈值 {result['threshold']:.3f}。"
               "两条问题的语义相似度达到阈值才配成一对（每条最多配一条），每对下方写出两者的共同用语；"
               "相似度低于阈值的不配对，列入“仅 A 有”“仅 B 有”。")
    left, right = st.columns(2)
    left.button("阅读通报 A", key="cmp_open_a", on_click=open_notice, args=(result["doc_a"]["doc_id"],),
                icon=":material/article:")
    right.button("阅读通报 B", key="cmp_open_b", on_click=open_notice, args=(result["doc_b"]["doc_id"],),
                 icon=":material/article:")


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
#: Wording every problem statement of this genre uses: shown as shared wording it would explain nothing.
_GENERIC = frozenset(("不到位", "不够", "存在", "问题", "落实", "工作", "不严格", "不规范", "方面", "有的", "到位",
                      "不力", "不足", "不够到位", "执行", "加强"))


def statement(unit: Mapping) -> str:
    """The words a unit states its problem in (problem, else heading, else text)."""
    return str(unit.get("problem") or unit.get("heading") or unit.get("text") or "")


def shared_wording(a: str, b: str, limit: int = 4) -> list[str]:
    """Wording two statements share: their common runs of two or more Han characters, longest first.

    The runs come from :class:`difflib.SequenceMatcher` (matching blocks);
    runs that every statement of this genre uses (``不到位``) are left out.
    """
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    runs: list[str] = []
    for block in matcher.get_matching_blocks():
        for run in _HAN_RUN.findall(a[block.a: block.a + block.size]):
            if run not in _GENERIC and run not in runs and not any(run in r for r in runs):
                runs.append(run)
    return sorted(runs, key=len, reverse=True)[:limit]


def why_paired(a: Mapping, b: Mapping, similarity: float) -> str:
    """Plain words on why two units were paired: the wording they share, or that the meaning is close."""
    words = shared_wording(statement(a), statement(b))
    if words:
        return "共同用语：" + "、".join(f"“{w}”" for w in words)
    return f"用词不同、意思相近（语义相似度 {similarity:.1%}）"


def _status_html(status: str, differs: bool) -> str:
    """A status badge, marked when the other side's status differs."""
    if not status and not differs:
        return ""
    cls = "ns-status ns-status-diff" if differs else "ns-status"
    return f' <span class="{cls}">{highlight.esc(status or "未注明状态")}</span>'


def unit_html(unit: Mapping, differs: bool = False) -> str:
    """A finding, problem item or passage: label and statement, measures or context, status, links."""
    esc = highlight.esc
    kind = unit.get("unit")
    if kind == "finding":
        head = " ".join(p for p in (unit.get("label"), unit.get("heading")) if p)
        lines = []
        problem = unit.get("problem") or ""
        if problem and problem not in (unit.get("heading") or ""):
            lines.append(f"问题：{esc(problem)}")
        if unit.get("measures"):
            lines.append(f"整改措施：{esc(unit['measures'])}")
        body = "".join(f'<div class="ns-unit-line">{line}</div>' for line in lines)
        status = _status_html(unit.get("status") or "", differs)
    elif kind == "item":
        head, status = unit.get("heading") or "", ""
        context = str(unit.get("text") or "")
        body = f'<div class="ns-unit-line">原句：{esc(context[:90] + ("…" if len(context) > 90 else ""))}</div>'
    else:
        head, status = unit.get("section") or "段落", ""
        body = f'<div class="ns-unit-line">{esc(unit.get("text") or "")}</div>'
    return f'<div class="ns-unit-head">{esc(head)}{status}</div>{body}{_links(unit)}'


def _links(unit: Mapping) -> str:
    """Links from a unit to the same problem in other notices (findings and problem items)."""

    if unit.get("unit") == "finding":
        target = unit.get("ref") or ""
    elif unit.get("unit") == "item":
        target = unit.get("heading") or ""
    else:
        return ""
    return f'<div class="ns-links"><a href="{highlight.esc(related_href(target))}">其他通报中的同类问题 ›</a></div>'


def _pair_html(pair: Mapping) -> str:
    """One aligned pair: A | similarity | B, with a status difference marked."""
    a, b, sim = pair["a"], pair["b"], float(pair["similarity"])
    differs = a.get("unit") == b.get("unit") == "finding" and (a.get("status") or "") != (b.get("status") or "")
    note = '<div class="ns-diff">状态不同</div>' if differs else ""
    width = max(0.0, min(1.0, sim)) * 100
    return (
        '<div class="ns-pair">'
        f'<div class="ns-side ns-side-a"><span class="ns-tag ns-tag-a">A</span>{unit_html(a, differs)}</div>'
        f'<div class="ns-sim"><b>{sim:.1%}</b><div class="ns-bar"><span style="width:{width:.1f}%"></span></div>'
        f"相似度{note}</div>"
        f'<div class="ns-side ns-side-b"><span class="ns-tag ns-tag-b">B</span>{unit_html(b, differs)}</div>'
        f'<div class="ns-why">配对原因：{highlight.esc(why_paired(a, b, sim))}</div>'
        "</div>"
    )


def _pairs(result: Mapping) -> None:
    """The aligned pairs, in the order of notice A."""
    st.subheader(f"两篇都有（{len(result['pairs'])} 对）")
    if not result["pairs"]:
        st.info(NO_PAIRS_HINT)
        return
    st.html("".join(_pair_html(p) for p in result["pairs"]))


def _only(result: Mapping, side: str) -> None:
    """The units only one notice states, in that side's colour."""
    units = result[f"only_{side}"]
    st.subheader(f"仅 {side.upper()} 有（{len(units)}）")
    if not units:
        st.caption("没有：每一条都在对方通报中找到了对应。")
        return
    cards = "".join(f'<div class="ns-side ns-only-{side}"><span class="ns-tag ns-tag-{side}">{side.upper()}</span>'
                    f"{unit_html(u)}</div>" for u in units)
    st.html(cards)


def _unit_cells(unit: Mapping | None) -> list[str]:
    """ref, label, statement, measures, status of a unit for the CSV ("" for a missing side)."""
    if not unit:
        return [""] * 5
    statement = unit.get("problem") or unit.get("heading") or unit.get("text") or ""
    label = unit.get("label") or unit.get("section") or ""
    return [unit.get("ref") or "", label, statement, unit.get("measures") or "", unit.get("status") or ""]


def comparison_csv(result: Mapping) -> bytes:
    """Pairs, then A-only and B-only units, one row each."""
    rows: list[list[object]] = [["两篇都有", p["similarity"], *_unit_cells(p["a"]), *_unit_cells(p["b"])]
                                for p in result["pairs"]]
    rows += [["仅A有", "", *_unit_cells(u), *_unit_cells(None)] for u in result["only_a"]]
    rows += [["仅B有", "", *_unit_cells(None), *_unit_cells(u)] for u in result["only_b"]]
    return export.table_csv(CSV_COLUMNS, rows)
