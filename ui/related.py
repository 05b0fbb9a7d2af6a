"""Related view: where else a problem comes up — other notices, one entry each, most similar first.

The input is a finding reference (``DOC_ID:LABEL``, from the “同类问题” links
of the notice view and the compare and themes pages: ``?view=related&ref=seed:问题3``)
or free text; the ranking is the library's (:func:`index.analysis.related.related`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import streamlit as st

from index.analysis.related import related_with_more, resolve_query
from index.errors import BadQuery, IndexError_
from index.filters import KIND_NAMES, Filters
from index.shown import restore

from . import export, filters, highlight, state
from .compare import open_compare, shared_wording
from .notice import open_notice
from .safe import plain

KEY_QUERY = "rel_query"
KEY_LINK = "_rel_link_done"
#: The reference (``seed:问题3``) a link named, and the readable line put in the query box for it.
KEY_REF = "_rel_ref"
#: Query parameter of this view (``?view=related&ref=seed:问题3`` or ``&ref=free text``).
PARAMS = ("ref",)
CSV_COLUMNS = ("排名", "标题", "机构", "日期", "类型", "匹配位置", "内容", "整改措施", "相似度", "链接", "编号",
               "相关程度", "依据句")
#: Characters of the passage shown either side of the evidence sentence.
EVIDENCE_CONTEXT = 60

CSS = """<style>
.ns-matches{margin:.35rem 0 0 1.1rem;padding:0}
.ns-matches li{margin:.35rem 0;line-height:1.55;overflow-wrap:anywhere}
.ns-match-head{font-weight:600}
.ns-match-sim{font-size:.78rem;border-radius:.25rem;padding:0 .3rem;background:rgba(82,196,26,.15);margin-left:.3rem;
  white-space:nowrap}
.ns-match-line{font-size:.9rem;opacity:.88}
.ns-ref-box{border-left:4px solid #1677ff;padding:.55rem .8rem;background:rgba(22,119,255,.06);border-radius:.3rem;
  overflow-wrap:anywhere}
</style>"""


@st.cache_data(max_entries=64, show_spinner="正在查找其他通报…")
def run_related(root: str, generation: str, text: str, kinds: tuple[str, ...], org: str, date_from: str,
                date_to: str, top: int) -> tuple[dict, list[dict], list[dict]]:
    """The resolved query, the listed related notices and those that may be related (cached per generation)."""
    engine = state.load_engine(root, generation).ready()
    query = resolve_query(engine.searcher, text)
    chosen = Filters(kinds=kinds, org=org, date_from=date_from, date_to=date_to)
    listed, more = related_with_more(engine.searcher, text, top=top, filters=chosen)
    return asdict(query), listed, more


def ref_label(engine: state.Engine, ref: str) -> str:
    """What a reference reads as: ``seed:问题3`` → ``问题3 落实意识形态工作责任制不到位（张家界市委宣传部）``.

    The finding's label and heading, then the inspected unit (else the
    issuing organisation, else the title); a notice's id → its title and
    unit.  "" when ``ref`` names nothing in the index (it is then free text).
    """
    doc_id, sep, label = ref.replace("：", ":").partition(":")
    doc = engine.documents.get(doc_id.strip())
    if doc is None:
        return ""
    unit = doc.inspected_unit or doc.org or doc.title
    if not sep:
        return f"{doc.title or doc.doc_id}（{unit}）" if unit and unit != doc.title else doc.title or ""
    finding = next((f for f in doc.findings if f.label == label.strip()), None)
    if finding is None:
        return ""
    heading = finding.heading if finding.heading != finding.label else ""
    return f"{finding.label} {heading}".strip() + (f"（{unit}）" if unit else "")


def _apply_link(engine: state.Engine) -> None:
    """Once per session, put ``?ref=`` from the URL into the query box, as the finding's label and unit."""
    if st.session_state.get(KEY_LINK):
        return
    st.session_state[KEY_LINK] = True
    ref = (st.query_params.get("ref") or "").strip()
    if not ref:
        return
    shown = ref_label(engine, ref)
    st.session_state[KEY_QUERY] = shown or ref
    st.session_state[KEY_REF] = (ref, shown) if shown else None


def _query_of(text: str) -> str:
    """What to look for: the linked reference while the box still shows its label, else the typed text."""
    linked = st.session_state.get(KEY_REF)
    if linked and text == linked[1]:
        return linked[0]
    st.session_state[KEY_REF] = None
    return text


