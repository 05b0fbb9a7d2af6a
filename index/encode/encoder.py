"""Sentence embeddings, prefixes applied in one place.

The default model is the offline multilingual-e5-small folder made by
:mod:`ingest.model_setup`; when it holds the ONNX export made at set-up
(:mod:`index.encode.onnx_encoder`) vectors come from onnxruntime and torch is never
imported.  Any other sentence-transformers name or local path works through
sentence-transformers when configured (its prefixes come from the config).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL_DIR, Config
from index.errors import ModelUnavailable
from index.records import Chunk, Document, Finding

from .onnx_encoder import FP32_FILE, INT8_FILE, OnnxEncoder, has_onnx


class Embedder:
    """Encode queries and passages into normalised float32 vectors.

    With an ONNX export beside the model (the default model after ``make
    setup``) passages go through the fp32 graph and queries through the int8
    one, each loaded on first use; otherwise sentence-transformers does both.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        # NOTICE_ONNX=0 forces sentence-transformers, NOTICE_ONNX=fp32 the fp32 graph for queries too
        # (benchmarks compare the paths).
        choice = os.environ.get("NOTICE_ONNX", "")
        self.onnx = choice != "0" and has_onnx(config.model)
        self.query_file = FP32_FILE if choice == "fp32" else INT8_FILE
        self._model = None
        self._passage_encoder = None
        self._query_encoder = None
        if self.onnx:
            self.dimension = int(json.loads((Path(config.model) / "1_Pooling" / "config.json").read_text(
                encoding="utf-8"))["word_embedding_dimension"])
        else:
            self.dimension = int(self.model.get_embedding_dimension())

    @property
    def model(self):  # -> SentenceTransformer (import kept lazy: torch is slow to import)
        """The sentence-transformers model (loaded on first use; the ONNX path never needs it)."""
        if self._model is None:
            self._model = _load_model(self.config.model)
        return self._model

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed passages (documents, chunks, findings)."""
        texts = [self.config.passage_prefix + t for t in texts]
        if self.onnx and device() == "cpu":
            if self._passage_encoder is None:
                self._passage_encoder = OnnxEncoder(self.config.model, FP32_FILE)
            return self._passage_encoder.encode(texts, self.config.batch_size, progress)
        return self._encode(texts, progress)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries."""
        texts = [self.config.query_prefix + t for t in texts]
        if self.onnx:
            if self._query_encoder is None:
                self._query_encoder = OnnxEncoder(self.config.model, self.query_file)
            return self._query_encoder.encode(texts, self.config.batch_size)
        return self._encode(texts, False)

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        on_gpu = device() == "cuda"
        vectors = self.model.encode(
            texts,
            batch_size=self.config.batch_size * 4 if on_gpu else self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype="float32")


@functools.cache
def _load_model(model: str):  # -> SentenceTransformer (import kept lazy: torch is slow to import)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every command

    path = Path(model)
    if path.resolve() == DEFAULT_MODEL_DIR.resolve() and not path.exists():
        # Building the model is an ingest step (ingest.model_setup); the index only reads it.
        raise ModelUnavailable(
            f"默认的向量模型 {model!r} 还没有生成：请运行 `python -m ingest.model_setup`（或 `make setup`），"
            "或直接运行 `python -m ingest`，它会先生成模型。"
        )
    try:
        if device() == "cuda":  # fp16 on the GPU: passages for ingest (queries stay on the CPU graph)
            return SentenceTransformer(model, device="cuda").half()
        return SentenceTransformer(model, device="cpu")
    except Exception as exc:  # the library raises many kinds; the user needs one message
        raise ModelUnavailable(
            f"无法加载向量模型 {model!r}：{exc}。这里没有网络：请给出本地的 sentence-transformers 模型文件夹，"
            "或运行 `make setup` 生成默认模型。"
        ) from exc


def device() -> str:
    """``cuda`` or ``cpu`` for embedding passages: ``NOTICE_DEVICE`` (``python -m ingest --device``), else
    ``cuda`` when an NVIDIA device node exists (checked without importing torch).

    Not exercised by the tests (no GPU here); queries always use the CPU (ONNX when present).
    """
    chosen = os.environ.get("NOTICE_DEVICE", "auto")
    if chosen in ("cpu", "cuda"):
        return chosen
    return "cuda" if Path("/dev/nvidiactl").exists() and Path("/dev/nvidia0").exists() else "cpu"


def get_embedder(config: Config) -> Embedder:
    """A cached Embedder for ``config.model`` (the model loads once per process)."""
    return _embedder(config.model, config.query_prefix, config.passage_prefix, config.batch_size)


@functools.cache
def _embedder(model: str, query_prefix: str, passage_prefix: str, batch_size: int) -> Embedder:
    return Embedder(Config(model=model, query_prefix=query_prefix, passage_prefix=passage_prefix,
                           batch_size=batch_size))


def chunk_passage(doc: Document, chunk: Chunk) -> str:
    """The text embedded for a chunk: title and heading path give it context."""
    head = f"{doc.title}\n{chunk.section}" if chunk.section else doc.title
    return f"{head}\n{chunk.text}" if head else chunk.text


def finding_passage(finding: Finding) -> str:
    """The text embedded for a finding: its problem statement alone.

    Measures are left out: two notices stating the same problem describe
    different measures, which would pull their vectors apart (compare and
    themes align findings by these vectors).
    """
    return finding.problem or finding.heading


def keyword_text(doc: Document, chunk: Chunk) -> str:
    """The text the keyword index sees for a chunk: title, heading path, text."""
    return f"{doc.title}\n{chunk.section}\n{chunk.text}"
