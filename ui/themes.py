"""Themes view: problems that come up again and again across notices (共性问题).

The groups are the library's (:func:`index.analysis.themes.themes`), computed once
per index generation and setting; this page draws them, charts them over
the years and links every member to its notice and to the related view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import streamlit as st

from index.analysis.findings import NoFindings
from index.analysis.themes import THRESHOLD, themes
from index.errors import IndexError_

from . import export, highlight, state
from .links import notice_href, related_href
from .safe import plain

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

KEY_MIN_NOTICES = "th_min_notices"
#: Year label of the notices without a date in the chart.
UNDATED = "无日期"
CSV_COLUMNS = ("组号", "共性问题", "关键词", "通报数", "机构数", "问题数", "通报标题", "机构", "年份", "问题",
               "原句", "编号", "引用", "地方或单位数", "地方或单位", "证据句")
UNIT_NAMES = {"finding": "编号问题", "item": "正文", "passage": "段落"}

CSS = """<style>
.ns-theme{border:1px solid rgba(128,128,128,.28);border-radius:.5rem;padding:.6rem .85rem;margin:.5rem 0 .2rem}
.ns-kw{display:inline-block;font-size:.8rem;border-radius:.8rem;padding:0 .5rem;margin:.15rem .25rem 0 0;
  background:rgba(22,119,255,.10);color:inherit}
.ns-counts{font-size:.88rem;margin-top:.25rem}
.ns-counts b{font-size:1.05rem}
.ns-members{margin:.1rem 0 0 1.1rem;padding:0}
.ns-members li{margin:.35rem 0;line-height:1.55;overflow-wrap:anywhere}
.ns-members a{text-decoration:none;margin-right:.6rem;font-size:.85rem}
.ns-evidence{font-size:.9rem;opacity:.9;margin:.15rem 0}
.ns-evidence mark{background:rgba(250,173,20,.35);color:inherit;padding:0 .1rem}
</style>"""


@st.cache_data(max_entries=8, show_spinner="正在归纳共性问题（首次约需几秒）…")
def run_themes(root: str, generation: str, min_notices: int) -> list[dict]:
    """The library's groups for the loaded index (cached per folder, generation and setting)."""
    return themes(state.load_engine(root, generation).searcher, min_notices=min_notices)


def render(ctx: state.Context) -> None:
    """Setting, summary, chart over the years, one card per group with its members, CSV export."""
    engine = ctx.engine
    assert engine is not None
    st.html(CSS)
    min_notices = st.select_slider("至少出现在几篇通报中", options=[2, 3, 4, 5], value=2, key=KEY_MIN_NOTICES)
    try:
        groups = run_themes(engine.key, engine.generation, int(min_notices))
    except NoFindings:
        st.info("索引中的通报没有列出问题（只有进驻公告等），无法归纳共性问题。请导入巡察反馈或整改通报。")
        return
    except IndexError_ as exc:
        st.error(plain(f"无法归纳共性问题：{exc}"))
        return
    if not groups:
        st.info(f"没有在 {min_notices} 篇以上通报中都出现的问题。可以试试：\n"
                "1. 把“至少出现在几篇通报中”调到 2；\n"
                "2. 导入更多列有问题的通报（巡察反馈、整改进展情况的通报），进驻公告等不列问题的通报不参与归类；\n"
                "3. 在“同类问题”页输入一个具体问题，逐篇查找相近的说法。")
        return
    notices = {d for g in groups for d in g["doc_ids"]}
    st.caption(f"从各通报列出的问题中归纳出 {len(groups)} 类共性问题，涉及 {len(notices)} 篇通报；"
               f"按涉及的通报数排列。同一类中的问题两两语义相近（平均相似度不低于 {THRESHOLD:.0%}），"
               "每类下方写出它们共同的用语；关键词是这一类问题特有的词语。")
    st.download_button("导出共性问题（CSV）", themes_csv(groups), file_name="共性问题.csv", mime="text/csv",
                       key="th_csv", icon=":material/download:")
    _chart(groups)
    for group in groups:
        _group(group)


def chart_label(group: Mapping) -> str:
    """A group's name on the chart: its rank and its whole label, in the notice's characters."""
    return f"{group['theme']}. {group.get('label_shown') or group['label']}"


def year_table(groups: Sequence[Mapping]) -> pd.DataFrame:
    """Long table (共性问题, 年份, 通报数): each group's notices per year, undated ones as “无日期”."""
    import pandas as pd  # here, not at import: the first page load does not need it

    rows = []
    for g in groups:
        name = chart_label(g)
        rows += [{"共性问题": name, "年份": year, "通报数": count} for year, count in g["years"].items()]
        undated = g["count_notices"] - sum(g["years"].values())
        if undated > 0:
            rows.append({"共性问题": name, "年份": UNDATED, "通报数": undated})
    return pd.DataFrame(rows, columns=["共性问题", "年份", "通报数"])