def render(ctx: state.Context) -> None:
    """Query box, the referenced finding, related notices with their best matches, CSV export."""
    engine = ctx.engine
    assert engine is not None
    _apply_link(engine)
    st.html(CSS)
    st.text_input("查找其他通报中的同类问题", key=KEY_QUERY,
                  placeholder="输入问题描述，例如：落实意识形态工作责任制不到位",
                  help="也可以输入“通报编号:问题标签”（如 seed:问题3）；"
                       "在“阅读通报”的问题清单中点“同类问题”会自动填入。")
    text = _query_of((st.session_state.get(KEY_QUERY) or "").strip())
    if not text:
        if "ref" in st.query_params:
            del st.query_params["ref"]
        st.caption("输入一个问题，查看其他通报中有没有同类问题、它们是怎样整改的。侧栏的筛选条件同样适用。")
        return
    st.query_params["ref"] = text
    f = ctx.filters
    try:
        query, entries, more = run_related(engine.key, engine.generation, text, f.kinds, f.org,
                                           f.date_from, f.date_to, ctx.top)
    except BadQuery as exc:
        st.warning(plain(f"无法查找：{exc}"))
        return
    except IndexError_ as exc:
        st.warning(plain(f"找不到要参照的通报或问题：{exc}"))
        return
    except RuntimeError as exc:  # the embedding model could not be loaded (raised by the engine's warm-up)
        st.error(plain(f"语言模型无法加载：{exc}"))
        return
    _show_query(engine, query)
    if not entries and not more:
        st.info(filters.empty_message(f) + "\n\n也可以换一种说法描述问题（如“财务管理不规范”），"
                "或从“阅读通报”的问题清单点“同类问题”。")
        return
    st.subheader(f"其他通报中的同类问题（{len(entries)} 篇）")
    st.caption("只列出有句子写明这一问题的通报，粗体为该句。相关程度由在标注问题上学得的判断给出"
               "（交叉验证）：高 = 约八成确为同类问题，中 = 可能是；把握更低的收在最后。")
    st.download_button("导出结果（CSV）", related_csv(entries + more), file_name="同类问题.csv", mime="text/csv",
                       key="rel_csv", icon=":material/download:")
    if not entries:
        st.info("没有通报有把握写明这一问题；下面是可能相关、相关程度低的通报。")
    _cards(entries, query, "rel")
    if more:
        with st.expander(f"另有 {len(more)} 篇可能相关（相关程度低）"):
            _cards(more, query, "rel_more", start=len(entries) + 1)


def _cards(entries: list[dict], query: Mapping, key: str, start: int = 1) -> None:
    """Each entry's card with its buttons."""
    for rank, entry in enumerate(entries, start):
        st.html(entry_card(entry, rank, str(query.get("text") or "")))
        left, right = st.columns(2)
        left.button("阅读全文", key=f"{key}_open_{rank}_{entry['doc_id']}", on_click=open_notice,
                    args=(entry["doc_id"],), icon=":material/article:")
        if query.get("exclude"):
            right.button("与参照通报对比", key=f"{key}_cmp_{rank}_{entry['doc_id']}", on_click=open_compare,
                         args=(query["exclude"], entry["doc_id"]), icon=":material/compare_arrows:")


def _show_query(engine: state.Engine, query: Mapping) -> None:
    """The finding or notice a reference names (with a button to read it), or nothing for free text."""
    if not query.get("ref"):
        return
    doc = engine.documents.get(query.get("exclude") or "")
    title = highlight.esc(doc.title if doc is not None and doc.title else query.get("exclude"))
    label = ref_label(engine, str(query["ref"])) or str(query["ref"])
    st.html(f'<div class="ns-ref-box"><div class="ns-meta">参照 {highlight.esc(label)} · {title}</div>'
            f'<div class="ns-title">{highlight.esc(restore(doc, str(query.get("text") or "")))}</div></div>')
    st.button("阅读参照通报", key="rel_open_ref", on_click=open_notice, args=(query["exclude"],),
              icon=":material/article:")


