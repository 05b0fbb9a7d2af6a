"""ingest.metadata on the real corpus, the seed and the fixtures made from them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from shared_data import NOTICES, SEED, missing_message

from ingest.clean import clean
from ingest.load import load_paths
from ingest.metadata import KINDS, classify_kind, date_from_url, extract_metadata, parse_date
from ingest.raw import RawDocument

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def raws() -> dict[str, RawDocument]:
    """Every corpus document, the seed and the good fixtures, as loaded."""
    if not NOTICES.is_file():
        pytest.fail(missing_message())
    paths = [NOTICES, SEED, *(DATA / name for name in ("notice.html", "notice.pdf", "notice.docx"))]
    docs = [d for d in load_paths(paths) if isinstance(d, RawDocument)]
    return {f"{d.doc_id}{Path(d.source).suffix}" if d.doc_id == "notice" else d.doc_id: d for d in docs}


def _metadata(raw: RawDocument) -> dict:
    text, boiler = clean(raw)
    return extract_metadata(text, raw, boiler)


@pytest.fixture(scope="module")
def metas(raws: dict[str, RawDocument]) -> dict[str, dict]:
    return {doc_id: _metadata(raw) for doc_id, raw in raws.items()}


# ---------------------------------------------------------------- seed


def test_seed_must_show(metas: dict[str, dict]) -> None:
    meta = metas["seed"]
    assert meta["org"] == "中共张家界市委宣传部"
    assert meta["signed_date"] == "2020-10-15"
    assert "张家界市委宣传部关于巡察整改进展情况的通报" in meta["title"]
    assert meta["title"] == "中共张家界市委宣传部关于巡察整改进展情况的通报"  # 【巡察整改】 tag stripped
    assert meta["inspected_unit"] == "市委宣传部"
    assert meta["date"] == "2020-12-07"  # from the 来源 line
    assert meta["kind"] == "rectification_progress"  # classified: a .txt states no kind


def test_signature_in_chinese_numerals(raws: dict[str, RawDocument]) -> None:
    seed = raws["seed"]
    text = seed.text.replace("2020年10月15日", "二〇二〇年十月十五日")
    meta = _metadata(dataclasses.replace(seed, text=text))
    assert (meta["org"], meta["signed_date"]) == ("中共张家界市委宣传部", "2020-10-15")


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2020年10月15日", "2020-10-15"),
        ("2020-12-07 16:03:59", "2020-12-07"),
        ("二〇二〇年十月十五日", "2020-10-15"),
        ("二○二一年五月二十一日", "2021-05-21"),
        ("2022.06.09", "2022-06-09"),
        ("20-04-10 08:37", "2020-04-10"),
        ("2020年13月45日", ""),
        ("第57次会议", ""),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("doc_id", "iso"),
    [("n0001", "2023-01-29"), ("n0013", "2023-03-29"), ("n0069", "2019-07-04"), ("n0124", ""), ("n0213", "")],
)
def test_date_from_real_urls(raws: dict[str, RawDocument], doc_id: str, iso: str) -> None:
    assert date_from_url(raws[doc_id].url) == iso


@pytest.mark.parametrize(
    ("doc_id", "date"),
    [("n0005", "2020-12-10"), ("n0231", "2025-08-13"), ("n0001", "2023-01-29"), ("notice.html", "2022-12-08")],
)
def test_publication_date(metas: dict[str, dict], doc_id: str, date: str) -> None:
    assert metas[doc_id]["date"] == date


# ---------------------------------------------------------------- signatures and issuers


@pytest.mark.parametrize(
    ("doc_id", "org", "signed"),
    [
        ("n0012", "中共乐至县委巡察工作领导小组办公室", "2021-05-21"),  # two-line signature
        ("n0068", "中共咸阳市秦都区委巡察工作领导小组办公室", "2022-06-09"),
        ("n0170", "中共西安市委第六巡察组", "2020-10-28"),
        ("n0171", "中共甘肃省委巡视工作领导小组办公室", "2025-07-31"),  # signature above an appendix
        ("notice.docx", "中共甘肃省委巡视工作领导小组办公室", "2025-07-31"),
    ],
)
def test_signature(metas: dict[str, dict], doc_id: str, org: str, signed: str) -> None:
    assert (metas[doc_id]["org"], metas[doc_id]["signed_date"]) == (org, signed)


@pytest.mark.parametrize(
    ("doc_id", "org"),
    [
        ("n0061", "中共广元市委"),
        ("n0090", "中共广州市住房和城乡建设局党组"),
        ("n0125", "区总工会党组"),
        ("n0190", "中共锦江国际(集团)有限公司委员会"),
        ("n0235", "中共上海市青浦区朱家角镇委员会"),
        ("n0249", "中共鄂州市临空经济区沙窝乡委员会"),
        ("notice.pdf", "中共广元市委"),
        ("notice.html", "明珠湾开发建设管理局党组"),
        ("n0008", ""),  # a news report names no issuer
    ],
)
def test_org_from_title(metas: dict[str, dict], doc_id: str, org: str) -> None:
    assert metas[doc_id]["org"] == org


def test_every_issuer_titled_progress_notice_gets_its_org(raws: dict[str, RawDocument], metas: dict[str, dict]) -> None:
    titled = [d for d, raw in raws.items() if raw.kind == "rectification_progress" and "关于" in raw.title]
    assert len(titled) >= 25
    for doc_id in titled:
        assert metas[doc_id]["org"] == raws[doc_id].title.split("关于")[0], doc_id


@pytest.mark.parametrize(
    ("doc_id", "unit"),
    [
        ("n0063", "达州市通川区"),
        ("n0193", "上海久事(集团)有限公司党委"),
        ("n0093", "中共广州市南沙新区明珠湾开发建设管理局党组"),  # (简称…) dropped
        ("n0108", "中山大学党委"),
        ("n0001", ""),  # a round over many units names no single one
        ("n0003", ""),
    ],
)
def test_inspected_unit(metas: dict[str, dict], doc_id: str, unit: str) -> None:
    assert metas[doc_id]["inspected_unit"] == unit


# ---------------------------------------------------------------- kind


def test_given_kind_is_used_and_mapped(raws: dict[str, RawDocument], metas: dict[str, dict]) -> None:
    for doc_id, raw in raws.items():
        if raw.kind:
            expected = "other" if raw.kind == "other_related" else raw.kind
            assert metas[doc_id]["kind"] == expected, doc_id


@pytest.mark.parametrize(
    ("doc_id", "kind"),
    [
        ("notice.pdf", "rectification_progress"),
        ("notice.docx", "rectification_progress"),
        ("notice.html", "rectification_progress"),
    ],
)
def test_kind_classified_when_not_given(metas: dict[str, dict], doc_id: str, kind: str) -> None:
    assert metas[doc_id]["kind"] == kind


def test_classifier_agrees_with_the_corpus_labels(raws: dict[str, RawDocument], metas: dict[str, dict]) -> None:
    labelled = [(d, raw) for d, raw in raws.items() if raw.kind]
    agree = 0
    for doc_id, raw in labelled:
        text, _ = clean(raw)
        expected = "other" if raw.kind == "other_related" else raw.kind
        agree += classify_kind(metas[doc_id]["title"], text) == expected
    assert agree / len(labelled) >= 0.9


# ---------------------------------------------------------------- shape


def test_every_document_has_well_formed_metadata(metas: dict[str, dict]) -> None:
    for doc_id, meta in metas.items():
        assert set(meta) - {"given_title"} == {"title", "org", "inspected_unit", "date", "signed_date", "kind"}, doc_id
        assert meta["title"], doc_id
        assert meta["kind"] in KINDS, doc_id
        for key in ("date", "signed_date"):
            assert meta[key] == "" or ISO.match(meta[key]), (doc_id, key, meta[key])
        assert not meta["title"].startswith("【"), doc_id


def test_titles_are_repaired(metas: dict[str, dict]) -> None:
    assert metas["n0004"]["given_title"].startswith("根据中央的统一部署,中央巡视组第二轮巡视工作")


# ---------------------------------------------------------------- titles that are sentences


def test_sentence_titles_get_a_derived_title(raws: dict[str, RawDocument], metas: dict[str, dict]) -> None:
    """n0001 and n0004 carry a sentence of their text as JSONL title; a title is derived, the given one kept."""
    from ingest.metadata import is_sentence_title

    assert is_sentence_title(raws["n0001"].title) and is_sentence_title(raws["n0004"].title)
    assert metas["n0001"]["title"] == "十二届区委第二轮巡察的整改进展情况报告"
    assert metas["n0001"]["given_title"].startswith("按照《中国共产党巡视工作条例》有关规定")
    assert metas["n0004"]["title"] == "中央巡视组第二轮巡视工作从去年10月底开始"
    assert metas["n0004"]["given_title"].startswith("根据中央的统一部署")
    titled = [d for d, m in metas.items() if "given_title" in m]
    assert sorted(titled) == ["n0001", "n0004"]  # headlines such as n0161 ``巡视“回头看”,看出啥变化`` stay


def test_own_notice_title_line_is_preferred() -> None:
    """A notice whose text carries its 关于…的通报 line gets that line as title (the seed's own line)."""
    from ingest.metadata import derive_title

    text, _ = clean(next(iter(load_paths([SEED]))))
    assert derive_title(text) == "中共张家界市委宣传部关于巡察整改进展情况的通报"


def test_no_damaged_run_in_any_title_or_heading(raws: dict[str, RawDocument]) -> None:
    from index.text.repair import is_damaged
    from ingest.prepare import prepare

    for doc_id in ("seed", "n0011", "n0072", "n0157", "n0200"):
        doc = prepare(raws[doc_id])
        garbled = doc.meta["garbled"]
        assert not is_damaged(doc.title, garbled), (doc_id, doc.title)
        for section in doc.sections:
            assert not is_damaged(section.heading, garbled), (doc_id, section.heading)
        for finding in doc.findings:
            assert not is_damaged(finding.heading, garbled), (doc_id, finding.heading)
