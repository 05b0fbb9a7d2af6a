"""ONNX export of the default e5 encoder (run by ``python -m ingest.model_setup``, i.e. ``make setup``).

The runtime encoder lives in :mod:`index.encode.onnx_encoder`; this module writes the graphs it reads.
torch is imported by :func:`export_onnx` alone.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from index.encode.onnx_encoder import (
    FP32_FILE,
    INT8_FILE,
    MIN_COSINE_FP32,
    MIN_COSINE_INT8,
    ONNX_MARKER,
    PAD_ID,
    OnnxEncoder,
    has_onnx,
    onnx_dir,
)
from index.encode.script_tokenizer import write_script_tokenizer

from .model_common import CHECK_TEXTS, PROMPTS, replace_folder

#: Bumped when the export's contents change, so ``make setup`` redoes an older export.
#: 2: fp32 graph with fused attention/layer-norm/GELU kernels; the script tokenizer.
EXPORT_VERSION = 2


def check_texts() -> list[str]:
    """Real notice text for the export check: the seed's lines and a few queries, with e5 prefixes."""
    texts = [PROMPTS[prompt] + text for prompt, text in CHECK_TEXTS]
    seed = Path(__file__).resolve().parent.parent / "corpus" / "seed.txt"
    if seed.is_file():
        lines = [ln.strip() for ln in seed.read_text(encoding="utf-8").splitlines() if len(ln.strip()) >= 20]
        texts += [PROMPTS["passage"] + ln[:300] for ln in lines[:24]]
    return texts


def cosines_with_sentence_transformers(model_dir: Path, texts: list[str], folder: Path | None = None
                                       ) -> dict[str, list[float]]:
    """Per-text cosine between each ONNX graph and sentence-transformers (prefixes already in ``texts``)."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True)
    out = {}
    for file in (FP32_FILE, INT8_FILE):
        vectors = OnnxEncoder(model_dir, file, graph_dir=folder).encode(texts)
        out[file] = [float(c) for c in (vectors * reference).sum(axis=1)]
    return out


def _marker_ok(model_dir: Path) -> bool:
    folder = onnx_dir(model_dir)
    try:
        marker = json.loads((folder / ONNX_MARKER).read_text(encoding="utf-8"))
        setup = json.loads((model_dir / "setup_ok.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (marker.get("source_sha256") == setup.get("source_sha256") and marker.get("version") == EXPORT_VERSION
            and has_onnx(str(model_dir)))


def fuse_transformer(source: Path, target: Path, model_dir: Path) -> dict[str, int]:
    """Write ``source`` with onnxruntime's BERT fusions (attention, skip layer-norm, bias GELU) to ``target``.

    The fused kernels compute the same function in fewer, larger operations: about 1.4× the
    passages per second on this CPU with cosine 1.0000 against the unfused graph (README "Speed").
    Returns the count of each fused operator (all zero would mean the fusion did not recognise the graph).
    """
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    fused = optimizer.optimize_model(str(source), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=1)
    fused.save_model_to_file(str(target))
    return {k: v for k, v in fused.get_fused_operator_statistics().items() if v}


def export_onnx(model_dir: Path, force: bool = False) -> Path:
    """Export ``model_dir`` (a sentence-transformers BERT/XLM-R mean-pooling model) to ``model_dir/onnx``.

    Skipped when the marker says it was done for the same source weights.
    Written into a temporary folder, checked (fp32 cosine ≥ :data:`MIN_COSINE_FP32`,
    int8 ≥ :data:`MIN_COSINE_INT8` against sentence-transformers on real
    notice text, else ``RuntimeError``), then renamed into place.
    """
    model_dir = Path(model_dir)
    if not force and _marker_ok(model_dir):
        return onnx_dir(model_dir)
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=".onnx.", dir=model_dir))
    try:
        bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

        class Pooled(torch.nn.Module):
            """Encoder + mean pooling over the mask + L2 normalisation, as sentence-transformers does."""

            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
                hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(mean, p=2, dim=1)

        # The example batch has padding, so the attention-mask path is traced, not folded away.
        ids = torch.full((2, 16), 6, dtype=torch.long)
        mask = torch.ones((2, 16), dtype=torch.long)
        ids[:, 0], ids[1, 10:], mask[1, 10:] = 0, PAD_ID, 0
        with torch.no_grad():
            torch.onnx.export(  # the TorchScript exporter: the dynamo one needs onnxscript
                Pooled(bert), (ids, mask), str(tmp / "unfused.onnx"), input_names=["input_ids", "attention_mask"],
                output_names=["sentence_embedding"], opset_version=17, dynamo=False,
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "sentence_embedding": {0: "batch"}})
        del bert
        # Per-channel weights: per-tensor int8 over the 250k-row embedding table drops the cosine to 0.986.
        # (Quantised from the unfused graph: int8 over the fused one measured no faster, and the
        # quantiser does not know the fused operators' types.)
        quantize_dynamic(str(tmp / "unfused.onnx"), str(tmp / INT8_FILE), weight_type=QuantType.QInt8,
                         per_channel=True, op_types_to_quantize=["MatMul", "Gather"])
        fused = fuse_transformer(tmp / "unfused.onnx", tmp / FP32_FILE, model_dir)
        (tmp / "unfused.onnx").unlink()
        pieces = write_script_tokenizer(model_dir / "tokenizer.json", tmp)
        cosines = cosines_with_sentence_transformers(model_dir, check_texts(), folder=tmp)
        worst = {file: min(values) for file, values in cosines.items()}
        if worst[FP32_FILE] < MIN_COSINE_FP32 or worst[INT8_FILE] < MIN_COSINE_INT8:
            raise RuntimeError(f"ONNX export disagrees with sentence-transformers: worst cosines {worst}")
        setup = json.loads((model_dir / "setup_ok.json").read_text(encoding="utf-8"))
        (tmp / ONNX_MARKER).write_text(json.dumps({
            "source_sha256": setup.get("source_sha256"),
            "version": EXPORT_VERSION,
            "fused_operators": fused,
            "script_tokenizer_pieces": pieces,
            "texts": len(check_texts()),
            "min_cosine": worst,
            "mean_cosine": {file: sum(v) / len(v) for file, v in cosines.items()},
            "seconds": round(time.monotonic() - started, 1),
        }, indent=2), encoding="utf-8")
        replace_folder(tmp, onnx_dir(model_dir))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return onnx_dir(model_dir)
