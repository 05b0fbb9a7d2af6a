"""The sample corpus (``corpus/``, what ``make run`` ingests) has something true to show on every page.

Checked with the real CLI (``python -m index compare / themes / related / doc``) and the real page
(AppTest) on a real index of ``corpus/`` built by the real ingest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_index import page_opener
from sample_corpus import COMPARE_B, EXPECTED_PAIRS
from shared_data import CORPUS as SHARED
from streamlit.testing.v1 import AppTest

from ui import compare

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
APP = REPO / "app.py"
TIMEOUT = 240


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def test_sample_is_small_and_real() -> None:
    """Every sample notice is a shared-corpus notice as scraped; the seed is the shared seed."""
    shared = {json.loads(line)["id"]: json.loads(line) for line in (SHARED / "notices.jsonl").open(encoding="utf-8")}
    rows = [json.loads(line) for line in (CORPUS / "sample-notices.jsonl").open(encoding="utf-8")]
    assert 10 <= len(rows) <= 25
    assert all(row == shared[row["id"]] for row in rows)
    assert (CORPUS / "seed.txt").read_bytes() == (SHARED / "seed.txt").read_bytes()


def test_compare_gives_real_pairs(sample_index: Path) -> None:
    result = cli("compare", "seed", COMPARE_B, "--index", str(sample_index), "--json")
    assert result.returncode == 0, result.stderr
    pairs = json.loads(result.stdout)["pairs"]
    got = [(p["a"]["label"], p["b"]["heading"]) for p in pairs]
    assert got == EXPECTED_PAIRS
    for other in ("n0135", "n0134", "n0128", "n0143"):  # other feedback notices overlap the seed as well
        result = cli("compare", "seed", other, "--index", str(sample_index), "--json")
        assert result.returncode == 0 and len(json.loads(result.stdout)["pairs"]) >= 2, (other, result.stderr)


def test_themes_span_several_notices(sample_index: Path) -> None:
    result = cli("themes", "--index", str(sample_index), "--json")
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    wide = [g for g in groups if g["count_notices"] >= 3]
    assert len(wide) >= 3
    ideology = next(g for g in groups if "意识形态" in g["label"])
    assert {"seed", "n0128", "n0242"} <= set(ideology["doc_ids"])
    eight = next(g for g in groups if "八项规定" in g["label"])
    assert {"seed", "n0041", "n0135", "n0143"} <= set(eight["doc_ids"])


@pytest.mark.parametrize(("ref", "expected"), [("seed:问题3", {"n0128", "n0242"}),
                                               ("seed:问题24", {"n0122", "n0143"})])
def test_related_lists_related_notices(sample_index: Path, ref: str, expected: set[str]) -> None:
    """问题3 (意识形态) and 问题24 (八项规定): the notices stating the same problem come first."""
    result = cli("related", ref, "--index", str(sample_index), "--top", "3", "--json")
    assert result.returncode == 0, result.stderr
    top = [entry["doc_id"] for entry in json.loads(result.stdout)]
    assert expected <= set(top), top


def test_doc_not_found_error_is_chinese(sample_index: Path) -> None:
    result = cli("doc", "NOSUCH", "--index", str(sample_index))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("error:") and "NOSUCH" in line and "Traceback" not in line
    assert "索引中没有编号为" in line and len(line.splitlines()) == 1
    result = cli("compare", "seed", "NOSUCH", "--index", str(sample_index))
    assert result.returncode == 2 and re.search(r"error: [\u4e00-\u9fff]", result.stderr), result.stderr


# --------------------------------------------------------------------- the page on the sample


@pytest.fixture
def open_sample(sample_index: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    return page_opener(sample_index, monkeypatch, TIMEOUT)


def test_compare_page_opens_on_a_pair_with_something_to_show(open_sample) -> None:
    """Without a link the page compares the seed with the notice closest to its problems: real pairs,
    each saying why it was formed."""
    at = open_sample(view="compare")
    assert at.selectbox(key=compare.KEY_A).value == "seed"
    assert at.selectbox(key=compare.KEY_B).value in {"n0242", "n0135"}  # 3 pairs each
    pairs = [h.value for h in at.html if 'class="ns-pair"' in h.value and not h.value.startswith("<style>")]
    body = "".join(pairs)
    assert body.count('<div class="ns-pair">') >= 3
    assert body.count("配对原因：") == body.count('<div class="ns-pair">')
    assert "共同用语" in body


def test_compare_page_with_n0242_names_the_shared_wording(open_sample) -> None:
    at = open_sample(view="compare", a="seed", b=COMPARE_B)
    body = "".join(h.value for h in at.html if 'class="ns-pair"' in h.value and not h.value.startswith("<style>"))
    for label, statement in EXPECTED_PAIRS:
        assert label in body and statement in body
    assert "共同用语：“意识形态工作”" in body  # 落实意识形态工作责任制不到位 ↔ 意识形态工作未得到重视
    assert "用词不同、意思相近" in body  # 执行财经纪律不严格 ↔ 财务管理不规范: no shared wording, close meaning


def test_compare_without_pairs_says_what_to_try(open_sample) -> None:
    at = open_sample(view="compare", a="seed", b="n0087")  # an announcement: no problems in common
    assert any("可以试试" in i.value and "阈值" in i.value for i in at.info), [i.value for i in at.info]


def test_themes_page_says_why_each_group_formed(open_sample) -> None:
    at = open_sample(view="themes")
    cards = [h.value for h in at.html if 'class="ns-theme"' in h.value and not h.value.startswith("<style>")]
    assert len(cards) >= 3
    assert all("归为一类的原因" in c for c in cards)
    assert any("“意识形态”" in c for c in cards)
