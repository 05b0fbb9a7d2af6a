"""The default e5 encoder through onnxruntime + tokenizers (no torch at query time).

:func:`export_onnx` (written by :mod:`ingest.onnx_export` (``python -m ingest.model_setup``, i.e. ``make setup``))
exports the sentence-transformers folder built by :mod:`ingest.model_setup` to
ONNX with mean pooling and L2 normalisation inside the graph, then quantises it
with onnxruntime's dynamic int8 quantisation (per-channel weights, MatMul and
the embedding Gather)::

    models/multilingual-e5-small/onnx/
        model.onnx         fp32 (cosine ≥ 0.9999 with sentence-transformers)
        model_int8.onnx    dynamic int8, per channel (cosine ≈ 0.997)
        export_ok.json     marker: source weights, cosines on real notice text

Which file encodes what is decided by measurement (README "Speed"): passages
(everything stored in an index) go through the fp32 graph, so stored vectors
match the sentence-transformers ones and the compare/themes thresholds keep
their meaning; queries go through the int8 graph, which loads faster and runs
about twice as fast.  Any other ``--model`` has no ``onnx/`` folder and uses
sentence-transformers (:mod:`index.encode.encoder`).

Only numpy, onnxruntime and tokenizers are imported at module level; torch is
imported only by the export.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
ONNX_MARKER = "export_ok.json"
#: Minimum cosine with sentence-transformers on the check texts.
MIN_COSINE_FP32 = 0.999
MIN_COSINE_INT8 = 0.98
MAX_TOKENS = 512
PAD_ID = 1  # XLM-R <pad>


def onnx_dir(model_dir: Path | str) -> Path:
    """The ``onnx/`` folder of a model folder."""
    return Path(model_dir) / ONNX_DIR


def has_onnx(model: str) -> bool:
    """True when ``model`` is a local folder with a verified ONNX export."""
    folder = onnx_dir(model)
    return (folder / ONNX_MARKER).is_file() and (folder / FP32_FILE).is_file() and (folder / INT8_FILE).is_file()


class OnnxEncoder:
    """Normalised sentence vectors from one ONNX graph (inputs ids + mask, output ``sentence_embedding``)."""

    def __init__(self, model_dir: Path | str, file: str, threads: int | None = None,
                 graph_dir: Path | None = None) -> None:
        import onnxruntime as ort

        from .script_tokenizer import ScriptTokenizer

        model_dir = Path(model_dir)
        graph_dir = graph_dir or onnx_dir(model_dir)
        self.tokenizer = ScriptTokenizer(model_dir / "tokenizer.json", graph_dir, MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.log_severity_level = 3
        # no memory arena: a batch of long passages would otherwise keep its peak allocation for good
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(graph_dir / file), options,
                                            providers=["CPUExecutionProvider"])
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Vectors of ``texts`` in order; texts of similar length are batched together (less padding)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        encodings = self.tokenizer.ids(texts)
        order = np.argsort([len(e) for e in encodings], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="embedding")
        # Token budget per batch: short sentences go many at a time, long passages fewer.
        budget = batch_size * 128
        start = 0
        while start < len(order):
            # texts are sorted by length: grow the batch while its padded size stays within the budget
            size = 1
            while start + size < len(order) and (size + 1) * len(encodings[order[start + size]]) <= budget:
                size += 1
            rows = order[start:start + size]
            width = max(len(encodings[i]) for i in rows)
            ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i])
                ids[r, :n] = encodings[i]
                mask[r, :n] = 1
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            start += size
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out


