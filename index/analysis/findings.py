"""Findings as first-class data, with fallbacks for notices that have none.

Three kinds of *unit* stand for "something a notice states":

``finding``
    A numbered finding parsed at ingest (:class:`index.records.Finding`),
    with its stored vector (``finding_keys`` ↔ ``finding_vectors``, embedded
    at ingest from its problem statement).  Only 5 notices of the shared
    corpus have them.
``passage``
    A chunk of a notice (:func:`document_passages`) — the fallback for the
    many notices (most are excerpts) whose text stops before a numbered list.
``item``
    A *problem item* read from running text (:func:`problem_items`): feedback
    news lists problems inline (``仍然存在A不充分、B办法不多、C力度不够``,
    ``有的…有差距;有的…不严格``, ``一是…二是…``, ``在X、Y等方面存在问题``) and
    rectification notices name them (``针对…不到位的问题``).  About 150 on the
    shared corpus, from 50 notices.

Comparison and grouping need vectors of the *statements*: :func:`embed_units`
reads the stored finding vectors and embeds items and passages (whose stored
chunk vectors also hold the title) at command time with the index's model,
kept in an in-process cache (nothing is written to disk).

Every unit turns into a plain dict (:meth:`Unit.to_dict`) that a table can
show directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.errors import IndexError_, NotFound
from index.records import Chunk, Document, Finding
from index.store.folder import IndexData
from index.text.problem import states_problem

#: Measures are shortened to this many characters in unit dicts.
MEASURES_CHARS = 160
#: Passage and context texts are shortened to this many characters in unit dicts.
TEXT_CHARS = 240
#: A chunk with fewer content characters than this is a bare heading, not a passage.
MIN_PASSAGE_CHARS = 30
#: Problem items shorter or longer than these are fragments or whole paragraphs.
MIN_ITEM_CHARS = 6
MAX_ITEM_CHARS = 60
#: Kinds of notice that state problems (announcements only say an inspection starts).
PROBLEM_KINDS = ("rectification_progress", "feedback", "other")


class NoFindings(IndexError_):
    """The index holds no findings or problem statements to work on."""


@dataclass
class Unit:
    """One problem statement of a notice: a finding, a passage or an extracted item."""

    doc_id: str
    kind: str  # finding | passage | item
    label: str = ""  # finding label (问题6, (三)2.); empty for passages and items
    section: str = ""  # heading path of the passage/item (chunk section)
    heading: str = ""  # finding heading, item text, or the passage's first sentence
    text: str = ""  # full text of the finding / passage / item's sentence
    category: str = ""
    problem: str = ""
    measures: str = ""
    status: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    chunk_id: int = -1
    start: int = 0
    end: int = 0

    @property
    def ref(self) -> str:
        """``DOC_ID:LABEL`` for a finding, ``DOC_ID#chunk`` / ``DOC_ID@offset`` otherwise."""
        if self.kind == "finding":
            return f"{self.doc_id}:{self.label}"
        return f"{self.doc_id}#{self.chunk_id}" if self.kind == "passage" else f"{self.doc_id}@{self.start}"

    @property
    def problem_text(self) -> str:
        """What the problem is, as briefly as the notice puts it (used for clustering)."""
        if self.kind == "finding":
            return self.problem or self.heading  # = index.encode.encoder.finding_passage: the stored vector's text
        return self.heading if self.kind == "item" else self.text

    def to_dict(self, short: bool = True) -> dict[str, Any]:
        """Plain dict for tables and JSON; ``short`` trims measures and long texts."""
        out: dict[str, Any] = {"doc_id": self.doc_id, "unit": self.kind, "ref": self.ref}
        if self.kind == "finding":
            out.update(label=self.label, heading=self.heading, category=self.category, problem=self.problem,
                       measures=shorten(self.measures, MEASURES_CHARS) if short else self.measures,
                       status=self.status, figures=self.figures)
        else:
            out.update(section=self.section, heading=self.heading,
                       text=shorten(self.text, TEXT_CHARS) if short else self.text)
        return out


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------
# Documents and references
# --------------------------------------------------------------------------


