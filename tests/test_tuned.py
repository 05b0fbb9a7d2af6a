"""Tuned constants live in index/tuned.py only: the modules use those values and the tuning scripts read them."""

from __future__ import annotations

import ast
from pathlib import Path

from index import tuned
from index.analysis import compare, related, themes
from index.answer import reader
from index.retrieve.fusion import Fusion

ROOT = Path(__file__).resolve().parent.parent


def test_modules_use_the_tuned_values() -> None:
    fusion = Fusion()
    assert (fusion.rrf_k, fusion.keyword_weight, fusion.dense_weight, fusion.depth) == (
        tuned.RRF_K, tuned.KEYWORD_WEIGHT, tuned.DENSE_WEIGHT, tuned.DEPTH)
    assert (related.PASSAGE_WEIGHT, related.FINDING_WEIGHT, related.DOC_RRF_K) == (
        tuned.PASSAGE_WEIGHT, tuned.FINDING_WEIGHT, tuned.DOC_RRF_K)
    assert (related.ALTERNATIVE_WEIGHT, related.PLACE_WEIGHT, related.LEVEL_WEIGHT) == (
        tuned.ALTERNATIVE_WEIGHT, tuned.PLACE_WEIGHT, tuned.LEVEL_WEIGHT)
    assert reader.EVIDENCE_RATIO == tuned.EVIDENCE_RATIO
    assert (compare.FINDING_THRESHOLD, compare.PASSAGE_THRESHOLD) == (tuned.FINDING_THRESHOLD, tuned.PASSAGE_THRESHOLD)
    assert themes.THRESHOLD == tuned.THEME_THRESHOLD


def _assigned_numbers(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{node.lineno} {target.id}" for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and target.id in names
            and isinstance(node.value, ast.Constant)]


def test_no_module_or_tuning_script_writes_a_tuned_value_again() -> None:
    names = {n for n in vars(tuned) if n.isupper()} | {"BETA", "THRESHOLD"}
    files = [ROOT / "index" / "analysis" / f for f in ("compare.py", "related.py", "themes.py")]
    files += [ROOT / "index" / "answer" / "reader.py", *sorted((ROOT / "benchmarks").glob("tune_*.py"))]
    assert [hit for path in files for hit in _assigned_numbers(path, names)] == []
    for script in sorted((ROOT / "benchmarks").glob("tune_*.py")):
        assert "from index import tuned" in script.read_text(encoding="utf-8"), script.name
