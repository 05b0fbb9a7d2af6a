"""The page's views and the navigation between them.

To add a page (compare, themes…): write ``ui/<name>.py`` with
``render(ctx: state.Context) -> None`` and append a :class:`View` to
:data:`VIEWS`.  Navigation, deep links (``?view=<key>``) and the
“no index yet” guard come for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from . import ask, compare, notice, overview, related, state, themes, upload


@dataclass(frozen=True)
class View:
    """One page of the app."""

    key: str  # used in the URL (?view=key) and in session state
    label: str  # Chinese name in the navigation
    render: Callable[[state.Context], None]
    needs_index: bool = True  # False: shown even when there is no index yet (upload)
    params: tuple[str, ...] = ()  # query parameters this view keeps in the URL (dropped on other views)


VIEWS: list[View] = [
    View("ask", "提问检索", ask.render),
    View("notice", "阅读通报", notice.render, params=("doc",)),
    View("compare", "对比通报", compare.render, params=compare.PARAMS),
    View("related", "同类问题", related.render, params=related.PARAMS),
    View("themes", "共性问题", themes.render),
    View("overview", "语料概览", overview.render),
    View("upload", "导入通报", upload.render, needs_index=False),
]


def by_key(key: str | None) -> View | None:
    """The registered view called ``key``."""
    return next((v for v in VIEWS if v.key == key), None)


def apply_deep_link() -> None:
    """Once per session, open the view and notice named in the URL (``?view=notice&doc=n0001``)."""
    if st.session_state.get("_deep_link_done"):
        return
    st.session_state["_deep_link_done"] = True
    params = st.query_params
    if by_key(params.get("view")) is not None:
        st.session_state[state.KEY_VIEW] = params["view"]
    if params.get("doc"):
        st.session_state[notice.KEY_DOC] = params["doc"]
        st.session_state.setdefault(state.KEY_VIEW, "notice")


def navigation(has_index: bool) -> View:
    """The view chosen in the top navigation (kept in the URL for sharing)."""
    if by_key(st.session_state.get(state.KEY_VIEW)) is None:
        st.session_state[state.KEY_VIEW] = VIEWS[0].key if has_index else "upload"
    key = st.radio("页面", [v.key for v in VIEWS], key=state.KEY_VIEW, horizontal=True,
                   label_visibility="collapsed", format_func=lambda k: by_key(k).label)  # type: ignore[union-attr]
    view = by_key(key) or VIEWS[0]
    st.query_params["view"] = view.key
    for name in {p for v in VIEWS for p in v.params} - set(view.params):
        if name in st.query_params:
            del st.query_params[name]
    return view
