"""Page entry point: settings, index, sidebar filters, navigation, the chosen view."""

from __future__ import annotations

import streamlit as st

from . import filters, highlight, state, views
from .safe import plain

TITLE = "巡察通报检索"


def run() -> None:
    """Draw the whole page once (Streamlit reruns this on every interaction)."""
    st.set_page_config(page_title=TITLE, page_icon=":material/manage_search:", layout="centered")
    st.html(highlight.CSS)
    root = state.index_path()
    engine, problem = state.open_engine(root)
    ctx = state.Context(root=root, engine=engine, problem=problem)

    views.apply_deep_link()
    st.title(TITLE)
    st.caption("检索、提问、核对巡视巡察反馈、整改进展通报和进驻公告。答案均摘自通报原文并注明出处。")
    if engine is not None:
        ctx.filters, ctx.top = filters.sidebar(engine)
    else:
        st.sidebar.info("建立索引后可在这里按类型、机构和年份筛选。")

    view = views.navigation(has_index=engine is not None)
    if engine is None:
        if problem.startswith("还没有索引"):  # our own Markdown (the ingest command in backticks)
            st.info(problem)
        else:  # quotes file names and messages: shown as typed
            st.error(plain(problem))
        if view.needs_index:
            return
    view.render(ctx)
