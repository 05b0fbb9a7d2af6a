"""Filters parsed strictly and answered alike by both backends (the folder and Milvus Lite).

Sixteen real notices are ingested into a folder and copied to a Milvus Lite file
by ``export-milvus`` (vectors copied, so both hold the same chunks); hostile
dates are usage errors with one message on both, control characters in
``--org`` / ``--kind`` never reach Milvus, and twenty hostile but valid filters
give the same notices on both — the ones :meth:`Filters.accepts` lets through.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from conftest import NOTICES

from index.cli.main import main as index_main
from index.filters import BadFilter, Filters, normalise_date
from index.retrieve.milvus_search import MilvusSearcher
from index.retrieve.searcher import Searcher
from index.store import milvus as milvus_store
from ingest.pipeline import ingest

COUNT = 16


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
        code = index_main(argv)
        return code, out.getvalue(), err.getvalue()
    return 2, out.getvalue(), err.getvalue()  # argparse's usage error


@pytest.fixture(scope="module", autouse=True)
def _release_clients():
    yield
    milvus_store.close_clients()


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(folder index, Milvus Lite URI) holding the same sixteen real notices."""
    base = tmp_path_factory.mktemp("filters")
    notices = base / "notices.jsonl"
    notices.write_text("\n".join(NOTICES.read_text(encoding="utf-8").splitlines()[:COUNT]) + "\n", encoding="utf-8")
    root = base / "index"
    report = ingest([notices], root, progress=False)
    assert report.written and len(report.indexed) == COUNT
    uri = str(base / "milvus.db")
    code, _, err = _run(["export-milvus", "--index", str(root), "--milvus-uri", uri])
    assert code == 0, err
    return root, uri


@pytest.mark.parametrize("text,expected", [("2020", "2020"), ("2020-6", "2020-06"), ("2020-06", "2020-06"),
                                           ("2020-06-01", "2020-06-01"), ("2020-1", "2020-01"),
                                           (" 2021-12-9 ", "2021-12-09"), ("", "")])
def test_dates_are_normalised(text: str, expected: str) -> None:
    assert normalise_date(text) == expected


HOSTILE_DATES = ["' or 1=1 --", ".*", "-1", "[", "2020-13", "2020-00", "20201", "2020-1-1-1", "２０２０", "2020/06",
                 "2020-06-32", "1e4", "2020 or 1", "2020\n06"]


@pytest.mark.parametrize("value", HOSTILE_DATES)
def test_hostile_dates_are_usage_errors_on_both_backends(value: str, backends: tuple[Path, str]) -> None:
    root, uri = backends
    with pytest.raises(BadFilter):
        Filters(date_from=value)
    messages = []
    for option in ("--from", "--to"):
        for where in (["--index", str(root)], ["--backend", "milvus", "--milvus-uri", uri]):
            code, out, err = _run(["search", "巡察", *where, option, value])
            assert code == 2 and out == "" and "Traceback" not in err, err
            messages.append(err.strip().splitlines()[-1])
            assert "无效" in messages[-1] and option in messages[-1]
    assert messages[0] == messages[1] and messages[2] == messages[3]  # the same message on both backends


@pytest.mark.parametrize("option,value", [("--org", "a\nb"), ("--org", "巡察\r"), ("--org", "a\x00b"),
                                          ("--kind", "feedback\n"), ("--kind", "x\x1b[31m")])
def test_control_characters_never_reach_milvus(option: str, value: str, backends: tuple[Path, str]) -> None:
    root, uri = backends
    for where in (["--index", str(root)], ["--backend", "milvus", "--milvus-uri", uri]):
        code, _, err = _run(["ask", "巡察组", *where, option, value])
        assert code == 2 and "Traceback" not in err and "控制字符" in err, err
    with pytest.raises(BadFilter):
        milvus_store.filter_expression(_unchecked(org=value))


def _unchecked(**values) -> Filters:
    """A Filters whose values skipped the constructor's checks (what a caller could build by hand)."""
    filters = object.__new__(Filters)
    for name, default in (("kinds", ()), ("org", ""), ("date_from", ""), ("date_to", "")):
        object.__setattr__(filters, name, values.get(name, default))
    return filters


HOSTILE_FILTERS = [
    {"org": '"'}, {"org": "\\"}, {"org": "%"}, {"org": "_"}, {"org": "' or 1=1 --"}, {"org": ".*"},
    {"org": '巡察" or kind != "'}, {"org": "%巡察%"}, {"org": "]"}, {"org": '\\"'}, {"org": "区委"},
    {"kinds": ('feedback" or "1"=="1',)}, {"kinds": ("feedback", "announcement")}, {"kinds": ("*",)},
    {"date_from": "2020-1"}, {"date_from": "2019", "date_to": "2020-6"}, {"date_to": "2018-02-30"},
    {"date_from": "2021-12-31"}, {"org": "巡察", "date_from": "2019"}, {"kinds": ("other_related",), "org": "区"},
]


def test_twenty_hostile_filters_give_the_same_notices_on_both_backends(backends: tuple[Path, str]) -> None:
    root, uri = backends
    folder, milvus = Searcher(root), MilvusSearcher(uri)
    nonempty = 0
    for values in HOSTILE_FILTERS:
        filters = Filters(**values)
        expected = {d for d, doc in folder.documents.items() if filters.accepts(doc)}
        for searcher in (folder, milvus):
            hits = searcher.search("巡察 整改 问题", top=1000, per_doc=0, filters=filters)
            assert {h.doc_id for h in hits} == expected, (values, type(searcher).__name__)
        nonempty += bool(expected)
    assert len(HOSTILE_FILTERS) == 20 and nonempty >= 5  # the filters are not all empty


def test_from_2020_1_means_january_2020(backends: tuple[Path, str]) -> None:
    root, _ = backends
    folder = Searcher(root)
    dated = {d: (doc.date or doc.signed_date) for d, doc in folder.documents.items() if doc.date or doc.signed_date}
    assert dated, "the notices need dates for this test"
    later = {d for d, date in dated.items() if date >= "2020-01"}
    hits = folder.search("巡察", top=1000, per_doc=0, filters=Filters(date_from="2020-1"))
    assert {h.doc_id for h in hits} == later
