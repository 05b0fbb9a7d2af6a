"""XLM-R token ids for the ONNX encoder, with a small vocabulary for Chinese queries.

The e5 tokenizer (``tokenizer.json``, a 250,002-piece Unigram model) takes about
a second to load, half of a cold ``ask``.  A Chinese query only ever uses the
pieces made of Han characters, digits and punctuation, so :func:`write_script_tokenizer`
(run at ``make setup``) writes a copy of the tokenizer that keeps just those
pieces (≈ 20,000; it loads in ~30 ms) and the original id of each kept piece.

Why the ids are *identical*, not close: Unigram tokenisation picks the best
segmentation among the vocabulary pieces that occur in the (normalised) text.
A piece holding a character the text lacks can never occur in it, so dropping
only such pieces leaves the candidate set — and the result — unchanged for any
text whose normalised characters all belong to the kept script.  The lowest
piece score (from which the unknown-character penalty is derived) is kept too.
:class:`ScriptTokenizer` checks that condition per text and falls back to the
full tokenizer (loaded on first need) for anything else, e.g. Latin words.
``tests/test_onnx_encoder.py`` compares both on the dev questions and real text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SCRIPT_TOKENIZER_FILE = "script_tokenizer.json"
SCRIPT_IDS_FILE = "script_tokenizer_ids.npy"
#: The e5 query prefix's letters: ``query: `` must tokenise through the small vocabulary.
_PREFIX_LETTERS = frozenset("query")
#: Unicode blocks of Chinese text besides ASCII digits/punctuation (ranges inclusive).
_BLOCKS = (
    (0x00A0, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7),  # Latin-1 punctuation and signs
    (0x2000, 0x206F), (0x2150, 0x218F), (0x2190, 0x23FF),  # punctuation, number forms, arrows, maths
    (0x2460, 0x24FF), (0x2500, 0x27BF),  # enclosed numbers ①, box drawing, shapes ●, dingbats
    (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x31BF),  # radicals, CJK punct, kana, bopomofo
    (0x31C0, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),  # strokes, enclosed CJK, extension A, unified
    (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),  # compatibility, vertical forms, full-width
)
_META = "\u2581"  # the Metaspace pre-tokenizer's word boundary ▁


def in_script(char: str) -> bool:
    """True when ``char`` belongs to the small vocabulary's script (Han, digits, punctuation, ``query``)."""
    code = ord(char)
    if code < 128:
        return not char.isalpha() or char in _PREFIX_LETTERS
    if char == _META:
        return True
    return any(lo <= code <= hi for lo, hi in _BLOCKS)


def write_script_tokenizer(tokenizer_json: Path, folder: Path) -> int:
    """Write the small tokenizer and its id map into ``folder``; return the number of pieces kept."""
    spec = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    model = spec["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"{tokenizer_json}: a Unigram tokenizer is expected, got {model.get('type')}")
    vocab = model["vocab"]
    special = {t["id"] for t in spec.get("added_tokens", [])} | {model.get("unk_id") or 0}
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])  # keeps the unknown-piece penalty
    keep = [i for i, (piece, _score) in enumerate(vocab)
            if i in special or i == lowest or all(in_script(c) for c in piece)]
    new_id = {old: new for new, old in enumerate(keep)}
    model["vocab"] = [vocab[i] for i in keep]
    if model.get("unk_id") is not None:
        model["unk_id"] = new_id[model["unk_id"]]
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    post = spec.get("post_processor") or {}
    for token in (post.get("special_tokens") or {}).values():
        token["ids"] = [new_id[i] for i in token["ids"]]
    (folder / SCRIPT_TOKENIZER_FILE).write_text(json.dumps(spec, ensure_ascii=False, separators=(",", ":")),
                                                encoding="utf-8")
    np.save(folder / SCRIPT_IDS_FILE, np.asarray(keep, dtype=np.int64), allow_pickle=False)
    return len(keep)


class ScriptTokenizer:
    """Token ids of texts: the small vocabulary when a text allows it, else the full tokenizer.

    ``folder`` holds :data:`SCRIPT_TOKENIZER_FILE` and :data:`SCRIPT_IDS_FILE`; when it does not
    (an export from before they existed) every text goes through the full tokenizer.
    """

    def __init__(self, tokenizer_json: Path, folder: Path | None, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        self.tokenizer_json = Path(tokenizer_json)
        self.max_tokens = max_tokens
        self._full = None
        self._small = None
        self._ids = None
        if folder is not None and (folder / SCRIPT_TOKENIZER_FILE).is_file() and (folder / SCRIPT_IDS_FILE).is_file():
            self._small = self._prepare(Tokenizer.from_file(str(folder / SCRIPT_TOKENIZER_FILE)))
            self._ids = np.load(folder / SCRIPT_IDS_FILE, allow_pickle=False)
        self.full_loads = 0  # how often a text needed the full tokenizer (tests, benchmarks)

    def _prepare(self, tokenizer):  # -> tokenizers.Tokenizer
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.no_padding()  # batches are padded by the encoder, by length bucket
        return tokenizer

    @property
    def full(self):  # -> tokenizers.Tokenizer
        """The full tokenizer, loaded on first need."""
        if self._full is None:
            from tokenizers import Tokenizer

            self._full = self._prepare(Tokenizer.from_file(str(self.tokenizer_json)))
        return self._full

    def fits(self, text: str) -> bool:
        """True when the small vocabulary tokenises ``text`` exactly as the full one."""
        if self._small is None:
            return False
        normalizer = self._small.normalizer
        normalized = normalizer.normalize_str(text) if normalizer is not None else text
        return all(in_script(c) for c in normalized)

    def ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids (with ``<s>`` … ``</s>``, truncated to ``max_tokens``) of each text, in order."""
        out: list[list[int] | None] = [None] * len(texts)
        small = [i for i, t in enumerate(texts) if self.fits(t)]
        if small:
            for i, encoding in zip(small, self._small.encode_batch([texts[i] for i in small]), strict=True):
                out[i] = self._ids[np.asarray(encoding.ids, dtype=np.int64)].tolist()
        rest = [i for i, row in enumerate(out) if row is None]
        if rest:
            self.full_loads += 1
            for i, encoding in zip(rest, self.full.encode_batch([texts[i] for i in rest]), strict=True):
                out[i] = encoding.ids
        return out  # type: ignore[return-value]