def index_data(source: Any) -> IndexData:
    """The IndexData of a Searcher, or ``source`` itself when it already is one."""
    data = getattr(source, "data", source)
    if not isinstance(data, IndexData):
        raise TypeError(f"需要 Searcher 或 IndexData，而不是 {type(source).__name__}")
    return data


def get_document(data: IndexData, doc_id: str) -> Document:
    """The document ``doc_id``, or NotFound with a hint."""
    doc = data.documents.get(doc_id)
    if doc is None:
        raise NotFound(f"索引中没有编号为 {doc_id!r} 的通报（共 {len(data.documents)} 篇）；"
                       "`python -m index search` 的结果中列有通报编号")
    return doc


def get_finding(data: IndexData, doc_id: str, label: str) -> Finding:
    """The finding ``label`` of ``doc_id``, or NotFound listing the labels it has."""
    doc = get_document(data, doc_id)
    for finding in doc.findings:
        if finding.label == label:
            return finding
    labels = "、".join(f.label for f in doc.findings[:30])
    have = f"它的问题有：{labels}" if labels else "它没有编号的问题"
    if not data.finding_keys:
        have += "（这个索引中的通报都没有编号的问题：请改为比对或检索段落）"
    raise NotFound(f"通报 {doc_id!r} 中没有问题 {label!r}；{have}")


def parse_ref(data: IndexData, ref: str) -> tuple[str, str] | None:
    """``(doc_id, label)`` when ``ref`` names a finding, ``(doc_id, "")`` a document, None for free text.

    ``DOC_ID:LABEL`` (full-width colon and brackets accepted) must name an
    existing finding; a single Latin token with a digit (``n0999``) must be
    an existing document id — NotFound otherwise.  Anything else is free text.
    """
    ref = unicodedata.normalize("NFKC", ref).strip()
    if ref in data.documents:
        return ref, ""
    doc_id, sep, label = (part.strip() for part in ref.partition(":"))
    if sep and doc_id in data.documents:
        get_finding(data, doc_id, label)
        return doc_id, label
    looks_like_id = _DOC_ID.fullmatch(doc_id) and (not sep or _LABEL.fullmatch(label))
    if looks_like_id and (sep or any(ch.isdigit() for ch in doc_id)):
        raise NotFound(f"索引中没有编号为 {doc_id!r} 的通报（共 {len(data.documents)} 篇）；"
                       "`python -m index search` 的结果中列有通报编号")
    return None


_DOC_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,39}", re.ASCII)
_LABEL = re.compile(r"\S{1,20}")


# --------------------------------------------------------------------------
# Findings and passages
# --------------------------------------------------------------------------


def finding_unit(finding: Finding) -> Unit:
    """A Unit for a parsed finding."""
    return Unit(doc_id=finding.doc_id, kind="finding", label=finding.label, heading=finding.heading,
                text=finding.text, category=finding.category, problem=finding.problem, measures=finding.measures,
                status=finding.status, figures=finding.figures, start=finding.start, end=finding.end)


def finding_rows(data: IndexData) -> dict[tuple[str, str], int]:
    """(doc_id, label) → row of ``data.finding_vectors``."""
    return {key: row for row, key in enumerate(data.finding_keys)}


def passage_unit(chunk: Chunk) -> Unit:
    """A Unit for a chunk (its first sentence as heading)."""
    first = re.split(r"(?<=[。!?;])|\n", chunk.text.strip(), maxsplit=1)[0]
    return Unit(doc_id=chunk.doc_id, kind="passage", label=chunk.finding, section=chunk.section,
                heading=shorten(first, 60), text=chunk.text, chunk_id=chunk.chunk_id, start=chunk.start,
                end=chunk.end)


