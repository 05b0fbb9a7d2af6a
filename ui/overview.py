"""Corpus overview: how many notices, of which kind, from which years and organisations."""

from __future__ import annotations

import streamlit as st

from index.filters import KIND_NAMES, KINDS

from . import state

TOP_ORGS = 30


def render(ctx: state.Context) -> None:
    """Counts, charts by kind and year, table by organisation, repaired notices."""
    import pandas as pd  # here, not at import: the first page load does not need it

    engine = ctx.engine
    assert engine is not None
    docs = engine.documents
    counts = state.facets(engine.key, engine.generation)
    manifest_counts = engine.manifest.get("counts", {})
    repaired = [d for d in docs.values() if d.repaired]
    damaged = [d for d in docs.values() if (d.meta or {}).get("damaged_runs")]

    left, right = st.columns(2)
    left.metric("通报", len(docs))
    right.metric("段落", manifest_counts.get("chunks", len(engine.searcher.chunks)))
    left.metric("问题条目", manifest_counts.get("findings", sum(len(d.findings) for d in docs.values())))
    right.metric("乱码已修复", len(repaired))
    left.metric("未能修复的乱码", f"{sum(int(d.meta['damaged_runs']) for d in damaged)} 处",
                help="抓取时丢失字节留下的乱码片段（如“初审?扑]”）：无法确定原字的保留原样，"
                     "不会用作标题、小标题或答案。")

    st.subheader("按类型")
    order = [k for k in KINDS if counts.kinds.get(k)] + sorted(k for k in counts.kinds if k not in KINDS)
    by_kind = pd.DataFrame({"类型": [KIND_NAMES.get(k, k) for k in order],
                            "通报数": [counts.kinds[k] for k in order]})
    st.bar_chart(by_kind, x="类型", y="通报数", horizontal=True, sort="-通报数")

    st.subheader("按年份")
    if counts.years:
        years = sorted(counts.years)
        st.bar_chart(pd.DataFrame({"年份": [str(y) for y in years], "通报数": [counts.years[y] for y in years]}),
                     x="年份", y="通报数")
    if counts.undated:
        st.caption(f"{counts.undated} 篇通报没有识别出日期。")

    st.subheader("按机构")
    if counts.orgs:
        table = pd.DataFrame(counts.orgs.most_common(TOP_ORGS), columns=["机构", "通报数"])
        st.dataframe(table, hide_index=True, width="stretch")
        if len(counts.orgs) > TOP_ORGS:
            st.caption(f"共 {len(counts.orgs)} 个机构，仅列出通报最多的 {TOP_ORGS} 个。")
    else:
        st.caption("没有识别出发布机构。")

    st.subheader(f"乱码修复的通报（{len(repaired)}）")
    st.caption("这些通报抓取时是拼音夹注或繁体乱码，已自动修复为简体；在“阅读通报”中可切换查看原文。")
    if repaired:
        rows = [{"标题": d.title, "机构": d.org, "日期": d.date or d.signed_date, "编号": d.doc_id} for d in repaired]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    rebuilt = sum(int((d.meta or {}).get("lost_bytes_repaired") or 0) for d in docs.values())
    st.subheader(f"未能修复的乱码（{len(damaged)} 篇通报，{sum(int(d.meta['damaged_runs']) for d in damaged)} 处）")
    st.caption("抓取时丢失了字节的片段。能确定原字的已还原"
               f"（共 {rebuilt} 处）；其余保留原样以便核对，但不会出现在标题、小标题或简短答案中。")
    if damaged:
        rows = [{"标题": d.title, "未修复处数": int(d.meta["damaged_runs"]), "编号": d.doc_id} for d in damaged]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    created = str(engine.manifest.get("created", "")).replace("T", " ")[:19]
    model = engine.manifest.get("config", {}).get("model", "")
    with st.expander("技术信息", expanded=False):  # for whoever maintains the index; folded by default
        st.caption(f"索引位置：`{engine.key}` · 版本 {engine.generation} · 建立时间 {created} · 向量模型 `{model}`")
