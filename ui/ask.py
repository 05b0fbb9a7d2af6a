"""The main view: ask a question, read the answer in its passage, check the citations."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from index.answer.generate import generate, llm_config
from index.answer.reader import Answer
from index.errors import BadQuery, IndexError_
from index.filters import Filters
from index.records import Document
from index.retrieve.searcher import Hit
from index.shown import restore

from . import export, filters, highlight, state
from .notice import open_notice
from .safe import plain

KEY_QUESTION = "question"
KEY_EXAMPLE = "example"
ANSWER_CITATIONS = 5
#: What the page says when the corpus holds no clear answer.
NOT_FOUND = "语料中未找到明确答案"
SHORT_STYLE = "font-size:1.6rem;font-weight:700;margin:.2rem 0 .6rem"
PER_DOC = 2
#: What the page says while the question box is empty (before the first question / after only spaces).
START_HINT = "请在上面的输入框中输入问题或关键词，按回车检索；也可以点选上面的示例问题。"
EMPTY_HINT = "问题是空的：请输入要问的问题或几个关键词（例如机构名称、“整改”“巡察组”），再按回车。"

EXAMPLES = (
    "张家界市委宣传部整改工作领导小组的组长是谁？",
    "巡视组统一受理举报的邮政信箱",
    "违规发放津贴补贴问题如何整改？",
)


def _use_example() -> None:
    """Callback of the example chips: copy the chosen example into the question box."""
    example = st.session_state.get(KEY_EXAMPLE)
    if example:
        st.session_state[KEY_QUESTION] = example
    st.session_state[KEY_EXAMPLE] = None


@st.cache_data(max_entries=64, show_spinner="正在检索…")
def run_query(root: str, generation: str, question: str, kinds: tuple[str, ...], org: str,
              date_from: str, date_to: str, top: int) -> tuple[Answer, list[Hit]]:
    """The library's answer and ranked passages for one question (cached per index generation)."""
    engine = state.load_engine(root, generation).ready()
    chosen = Filters(kinds=kinds, org=org, date_from=date_from, date_to=date_to)
    answer = engine.answerer.ask(question, top=ANSWER_CITATIONS, filters=chosen)
    hits = engine.searcher.search(question, top=top, per_doc=PER_DOC, filters=chosen)
    return answer, hits


#: Notices looked at to tell common words from rare ones (evenly spaced; a large index need not be read whole).
TERM_SAMPLE = 1000