def document_chunks(data: IndexData, doc_id: str) -> list[Chunk]:
    """The chunks of ``doc_id`` in text order."""
    return [c for c in data.chunks if c.doc_id == doc_id]


def document_passages(data: IndexData, doc_id: str) -> list[Unit]:
    """The passages of ``doc_id`` in text order, bare headings left out."""
    get_document(data, doc_id)
    chunks = document_chunks(data, doc_id)
    body = [c for c in chunks if _content_chars(c.text) >= MIN_PASSAGE_CHARS] or chunks
    return [passage_unit(c) for c in body]


def _content_chars(text: str) -> int:
    return len(re.findall(r"[\w\u3400-\u9fff]", text))


# --------------------------------------------------------------------------
# Problem items from running text
# --------------------------------------------------------------------------

_SENTENCES = re.compile(r"[^。!?\n]+")
_CLAUSE_SPLIT = re.compile(r"[,;:]|(?=(?:[一二三四五六七八九十]是|有的|其[一二三四五六七八九十])(?![,、:]))")
def _alternatives(*groups: str) -> str:
    """A regex alternation of the space-separated words in ``groups``."""
    return "|".join(word for group in groups for word in group.split())


#: Lead-in words that introduce a problem list rather than belong to the problem.
_LEAD = re.compile("^(?:" + _alternatives(
    r"\([一二三四五六七八九十\d]{1,3}\) \d{1,2}\. [一二三四五六七八九十]、",
    "[一二三四五六七八九十]是 其[一二三四五六七八九十]",
    "指出了? 发现了? 不同程度(?:地)? 聚焦 有的 一些 个别 部分 但是? 同时 也 还 并且? 仍然 依然 仍 主要 突出",
    "存在着? 表现为 表现在 具体表现为",
    r"对照[^,]{0,20}要求 巡[视察](?:组|中)?(?:也|还)?(?:指出|发现)(?:了)?",
) + ")+")
#: ``针对X的问题`` / ``关于“X”问题的整改``: X is the problem the measure answers.
_ADDRESSED_PROBLEM = re.compile(
    r"^(?:针对|关于)[“\"]?(?P<problem>[^“”\"]+?)[”\"]?(?:的|等)?(?:问题|现象)(?:的整改|整改)?$"
)
#: Problem wording beyond the structure parser's cues (which avoid words common in measures).
_EXTRA_CUE = re.compile(_alternatives(
    "违规 违纪 违反 违背 超标准 超范围 超编 超配 擅自 不正之风 腐败 失职 渎职 敷衍 推诿 懈怠 漏洞 隐患",
    "不作为 乱作为 慢作为 形式主义 官僚主义 享乐主义 奢靡之风 软弱涣散 重视不够 不重视",
    "未(?:得到|能|按|及时|有效|严格|落实|建立|开展|执行|完全)",
))
#: Clauses about the inspection's procedure or the rectification work, not a problem of the unit.
_PROCEDURAL = re.compile(_alternatives(
    "反馈意见 巡[视察]组 整改任务 整改工作 问题线索 移交 追责问责 执纪问责 约谈 督导 督查 评估 举报 信访件",
    "联系电话 邮政信箱 会议 专题会 召开 参会 领导小组 反腐败斗争 找(?:偏差|差距|根源|责任) 问责 ^对[^,]{0,4}整改",
    "(?:整治|专项行动|学习教育)$ 的$ 的(?:单位|党组织|个人|干部|人员|原?党委书记|负责人)",
    r"不打折扣 不搞变通 不讲条件 \d+\s*[个项条家名]",
))
#: Clauses that open with a measure verb state what was done, not the problem.
_MEASURE_START = re.compile("^(?:" + _alternatives(
    "加强 坚持 严格 切实 健全 完善 建立 推动 推进 深化 强化 着力 确保 坚决 严肃 持续 进一步 认真 扎实",
    "全面 提高 提升 防止 杜绝 解决 针对 聚焦 围绕 对照 牢固 树立 整治 规范 开展 为解决 帮助 以 使 重点检查",
    "做到 督促 查补 补短板 将 把 通过",
) + ")")
#: Pieces that only say "there are problems" without naming one.
_GENERIC = re.compile(
    r"^(?:指出了?|发现了?|解决了?|既有|也有)?(?:存在的|一些|个别|共性|个性|突出的?|[^,]{0,6}层面的|针对性的)?"
    r"(?:问题|不足|短板|差距)$|^有待[^,]{0,6}$|的问题和不足$|^[^,]{0,12}的问题$"
)
#: ``…等多项问题`` / ``…等方面问题199条`` after the problem itself.
_TAIL = re.compile(r"等(?:多项|一些|几个|方面|突出|的)*(?:困难和)?问题.*$")
#: ``在X、Y和Z等方面存在一些问题``: a list of problem areas.
_AREA_LIST = re.compile(
    r"在(?P<areas>[^。;:,]{4,120}?)等?(?:几个|多个)?方面(?:还|也|仍)?(?:存在|有)[^。;:,]{0,8}(?:问题|不足)"
)
_AREA_SPLIT = re.compile(r"方面、|、")
#: Quoted slogans (“整改不力是失职,不抓整改是渎职”) are not problems of the unit.
_SLOGAN = re.compile(r"“[^”]{6,40}”")


