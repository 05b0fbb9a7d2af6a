"""Sidebar filters (kind, organisation, year range) → :class:`index.filters.Filters`."""

from __future__ import annotations

import streamlit as st

from index.filters import KIND_NAMES, KINDS, Filters, strip_control

from . import state

KEY_KINDS = "f_kinds"
KEY_ORG = "f_org"
KEY_YEARS = "f_years"
KEY_TOP = "f_top"
COMMON_ORGS = 5


def _reset(year_range: tuple[int, int] | None) -> None:
    """Callback of “清除筛选”: put every filter back to “all”."""
    st.session_state[KEY_KINDS] = []
    st.session_state[KEY_ORG] = ""
    if year_range is not None:
        st.session_state[KEY_YEARS] = year_range


def sidebar(engine: state.Engine) -> tuple[Filters, int]:
    """Draw the filters in the sidebar; return the Filters and the number of passages to show."""
    counts = state.facets(engine.key, engine.generation)
    bar = st.sidebar
    bar.header("筛选")
    kinds = [k for k in KINDS if counts.kinds.get(k)] + sorted(k for k in counts.kinds if k not in KINDS)
    chosen = bar.multiselect(
        "通报类型", kinds, key=KEY_KINDS, placeholder="全部类型", select_all=False,  # no English “Select all”
        format_func=lambda k: f"{KIND_NAMES.get(k, k)}（{counts.kinds.get(k, 0)}）",
    )
    # a text box, not a selectbox accepting new options: that one offers the English “Add: …” for typed words
    org = bar.text_input(
        "机构 / 地区", key=KEY_ORG, placeholder="全部机构（输入关键词，如“张家界”）",
        help="匹配发布机构、被巡察单位或标题中包含该词的通报，例如“张家界”或“宣传部”。",
    )
    common = [f"{o}（{n}）" for o, n in counts.orgs.most_common(COMMON_ORGS)]
    if common and not (org or "").strip():
        bar.caption("通报较多的机构：" + "、".join(common))
    year_range: tuple[int, int] | None = None
    date_from = date_to = ""
    if len(counts.years) >= 2:
        year_range = (min(counts.years), max(counts.years))
        years = bar.slider("年份", year_range[0], year_range[1], value=year_range, key=KEY_YEARS,
                           help="设定年份后，没有日期的通报不会出现在结果中。")
        if tuple(years) != year_range:
            date_from, date_to = str(years[0]), str(years[1])
        if counts.undated:
            bar.caption(f"{counts.undated} 篇通报没有日期。")
    elif counts.years:
        bar.caption(f"所有带日期的通报都在 {next(iter(counts.years))} 年。")
    else:
        bar.caption("索引中的通报没有日期信息，无法按年份筛选。")
    filters = Filters(kinds=tuple(chosen), org=strip_control(org or "").strip(), date_from=date_from, date_to=date_to)
    if filters.active:
        bar.button("清除筛选", on_click=_reset, args=(year_range,), width="stretch")
    top = bar.slider("显示段落数", 5, 50, value=10, step=5, key=KEY_TOP)
    return filters, int(top)


def describe(filters: Filters) -> str:
    """The active filters in words, e.g. ``类型：进驻公告；机构：张家界；年份：2019–2021``."""
    parts = []
    if filters.kinds:
        parts.append("类型：" + "、".join(KIND_NAMES.get(k, k) for k in filters.kinds))
    if filters.org:
        parts.append(f"机构：{filters.org}")
    if filters.date_from or filters.date_to:
        parts.append(f"年份：{filters.date_from or '最早'}–{filters.date_to or '最新'}")
    return "；".join(parts)


def empty_message(filters: Filters) -> str:
    """What to say when a search returns nothing (suggesting to drop filters when some are set)."""
    if filters.active:
        return (f"没有符合条件的结果（当前筛选：{describe(filters)}）。"
                "请尝试移除筛选条件，或换一种问法。")
    return "没有找到相关段落。请换一种问法，或使用通报中会出现的关键词（机构名称、“整改”“巡察组”等）。"
