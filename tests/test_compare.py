"""Compare two notices on the real shared corpus (real model, FAISS, findings parsed at ingest)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOTICES, REPO

from index.analysis.compare import FINDING_THRESHOLD, PASSAGE_THRESHOLD, compare
from index.errors import NotFound

#: Real announcements (kind announcement, no findings, no problem statements).
ANNOUNCEMENTS = ("n0029", "n0031", "n0033")
_CACHE: dict[str, Path] = {}


def announcements_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real index of announcements only, built once per session (shared by the finding tests)."""
    if "root" not in _CACHE:
        from ingest.pipeline import ingest

        corpus = tmp_path_factory.mktemp("announcements") / "announcements.jsonl"
        with NOTICES.open(encoding="utf-8") as handle:
            rows = [line for line in handle if json.loads(line)["id"] in ANNOUNCEMENTS]
        assert len(rows) == len(ANNOUNCEMENTS)
        corpus.write_text("".join(rows), encoding="utf-8")
        root = tmp_path_factory.mktemp("announcements-index")
        report = ingest([corpus], root, progress=False)
        assert report.written and sorted(report.indexed) == sorted(ANNOUNCEMENTS), report
        _CACHE["root"] = root
    return _CACHE["root"]


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m index ARGS`` from the repository."""
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def _pair(result: dict, label: str) -> dict | None:
    return next((p for p in result["pairs"] if p["a"].get("label") == label), None)


def test_seed_with_itself_aligns_every_finding(searcher) -> None:
    result = compare(searcher, "seed", "seed")
    assert result["unit"] == "finding" and result["unit_a"] == result["unit_b"] == "finding"
    assert len(result["pairs"]) == 26
    assert [p["a"]["label"] for p in result["pairs"]] == [f"问题{n}" for n in range(1, 27)]
    for pair in result["pairs"]:
        assert pair["a"]["label"] == pair["b"]["label"]
        assert pair["similarity"] >= 0.999
    assert result["only_a"] == [] and result["only_b"] == []


def test_finding_dicts_carry_the_parsed_fields(searcher) -> None:
    pair = _pair(compare(searcher, "seed", "seed"), "问题24")
    assert pair is not None
    finding = pair["a"]
    assert finding["doc_id"] == "seed" and finding["heading"] == "落实中央八项规定精神整改不到位"
    assert finding["category"] == "落实中央八项规定精神不到位"
    assert finding["status"] == "已整改到位"
    assert {"problem", "measures", "figures"} <= set(finding)


def test_seed_with_feedback_pairs_the_same_problems(searcher) -> None:
    """n0242 lists five problems inline; three are the seed's (read in the text of both)."""
    result = compare(searcher, "seed", "n0242")
    assert result["unit"] == "finding" and result["unit_b"] == "item"
    assert result["threshold"] == FINDING_THRESHOLD
    ideology = _pair(result, "问题3")
    assert ideology is not None and "意识形态" in ideology["b"]["heading"]
    finance = _pair(result, "问题25")
    assert finance is not None and finance["b"]["heading"] == "财务管理不规范"
    assert all(p["similarity"] >= FINDING_THRESHOLD for p in result["pairs"])
    assert len(result["pairs"]) + len(result["only_a"]) == 26
    paired_b = [p["b"]["ref"] for p in result["pairs"]]
    assert len(paired_b) == len(set(paired_b)), "alignment must be one-to-one"


def test_seed_with_feedback_news_pairs_party_life_and_eight_rules(searcher) -> None:
    result = compare(searcher, "seed", "n0135")
    party_life, eight_rules = _pair(result, "问题21"), _pair(result, "问题24")
    assert party_life is not None and party_life["b"]["heading"] == "党内政治生活不严肃"
    assert eight_rules is not None and "八项规定" in eight_rules["b"]["heading"]
    assert _pair(result, "问题6") is None  # 脱贫攻坚 is not among n0135's problems


def test_seed_with_rectification_excerpt_falls_back_to_passages(searcher) -> None:
    """n0172 (定西安定区) is cut off before its problem list: its passages are aligned with the seed's."""
    result = compare(searcher, "seed", "n0172")
    assert result["unit"] == "passage" and result["unit_a"] == result["unit_b"] == "passage"
    assert result["threshold"] == PASSAGE_THRESHOLD
    assert result["pairs"], result
    # both set up a leading group for the rectification (整改工作领导小组)
    assert any("领导小组" in p["a"]["text"] and "领导小组" in p["b"]["text"] for p in result["pairs"])
    assert all(p["similarity"] >= PASSAGE_THRESHOLD for p in result["pairs"])


def test_threshold_only_decides_what_is_a_pair(searcher) -> None:
    loose = compare(searcher, "seed", "n0135", threshold=-1.0)
    strict = compare(searcher, "seed", "n0135")
    n_b = len(strict["pairs"]) + len(strict["only_b"])
    assert len(loose["pairs"]) == min(26, n_b)
    assert {p["b"]["ref"] for p in strict["pairs"]} <= {p["b"]["ref"] for p in loose["pairs"]}


def test_forced_passages_of_one_notice_align_with_themselves(searcher) -> None:
    result = compare(searcher, "n0135", "n0135", unit="passage")
    assert result["unit"] == "passage" and result["pairs"]
    assert all(p["a"]["ref"] == p["b"]["ref"] and p["similarity"] >= 0.999 for p in result["pairs"])


def test_missing_document_raises(searcher) -> None:
    with pytest.raises(NotFound, match="n9999"):
        compare(searcher, "seed", "n9999")
    with pytest.raises(NotFound, match="passage"):
        compare(searcher, "seed", "n0172", unit="finding")


def test_cli_compare_json_and_text(shared_index: Path) -> None:
    result = cli("compare", "seed", "n0242", "--index", str(shared_index), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["unit"] == "finding" and out["doc_a"]["doc_id"] == "seed"
    assert any(p["b"]["heading"] == "财务管理不规范" for p in out["pairs"])
    result = cli("compare", "seed", "n0242", "--index", str(shared_index))
    assert result.returncode == 0, result.stderr
    assert "比对单位：按问题（A：按问题，B：按问题条目）" in result.stdout
    assert "问题25 执行财经纪律不严格" in result.stdout


def test_cli_compare_missing_document(shared_index: Path) -> None:
    result = cli("compare", "seed", "n9999", "--index", str(shared_index))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "n9999" in result.stderr and "Traceback" not in result.stderr


def test_cli_compare_on_an_announcements_index_uses_passages(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = announcements_index(tmp_path_factory)
    result = cli("compare", "n0029", "n0031", "--index", str(root), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["unit"] == "passage" and out["doc_a"]["findings"] == 0
    assert len(out["pairs"]) + len(out["only_a"]) >= 1