def problem_items(doc: Document) -> list[Unit]:
    """Problem statements in the running text of ``doc`` (empty for announcements).

    A sentence is cut into clauses (``,;:``, ``一是…``, ``有的…``); a clause
    listing problems with ``、`` is cut further, fragments without a problem
    cue staying with the next fragment (``学习宣传、贯彻落实不到位`` is one item).
    Lead-in words (``仍然存在着``, ``有的``, ``一是``) are dropped; what is left
    must state a problem (:func:`index.text.problem.states_problem`) and be
    6–60 characters long.  Findings' own spans are skipped.
    """
    if doc.kind not in PROBLEM_KINDS or doc.findings:
        return []
    covered = [(f.start, f.end) for f in doc.findings]
    items: list[Unit] = []
    seen: set[str] = set()
    text = _SLOGAN.sub(lambda m: " " * len(m.group(0)) if "," in m.group(0) or "不" in m.group(0) else m.group(0),
                       doc.text)
    for m in _SENTENCES.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        for item, offset in _sentence_items(m.group(0), m.start()):
            if item not in seen:
                seen.add(item)
                items.append(Unit(doc_id=doc.doc_id, kind="item", heading=item, text=m.group(0).strip(),
                                  start=offset, end=offset + len(item)))
    return items


def _sentence_items(sentence: str, offset: int) -> Iterable[tuple[str, int]]:
    """(item, offset) pairs of one sentence: problem areas first, then problem clauses."""
    for m in _AREA_LIST.finditer(sentence):
        for area in _AREA_SPLIT.split(m.group("areas")):
            area = _LEAD.sub("", area.strip(" 、")).strip()
            if MIN_ITEM_CHARS <= len(area) <= MAX_ITEM_CHARS and not _PROCEDURAL.search(area):
                yield area, offset + m.start("areas") + max(m.group("areas").find(area), 0)
    sentence = _AREA_LIST.sub(lambda m: " " * len(m.group(0)), sentence)
    pos = 0
    for clause in _CLAUSE_SPLIT.split(sentence):
        where = sentence.find(clause, pos)
        pos = max(pos, where)
        for piece in _enumerated(clause):
            item = _item_text(piece)
            if item:
                yield item, offset + where + max(clause.find(piece), 0)


def _enumerated(clause: str) -> list[str]:
    """A ``、``-list of problems as separate pieces; cue-less fragments join the next piece."""
    parts = clause.split("、")
    if len(parts) == 1:
        return parts
    pieces, pending = [], ""
    for part in parts:
        pending = f"{pending}、{part}" if pending else part
        if _states_problem(part):
            pieces.append(pending)
            pending = ""
    if pending:
        if pieces:
            pieces[-1] = f"{pieces[-1]}、{pending}"
        else:
            pieces.append(pending)
    return pieces