@st.cache_data(max_entries=256, show_spinner=False)
def marked_terms(root: str, generation: str, terms: tuple[str, ...]) -> list[str]:
    """The query words worth marking in passages: the common ones left out (see :func:`ui.highlight.rare_terms`)."""
    documents = state.load_engine(root, generation).documents
    ids = list(documents)
    step = max(1, len(ids) // TERM_SAMPLE)
    return highlight.rare_terms(terms, (documents[doc_id].text for doc_id in ids[::step]))


def render(ctx: state.Context) -> None:
    """Question box, answer, citations, ranked passages, CSV export."""
    engine = ctx.engine
    assert engine is not None
    st.text_input("输入问题或关键词", key=KEY_QUESTION, placeholder="例如：" + EXAMPLES[0],
                  help="可以直接提问，也可以输入关键词；繁体、全角字符会自动转换。按回车检索。")
    st.pills("示例问题", EXAMPLES, key=KEY_EXAMPLE, on_change=_use_example, label_visibility="collapsed")
    typed = st.session_state.get(KEY_QUESTION) or ""
    question = typed.strip()
    if not question:
        st.info(EMPTY_HINT if typed else START_HINT, icon=":material/edit:")
        st.caption(f"索引中共有 {len(engine.documents)} 篇通报。答案摘自通报原文，并注明出处。")
        return
    f = ctx.filters
    try:
        answer, hits = run_query(engine.key, engine.generation, question,
                                 f.kinds, f.org, f.date_from, f.date_to, ctx.top)
    except BadQuery as exc:
        st.warning(plain(f"无法检索这个问题：{exc}"))
        return
    except IndexError_ as exc:
        st.error(plain(f"检索出错：{exc}"))
        return
    except RuntimeError as exc:  # the embedding model could not be loaded (raised by the engine's warm-up)
        st.error(plain(f"语言模型无法加载：{exc}"))
        return
    if not hits and not answer.citations:
        st.info(filters.empty_message(f))
        return
    terms = marked_terms(str(engine.root.resolve()), engine.generation,
                         tuple(highlight.query_terms(question, engine.userdict)))
    _show_answer(answer, terms, engine.documents)
    _show_generated(question, answer)
    _show_passages(question, hits, terms, engine.documents)


def _show_answer(answer: Answer, terms: list[str], documents: Mapping[str, Document]) -> None:
    """The short answer first, then list items, the answer sentence inside its passage, then the citations.

    When the library finds no clear answer (``no_answer``) the page says so
    (语料中未找到明确答案) and lists the closest passages' sources instead.
    Everything quoted is written in the notice's own characters (see :mod:`index.shown`).
    """
    if answer.no_answer:
        st.subheader("答案")
        st.warning(f"{NOT_FOUND}。下面是最接近的段落，请阅读原文自行判断。", icon=":material/search_off:")
        if answer.citations:
            st.markdown("**最接近的段落来源**")
            st.html(highlight.citation_list(answer.citations))
        return
    if not answer.answer or not (0 <= answer.sentence_hit < len(answer.citations)):
        return
    unsure = answer.confidence is not None and not answer.sure
    st.subheader("可能的答案" if unsure else "答案")
    if answer.confidence is not None:
        st.html(_confidence_badge(answer))
    if answer.caution:
        st.warning(f"注意：{answer.caution}，答案可能不是所问的那次巡视巡察。", icon=":material/event_busy:")
    source = answer.citations[answer.sentence_hit]
    source_doc = documents.get(source.doc_id)
    if answer.short_answer and not answer.items:
        short = restore(source_doc, answer.short_answer)
        st.html(f'<div class="ns-short-answer" style="{SHORT_STYLE}">{highlight.esc(short)}</div>')
    if answer.items:
        rows = "".join(f'<li>{highlight.esc(_item_doc_text(item, answer, documents))}'
                       f'{_evidence(item, _item_doc(item, answer, documents))} <sup>[{item["citation"] + 1}]</sup></li>'
                       for item in answer.items)
        st.html(f'<ol class="ns-answer-items">{rows}</ol>')
    st.html(highlight.answer_box(answer.answer, source, answer.start, answer.end, terms, source_doc))
    st.caption("答案是从通报原文中摘取的句子（绿色），请以原文为准。")
    if unsure and answer.candidates:
        with st.expander(f"其他可能的答案（{len(answer.candidates)}）", expanded=True):
            for cand in answer.candidates:
                hit = Hit(**{k: v for k, v in cand["citation"].items() if k in Hit.__dataclass_fields__})
                start, end = cand["answer_span"]
                st.html(f'<div class="ns-meta">置信度 {cand["confidence"]:.0%}</div>'
                        + highlight.answer_box(cand["answer"], hit, start, end, terms, documents.get(hit.doc_id)))
    st.markdown("**引用来源**")
    st.html(highlight.citation_list(answer.citations, answer.sentence_hit))


def _confidence_badge(answer: Answer) -> str:
    """把握较大 (sure) or 把握不大 with the calibrated probability, so an uncertain answer looks uncertain."""
    share = f"{answer.confidence:.0%}"
    if answer.sure:
        return (f'<div class="ns-confidence ns-sure" style="color:#1b5e20">把握较大（置信度 {share}）：'
                "同类答案在评测中九成五以上正确。</div>")
    return (f'<div class="ns-confidence ns-unsure" style="color:#b26a00;font-weight:600">把握不大（置信度 {share}）：'
            "这是最可能的答案，但可能不对；请对照下面的原文和其他可能的答案。</div>")


def _item_doc(item: dict, answer: Answer, documents: Mapping[str, Document]) -> Document | None:
    """The notice a list item is cited from."""
    number = item.get("citation", -1)
    return documents.get(answer.citations[number].doc_id) if 0 <= number < len(answer.citations) else None


def _item_doc_text(item: dict, answer: Answer, documents: Mapping[str, Document]) -> str:
    """A list item's text in its notice's own characters."""
    return restore(_item_doc(item, answer, documents), str(item["text"]))


def _evidence(item: dict, doc: Document | None = None) -> str:
    """A cross-notice item's evidence sentence (哪些单位被指出…: the unit, then what its notice says), escaped."""
    sentence = item.get("sentence")
    if not sentence:
        return ""
    out = f'：<span class="ns-item-evidence">{highlight.esc(restore(doc, sentence))}</span>'
    for key, label in (("measures", "整改措施"), ("progress", "整改进展")):
        if item.get(key):
            out += f'<div class="ns-item-{key}">{label}：{highlight.esc(restore(doc, item[key]))}</div>'
    return out


def _show_generated(question: str, answer: Answer) -> None:
    """Beside the extractive answer, on request: an answer generated from the same citations.

    Shown only when an OpenAI-compatible endpoint is configured (``NOTICE_LLM_URL``).
    """
    config = llm_config()
    if config is None or not answer.citations:
        return
    with st.expander(f"生成式回答（{config.model}，仅依据上列引用来源，请核对原文）"):
        if st.button("生成回答", key="generate", icon=":material/auto_awesome:"):
            with st.spinner("正在生成…"):
                generated = generate(question, answer, config)
            if generated.error:
                st.warning(plain(f"生成失败：{generated.error}"))
            else:
                st.text(generated.text)  # plain text: nothing the model writes is rendered as HTML


def _show_passages(question: str, hits: list[Hit], terms: list[str], documents: Mapping[str, Document]) -> None:
    """Ranked passages with the query terms marked, each with a button to read the notice."""
    st.subheader(f"相关段落（{len(hits)}）")
    st.download_button("导出结果（CSV）", export.hits_csv(question, hits), file_name="检索结果.csv",
                       mime="text/csv", key="export_csv", icon=":material/download:")
    for rank, hit in enumerate(hits, 1):
        st.html(highlight.hit_card(hit, rank, terms, documents.get(hit.doc_id)))
        st.button("阅读全文", key=f"open_{rank}_{hit.chunk_id}", on_click=open_notice,
                  args=(hit.doc_id, hit.start, hit.end, hit.finding, tuple(terms)),
                  icon=":material/article:")