def year_chart(groups: Sequence[Mapping]) -> alt.Chart:
    """Horizontal stacked bars, one per group in rank order, with whole labels (no label length limit)."""
    import altair as alt

    order = [chart_label(g) for g in groups]
    return (
        alt.Chart(year_table(groups))
        .mark_bar()
        .encode(
            y=alt.Y("共性问题:N", sort=order, title=None, axis=alt.Axis(labelLimit=0)),
            x=alt.X("sum(通报数):Q", title="通报数", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("年份:N", title="年份"),
            tooltip=["共性问题", "年份", "通报数"],
        )
        .properties(height=max(240, 26 * len(groups) + 90))
    )


def _chart(groups: Sequence[Mapping]) -> None:
    """One bar per group (its notices), split by year of publication."""
    st.subheader("各类问题涉及的通报（按年份）")
    st.altair_chart(year_chart(groups), width="stretch")
    st.caption("每条横条是一类共性问题涉及的通报数，颜色表示通报的发布年份。")


def _member_statement(member: Mapping) -> str:
    return " ".join(str(p) for p in (member.get("heading"), member.get("text")) if p)


def group_reason(group: Mapping) -> str:
    """Plain words on why the members form a group: the wording two or more of them share."""
    statements = [_member_statement(m) for m in group["members"]]
    shared = []
    for word in group["keywords"]:
        count = sum(word in s for s in statements)
        if count >= 2:
            shared.append(f"“{word}”（{count} 条）")
    if shared:
        return "归为一类的原因：这些问题的表述都说到 " + "、".join(shared) + "，且语义相近。"
    return f"归为一类的原因：用词不同、意思相近（组内平均语义相似度不低于 {THRESHOLD:.0%}）。"


def counts_html(group: Mapping) -> str:
    """Notices, the places/units they concern (never “0 个”: unnamed ones are said so) and problems."""
    esc = highlight.esc
    places = int(group.get("count_places", 0))
    unnamed = sum(1 for d in set(group["doc_ids"]) if not _place_of(group, d))
    if places:
        where = f"<b>{esc(places)}</b> 个地方或单位"
        if unnamed:
            where += f"（另 {esc(unnamed)} 篇未写明）"
    else:
        where = "地方或单位未写明"
    return (f'<div class="ns-counts"><b>{esc(group["count_notices"])}</b> 篇通报 · {where} · '
            f'<b>{esc(group["count_members"])}</b> 条问题</div>')


def _place_of(group: Mapping, doc_id: str) -> str:
    return next((m.get("place") or "" for m in group["members"] if m["doc_id"] == doc_id), "")


def _group(group: Mapping) -> None:
    """A group's card (label, keywords, counts, places, years) and an expander listing its members."""
    esc = highlight.esc
    keywords = "".join(f'<span class="ns-kw">{esc(k)}</span>' for k in group["keywords"])
    years = " · ".join(f"{esc(y)} 年 {esc(c)} 篇" for y, c in group["years"].items()) or "无日期"
    places = "、".join(esc(p) for p in group.get("places", []))
    st.html(
        '<div class="ns-theme">'
        f'<div class="ns-title">{esc(group["theme"])}. {esc(group.get("label_shown") or group["label"])}</div>'
        f"<div>{keywords}</div>"
        f"{counts_html(group)}"
        + (f'<div class="ns-meta">涉及：{places}</div>' if places else "")
        + f'<div class="ns-meta">年份：{years}</div>'
        f'<div class="ns-why">{esc(group_reason(group))}</div>'
        "</div>"
    )
    with st.expander(f"查看第 {group['theme']} 类的 {group['count_members']} 条问题及其通报"):
        st.html(f'<ol class="ns-members">{"".join(member_html(m) for m in group["members"])}</ol>')


def evidence_html(member: Mapping) -> str:
    """The sentence stating the member's problem, the statement marked in it (escaped)."""
    esc = highlight.esc
    sentence = member.get("evidence") or ""
    if not sentence:
        return ""
    start, end = (member.get("evidence_mark") or [0, 0])[:2]
    if not 0 <= start < end <= len(sentence):
        return f'<div class="ns-evidence">原文：{esc(sentence)}</div>'
    return (f'<div class="ns-evidence">原文：{esc(sentence[:start])}<mark>{esc(sentence[start:end])}</mark>'
            f"{esc(sentence[end:])}</div>")


def member_html(member: Mapping) -> str:
    """One member: its statement, the sentence stating it, its notice (links to the notice and related views)."""
    esc = highlight.esc
    heading = member.get("heading_shown") or member.get("heading")
    statement = " ".join(p for p in (member.get("label"), heading) if p)
    meta = highlight.meta_line(member.get("title") or member["doc_id"], member.get("place") or member.get("org") or "",
                               str(member.get("year") or ""), UNIT_NAMES.get(member.get("unit"), ""))
    target = member["ref"] if member.get("unit") == "finding" else member.get("heading") or ""
    return (f"<li><div>{esc(statement)}</div>{evidence_html(member)}<div class=\"ns-meta\">{meta}</div>"
            f'<div><a href="{esc(notice_href(member["doc_id"]))}">阅读通报 ›</a>'
            f'<a href="{esc(related_href(target))}">其他通报中的同类问题 ›</a></div></li>')


def themes_csv(groups: Sequence[Mapping]) -> bytes:
    """One row per member, with its group's label, keywords and counts."""
    rows = [
        [g["theme"], g.get("label_shown") or g["label"], "、".join(g["keywords"]), g["count_notices"], g["count_orgs"],
         g["count_members"],
         m.get("title") or "", m.get("org") or "", m.get("year") or "",
         " ".join(p for p in (m.get("label"), m.get("heading_shown") or m.get("heading")) if p), m.get("text") or "",
         m["doc_id"], m["ref"], g.get("count_places", ""), m.get("place") or "", m.get("evidence") or ""]
        for g in groups for m in g["members"]
    ]
    return export.table_csv(CSV_COLUMNS, rows)