def _match_html(match: Mapping, query_text: str = "") -> str:
    """One best match: a finding (label, heading, problem, measures) or a passage (section, text)."""
    esc = highlight.esc
    head = " ".join(p for p in (match.get("label"), match.get("heading")) if p) or match.get("section") or "段落"
    sim = f'<span class="ns-match-sim">{float(match.get("similarity") or 0):.0%}</span>'
    lines = []
    if match.get("text") and match.get("text") != match.get("heading"):
        lines.append(esc(match["text"]))
    if match.get("measures"):
        lines.append(f"整改措施：{esc(match['measures'])}")
    words = shared_wording(str(query_text), " ".join(str(match.get(k) or "") for k in ("heading", "text")))
    if query_text:
        lines.append("相关原因：" + ("共同用语 " + "、".join(f"“{esc(w)}”" for w in words) if words
                                    else "用词不同、意思相近"))
    body = "".join(f'<div class="ns-match-line">{line}</div>' for line in lines)
    return f'<li><span class="ns-match-head">{esc(head)}</span>{sim}{body}</li>'


def _evidence_html(entry: Mapping, evidence: Mapping) -> str:
    """The sentence that states the problem, in bold inside its passage, the 相关程度 and the shared words."""
    esc = highlight.esc
    passage = str(evidence.get("passage") or "")
    a, b = int(evidence.get("start") or 0), int(evidence.get("end") or 0)
    text = (("…" if a > EVIDENCE_CONTEXT else "") + esc(passage[max(0, a - EVIDENCE_CONTEXT):a])
            + f'<b class="ns-evidence">{esc(passage[a:b])}</b>' + esc(passage[b:b + EVIDENCE_CONTEXT])
            + ("…" if b + EVIDENCE_CONTEXT < len(passage) else ""))
    head = " ".join(p for p in (evidence.get("label"), str(evidence.get("section") or "").rsplit(" > ", 1)[-1])
                    if p) or "段落"
    level = f'<span class="ns-match-sim">相关程度 {esc(entry.get("relevance") or "低")}</span>'
    terms = evidence.get("terms") or []
    reason = "相关原因：同有问题用语 " + "、".join(f"“{esc(t)}”" for t in terms) if terms else ""
    body = "".join(f'<div class="ns-match-line">{line}</div>' for line in (text, reason) if line)
    return f'<li><span class="ns-match-head">{esc(head)}</span>{level}{body}</li>'


def entry_card(entry: Mapping, rank: int, query_text: str = "") -> str:
    """One related notice: title, kind · organisation · date · id · source, its best matches.

    An entry with its ``evidence`` (:func:`index.analysis.related.related_with_more`) shows that sentence,
    bold in its passage, its 相关程度 and the shared problem words; one without shows its best matches,
    with ``query_text`` each saying what wording it shares with the query.
    """
    kind = entry.get("kind") or ""
    meta = highlight.meta_line(KIND_NAMES.get(kind, kind), entry.get("org") or "", entry.get("date") or "",
                               f"编号 {entry['doc_id']}")
    source = highlight.link(entry.get("url"))
    evidence = entry.get("evidence")
    if evidence:
        matches = _evidence_html(entry, evidence)
    else:
        matches = "".join(_match_html(m, query_text) for m in entry.get("matches") or [])
    return (
        '<div class="ns-hit">'
        f'<div class="ns-title">{rank}. {highlight.esc(entry.get("title") or entry["doc_id"])}</div>'
        f'<div class="ns-meta">{meta}{" · " + source if source else ""}</div>'
        + (f'<ol class="ns-matches">{matches}</ol>' if matches else "")
        + "</div>"
    )


def related_csv(entries: list[Mapping]) -> bytes:
    """One row per best match (one row for a notice without matches)."""
    rows: list[list[object]] = []
    for rank, entry in enumerate(entries, 1):
        kind = entry.get("kind") or ""
        head = [rank, entry.get("title") or "", entry.get("org") or "", entry.get("date") or "",
                KIND_NAMES.get(kind, kind)]
        evidence = entry.get("evidence") or {}
        tail = [entry.get("url") or "", entry["doc_id"], entry.get("relevance") or "", evidence.get("sentence", "")]
        for match in entry.get("matches") or [{}]:
            where = " ".join(p for p in (match.get("label"), match.get("heading")) if p) or match.get("section", "")
            rows.append([*head, where, match.get("text", ""), match.get("measures", ""),
                         match.get("similarity", ""), *tail])
    return export.table_csv(CSV_COLUMNS, rows)
