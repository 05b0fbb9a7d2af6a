"""Keyword tokens for BM25: jieba words plus Han-character bigrams.

jieba alone loses recall where it mis-segments names and terms (``张家`` /
``张家界``, ``组是``); bigrams of Han characters are immune to that, words add
precision.  Both come from the same clean text, so queries are cleaned with
:func:`index.text.repair.repair_text` exactly like documents before tokenising.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import jieba

from .jieba_dicts import default_tokenizer

#: Domain terms jieba should keep whole.  Organisation names found at ingest
#: are added per index (see :func:`write_userdict`).
DOMAIN_TERMS = (
    "八项规定", "中央八项规定", "三重一大", "一岗双责", "两个维护", "四个意识", "四风",
    "民主生活会", "组织生活会", "巡察组", "巡视组", "巡察办", "巡视办", "回头看",
    "主体责任", "监督责任", "意识形态", "选人用人", "津贴补贴", "违规发放",
    "公务接待", "公务用车", "小金库", "整改台账", "问题清单", "任务清单", "责任清单",
    "纪委监委", "派驻纪检监察组", "党风廉政建设", "全面从严治党", "形式主义", "官僚主义",
    "政治巡察", "常规巡察", "专项巡察", "机动巡察", "提级巡察", "巡察整改", "整改进展",
    "信访举报", "问题线索", "基层党组织", "三会一课", "党支部", "党组", "党委",
)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TOKEN_OK = re.compile(r"[\w%]")

#: Function words that carry no search value (jieba output).
STOPWORDS = frozenset((
    "的", "了", "和", "与", "及", "或", "在", "是", "对", "为", "把", "被", "等", "将", "就", "也", "都", "而", "并",
    "其", "这", "那", "有", "中", "上", "下", "个", "之", "于", "以", "从", "向", "到", "由", "吗", "呢", "吧", "啊",
    "哪", "哪些", "什么", "多少", "几", "怎么", "如何", "是否", "谁", "何时", "怎样", "为什么",
))

jieba.setLogLevel(logging.WARNING)


@functools.cache
def _segmenter(userdict: str | None) -> jieba.Tokenizer:
    # A copy of jieba's default tokenizer's dictionary rather than a second load of it: the load is
    # half a second of a cold ``ask``, and jieba.posseg and the text repair use the default one anyway.
    default = default_tokenizer()
    seg = jieba.Tokenizer(default.dictionary)
    seg.FREQ, seg.total, seg.initialized = dict(default.FREQ), default.total, True
    for term in DOMAIN_TERMS:
        seg.add_word(term, freq=20000)
    if userdict and Path(userdict).is_file():
        seg.load_userdict(userdict)
    return seg


def han_bigrams(text: str) -> list[str]:
    """Bigrams of consecutive Han characters (a lone character stays a unigram)."""
    grams: list[str] = []
    for run in _HAN.findall(text):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _ascii_terms(text: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[A-Za-z]+|\d+(?:\.\d+)?%?", text)]


def segment(text: str, userdict: str | None = None) -> list[str]:
    """jieba's plain segmentation of ``text`` (every word in order, nothing dropped, no new words guessed)."""
    return list(_segmenter(userdict).cut(text, HMM=False))


def is_word(text: str, userdict: str | None = None) -> bool:
    """True when ``text`` is a word of jieba's dictionary (or the domain terms)."""
    return _segmenter(userdict).FREQ.get(text, 0) > 0


def words(text: str, userdict: str | None = None) -> list[str]:
    """jieba words (search mode: long words also yield their parts), minus stopwords."""
    seg = _segmenter(userdict)
    out = []
    for tok in seg.cut_for_search(text):
        tok = tok.strip().lower()
        if tok and tok not in STOPWORDS and _TOKEN_OK.search(tok):
            out.append(tok)
    return out


def tokenize(text: str, mode: str = "both", userdict: str | None = None) -> list[str]:
    """Tokens of ``text`` for the keyword index.

    ``mode``: ``words`` (jieba), ``bigrams`` (Han bigrams + latin/number
    terms) or ``both`` (bigrams prefixed ``#`` beside the words, so the two
    vocabularies never collide).
    """
    if mode == "words":
        return words(text, userdict)
    grams = han_bigrams(text) + _ascii_terms(text)
    if mode == "bigrams":
        return grams
    return words(text, userdict) + ["#" + g for g in grams]


def write_userdict(path: Path, terms: Iterable[str]) -> None:
    """Write a jieba user dictionary of extra terms (organisation names...)."""
    unique = sorted({t.strip() for t in terms if t and 2 <= len(t.strip()) <= 30 and " " not in t.strip()})
    path.write_text("".join(f"{t} 20000\n" for t in unique), encoding="utf-8")
