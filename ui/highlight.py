"""Escaping and highlighting: notice text → safe HTML (pure functions, no Streamlit).

Every string that comes from a notice (text, title, organisation, heading) is
run through :func:`html.escape` *before* any ``<mark>`` is inserted, and the
result is rendered with ``st.html`` (no Markdown pass), so a notice containing
``<script>`` or Markdown shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from urllib.parse import urlparse

from index.errors import BadQuery
from index.filters import KIND_NAMES
from index.records import Document
from index.retrieve.searcher import Hit
from index.shown import passage_view, restore
from index.text.query import clean_query
from index.text.tokenize import han_bigrams, words

#: Question words that the tokenizer keeps but that mark nothing useful in a passage.
_QUESTION_WORDS = frozenset(("哪家", "哪里", "哪个", "哪位", "哪儿", "请问", "一共", "总共", "是谁", "多久"))

#: Page-wide CSS for the classes used below (rendered once with ``st.html``).
CSS = """<style>
.ns-passage{white-space:pre-wrap;line-height:1.75;overflow-wrap:anywhere;word-break:break-word}
.ns-hit{border:1px solid rgba(128,128,128,.28);border-radius:.5rem;padding:.7rem .9rem;margin:.2rem 0}
.ns-title{font-weight:600;font-size:1.02rem;line-height:1.45}
.ns-meta{opacity:.72;font-size:.84rem;margin:.15rem 0 .45rem}
.ns-answer-box{border-left:4px solid #52c41a;padding:.7rem .9rem;background:rgba(82,196,26,.07);border-radius:.3rem}
.ns-answer-text{font-size:1.15rem;font-weight:600;line-height:1.6;margin-bottom:.5rem}
mark.ns-term{background:#ffe58f;color:#111;padding:0 .08em;border-radius:.15em}
mark.ns-answer{background:#b7eb8f;color:#111;padding:0 .08em;border-radius:.15em;font-weight:600}
mark.ns-focus{background:rgba(24,144,255,.16);color:inherit}
.ns-cites{margin:.3rem 0 0 1.2rem;padding:0}
.ns-cites li{margin:.25rem 0;line-height:1.5}
.ns-meta-table{border-collapse:collapse;font-size:.9rem}
.ns-meta-table th{text-align:left;padding:.15rem .8rem .15rem 0;white-space:nowrap;opacity:.75;font-weight:500}
.ns-meta-table td{padding:.15rem 0;overflow-wrap:anywhere}
.ns-anchor{scroll-margin-top:4rem}
.ns-findings{margin:.2rem 0 0 1.2rem;padding:0;line-height:1.6}
.ns-findings a{text-decoration:none}
[data-testid="InputInstructions"]{display:none}
</style>"""


def esc(text: object) -> str:
    """HTML-escape any value (quotes included, so it is safe in attributes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def safe_url(url: str | None) -> str:
    """``url`` when it is an http(s) link, else "" (no ``javascript:`` or ``data:`` links)."""
    if not url:
        return ""
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else ""


def link(url: str | None, label: str = "原文链接") -> str:
    """An escaped ``<a>`` opening ``url`` in a new tab, or "" when the url is not http(s)."""
    target = safe_url(url)
    if not target:
        return ""
    return f'<a href="{esc(target)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def query_terms(query: str, userdict: str | None = None) -> list[str]:
    """Terms of ``query`` worth marking in a passage, longest first.

    The query is cleaned like the index does (:func:`index.text.query.clean_query`:
    Traditional → Simplified, widths, pinyin); terms are jieba words of two or
    more characters plus numbers and latin words.  When jieba leaves nothing
    (a short or odd query), Han bigrams are used.  An unusable query gives [].
    """
    try:
        cleaned = clean_query(query)
    except BadQuery:
        return []
    terms = {w for w in words(cleaned, userdict) if len(w) >= 2 and w not in _QUESTION_WORDS}
    if not terms:
        terms = {g for g in han_bigrams(cleaned) if len(g) == 2}
    return sorted(terms, key=lambda t: (-len(t), t))


#: A query word found in at least this share of the indexed notices is not marked in passages: it would mark
#: every passage.  Measured on the 229 notices of the development corpus (tests/data/shared) against the 350
#: distinct words of the labelled questions: 34 of them are in 30 % or more of the notices, and those are the
#: words of the genre — 工作 94 %, 整改 66 %, 问题 62 %, 巡察 54 %, 巡视 51 %, 市委 33 % — while the words that
#: tell passages apart are far rarer (举报 13 %, 邮政信箱 8 %, 宣传部 5 %, 八项规定 4 %).
COMMON_SHARE = 0.3
#: ... and in at least this many notices (a small index has no statistics to speak of).
COMMON_MIN_DOCS = 3


def rare_terms(terms: Sequence[str], texts: Iterable[str]) -> list[str]:
    """``terms`` without the common ones (in ``COMMON_SHARE`` of ``texts`` or more; see above).

    When every term is common, the rarest one is kept, so a passage still shows why it was found.
    """
    texts = list(texts)
    if not terms or not texts:
        return list(terms)
    frequency = {term: sum(1 for text in texts if term in text) for term in terms}
    limit = max(COMMON_MIN_DOCS, COMMON_SHARE * len(texts))
    kept = [term for term in terms if frequency[term] < limit]
    return kept or [min(terms, key=lambda term: (frequency[term], -len(term)))]


def find_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Merged, sorted (start, end) spans of every occurrence of ``terms`` in ``text``.

    Latin letters match case-insensitively; overlapping or touching spans merge.
    """
    lowered = text.lower()
    haystack = lowered if len(lowered) == len(text) else text
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle = term.lower() if haystack is lowered else term
        if not needle:
            continue
        pos = haystack.find(needle)
        while pos >= 0:
            spans.append((pos, pos + len(needle)))
            pos = haystack.find(needle, pos + 1)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge the overlapping or touching ones; empty spans are dropped."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def mark(text: str, terms: Sequence[str] = (), region: tuple[int, int] | None = None,
         region_class: str = "ns-answer", region_id: str = "", anchors: Mapping[int, str] | None = None,
         view: tuple[str, Callable[[int], int]] | None = None) -> str:
    """Escaped HTML of ``text`` with ``terms`` in ``<mark class="ns-term">``.

    ``view`` (from :func:`index.shown.passage_view`) is the same passage in the
    notice's own characters and the map of offsets into it: terms and regions
    are found in ``text`` (the indexed, width-folded form the query is folded
    to) and the shown characters are what is written out.

    ``region`` (offsets into ``text``, e.g. the answer sentence) is wrapped in
    ``<mark class=region_class id=region_id>``; terms inside it are marked too.
    ``anchors`` maps offsets to element ids: an empty ``<span id=…>`` is put
    there, for links such as ``#ns-f-3``.  Offsets outside the text are clipped.
    """
    term_spans = find_spans(text, terms)
    anchors = {max(0, min(len(text), pos)): name for pos, name in (anchors or {}).items()}
    cuts = {0, len(text), *anchors}
    for start, end in term_spans:
        cuts.update((start, end))
    reg: tuple[int, int] | None = None
    if region is not None:
        lo, hi = max(0, region[0]), min(len(text), region[1])
        if hi > lo:
            reg = (lo, hi)
            cuts.update(reg)
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    parts: list[str] = []
    term_iter = iter(term_spans)
    current = next(term_iter, None)
    id_attr = f' id="{esc(region_id)}"' if region_id else ""
    shown, to_shown = view if view is not None else (text, None)
    for start, end in pairwise(bounds):
        if start in anchors:
            parts.append(f'<span class="ns-anchor" id="{esc(anchors[start])}"></span>')
        if reg is not None and start == reg[0]:
            parts.append(f'<mark class="{esc(region_class)}"{id_attr}>')
        while current is not None and current[1] <= start:
            current = next(term_iter, None)
        piece = esc(text[start:end] if to_shown is None else shown[to_shown(start):to_shown(end)])
        if current is not None and current[0] <= start and end <= current[1]:
            piece = f'<mark class="ns-term">{piece}</mark>'
        parts.append(piece)
        if reg is not None and end == reg[1]:
            parts.append("</mark>")
    return "".join(parts)


def heading_path(hit: Hit) -> str:
    """Where a passage sits in its notice: the section path, else the finding label."""
    return hit.section or hit.finding


def meta_line(*values: str) -> str:
    """Escaped, non-empty values joined by `` · ``."""
    return " · ".join(esc(v) for v in values if v)


def hit_card(hit: Hit, rank: int, terms: Sequence[str], doc: Document | None = None) -> str:
    """One ranked passage: title, kind/organisation/date/heading, highlighted text, source link.

    With ``doc`` (the hit's notice) the passage is written in the notice's own characters.
    """
    meta = meta_line(KIND_NAMES.get(hit.kind, hit.kind), hit.org, hit.date, heading_path(hit))
    source = link(hit.url)
    return (
        '<div class="ns-hit">'
        f'<div class="ns-title">{rank}. {esc(hit.title or hit.doc_id)}</div>'
        f'<div class="ns-meta">{meta}</div>'
        f'<div class="ns-passage">{mark(hit.text, terms, view=passage_view(doc, hit.text, hit.start))}</div>'
        + (f'<div class="ns-meta">{source}</div>' if source else "")
        + "</div>"
    )


def answer_box(answer: str, hit: Hit, start: int, end: int, terms: Sequence[str], doc: Document | None = None) -> str:
    """The answer sentence, then its passage with the sentence highlighted, then its source.

    With ``doc`` (the passage's notice) sentence and passage are in the notice's own characters.
    """
    view = passage_view(doc, hit.text, hit.start)
    answer = view[0][view[1](start):view[1](end)] if hit.text[start:end] == answer else restore(doc, answer)
    meta = meta_line(hit.title or hit.doc_id, hit.org, hit.date, heading_path(hit))
    source = link(hit.url)
    return (
        '<div class="ns-answer-box">'
        f'<div class="ns-answer-text">{esc(answer)}</div>'
        f'<div class="ns-passage">{mark(hit.text, terms, (start, end), view=view)}</div>'
        f'<div class="ns-meta">出处：{meta}{" · " + source if source else ""}</div>'
        "</div>"
    )


def citation_list(citations: Sequence[Hit], answer_index: int = -1) -> str:
    """Numbered citations: title, organisation, date, heading path and source link."""
    items = []
    for number, hit in enumerate(citations):
        flag = "（答案出处）" if number == answer_index else ""
        meta = meta_line(hit.org, hit.date, heading_path(hit))
        source = link(hit.url, "来源")
        tail = " · ".join(p for p in (meta, source) if p)
        items.append(f"<li><b>{esc(hit.title or hit.doc_id)}</b>{esc(flag)}"
                     + (f' <span class="ns-meta">{tail}</span>' if tail else "") + "</li>")
    return f'<ol class="ns-cites">{"".join(items)}</ol>'


def meta_table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column table of (label, already-escaped HTML value); empty values are skipped."""
    body = "".join(f"<tr><th>{esc(label)}</th><td>{value}</td></tr>" for label, value in rows if value)
    return f'<table class="ns-meta-table">{body}</table>'