def _item_text(piece: str) -> str:
    """The problem stated by a clause piece, or ``""`` when it states none."""
    piece = piece.strip(" \t\u3000、.")
    addressed = _ADDRESSED_PROBLEM.match(piece)
    if addressed:
        piece = addressed.group("problem")
    piece = _TAIL.sub("", piece)
    if not _states_problem(piece) or _PROCEDURAL.search(piece):
        return ""
    piece = _LEAD.sub("", piece).strip(" 、“”\"")
    if _MEASURE_START.match(piece) or _GENERIC.search(piece):
        return ""
    return piece if MIN_ITEM_CHARS <= len(piece) <= MAX_ITEM_CHARS else ""


def _states_problem(text: str) -> bool:
    """True when ``text`` states a problem (structure cues, or misconduct wording)."""
    return states_problem(text) or bool(_EXTRA_CUE.search(text))


def problem_units(data: IndexData, doc_id: str) -> tuple[str, list[Unit]]:
    """``("finding", findings)`` when the notice has numbered findings, else ``("item", problem items)``.

    Items get the heading path of the passage they sit in as ``section``.
    """
    doc = get_document(data, doc_id)
    if doc.findings:
        return "finding", [finding_unit(f) for f in doc.findings]
    items = problem_items(doc)
    chunks = document_chunks(data, doc_id)
    for item in items:
        item.section = next((c.section for c in chunks if c.start <= item.start < c.end), "")
    return "item", items


def corpus_problem_units(data: IndexData) -> list[Unit]:
    """Every finding of the index, and the problem items of the notices without findings."""
    units: list[Unit] = []
    for doc_id in data.documents:
        units.extend(problem_units(data, doc_id)[1])
    return units


# --------------------------------------------------------------------------
# Vectors computed at command time
# --------------------------------------------------------------------------

#: (model, passage prefix, text) → vector; in process only, bounded.
_VECTORS: dict[tuple[str, str, str], np.ndarray] = {}
_VECTOR_CACHE_LIMIT = 50_000


def embed_texts(source: Any, texts: list[str]) -> np.ndarray:
    """Normalised passage vectors of ``texts`` with the index's model (cached in this process)."""
    from index.encode.encoder import get_embedder

    data = index_data(source)
    config = data.config
    key = (config.model, config.passage_prefix)
    missing = [t for t in dict.fromkeys(texts) if (*key, t) not in _VECTORS]
    if missing:
        if len(_VECTORS) + len(missing) > _VECTOR_CACHE_LIMIT:
            _VECTORS.clear()
        for text, vector in zip(missing, get_embedder(config).encode_passages(missing), strict=True):
            _VECTORS[(*key, text)] = vector
    if not texts:
        return np.zeros((0, config.dimension), dtype="float32")
    return np.stack([_VECTORS[(*key, t)] for t in texts]).astype("float32", copy=False)


def embed_units(source: Any, units: list[Unit]) -> np.ndarray:
    """Vectors of the units' problem texts (a passage's whole text).

    Findings read their vector from the index (embedded at ingest from the
    same problem statement); items and passages, whose stored chunk vectors
    also hold the title, are embedded now and cached in this process.
    """
    data = index_data(source)
    rows = finding_rows(data)
    stored = data.finding_vectors
    out = np.zeros((len(units), data.config.dimension), dtype="float32")
    missing: list[int] = []
    for i, unit in enumerate(units):
        row = rows.get((unit.doc_id, unit.label)) if unit.kind == "finding" else None
        if row is not None and stored is not None and row < len(stored):
            out[i] = stored[row]
        else:
            missing.append(i)
    if missing:
        out[missing] = embed_texts(data, [units[i].problem_text for i in missing])
    return out
