"""One place for every setting that shapes an index.

The config is saved as ``config.json`` inside each index generation, so a saved
index knows which model, dimension and chunking built it, and loading it with
an incompatible setup fails with a clear message instead of wrong results.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .cli_text import json_reason

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "multilingual-e5-small"
DEFAULT_INDEX_DIR = REPO_ROOT / "data" / "index"

#: Bump when cleaning, parsing or chunking changes what goes into an index.
#: 2: finding vectors hold the problem statement alone; 3: repeated annotations, lost bytes, task counts.
CHUNKER_VERSION = "3"
#: Bump when the on-disk layout changes.
FORMAT_VERSION = 1


@dataclass
class Limits:
    """What one input file may cost before it is rejected (``too large`` / ``too complex``).

    Not saved with an index: they decide which files get in, not what an
    indexed document looks like.  Defaults are generous for real notices (the
    largest real one in the shared corpus has about 13,000 characters) and
    small enough that one hostile file cannot exhaust memory or hang a batch.
    Set from the command line (``python -m ingest --max-file-mb …``, see
    ``--help``) or the ``NOTICE_LIMITS`` environment variable holding a JSON
    object of field names (``{"file_seconds": 60}``).
    """

    #: Largest file read (bytes); JSONL files are streamed and have no total limit.
    max_file_bytes: int = 64 * 1024 * 1024
    #: Largest JSONL line (bytes); longer lines are skipped without being read into memory.
    max_line_bytes: int = 8 * 1024 * 1024
    #: Largest text of one document (characters, after reading); about 100 printed pages.
    max_text_chars: int = 200_000
    #: Longest title kept (characters); longer titles are cut.
    max_title_chars: int = 500
    #: Wall-clock budget for reading, cleaning, parsing and chunking one document (seconds).
    file_seconds: float = 30.0
    #: Most numbered-heading candidates in one document (structure compares headings pairwise:
    #: 1,000 take about 1 s, 3,000 about 10 s on the reference machine).
    max_headings: int = 2_000
    #: Most passages from one document (each is embedded: about 10 passages/s on 2 CPU cores).
    max_chunks: int = 1_500
    #: Most bytes a .docx may unpack to (a zip bomb is refused before parsing).
    max_unzipped_bytes: int = 64 * 1024 * 1024
    #: Most table cells in one .docx, widest ``gridSpan`` and deepest table nesting.
    max_table_cells: int = 100_000
    max_grid_span: int = 64
    max_table_depth: int = 8
    #: Deepest HTML element nesting (the parser and trafilatura recurse).
    max_html_depth: int = 1_000
    #: Rejected lines of one JSONL file reported one by one; the rest are counted in one line.
    max_line_errors: int = 100
    #: Most pages of one file that are OCR'd (scanned PDF pages without text, frames of a TIFF).
    max_ocr_pages: int = 100
    #: Largest page image OCR'd (pixels): a PDF page is rendered smaller to fit, a bigger image is refused.
    max_page_pixels: int = 40_000_000
    #: Wall-clock budget for the OCR of one file (seconds), on top of ``file_seconds``; about 5–30 s a
    #: page on 2 CPU cores (see docs/ocr.md).
    ocr_seconds: float = 1_800.0

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, overridden by the JSON object in ``NOTICE_LIMITS`` if set."""
        raw = os.environ.get("NOTICE_LIMITS", "").strip()
        if not raw:
            return cls()
        try:
            values = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"NOTICE_LIMITS 不是 JSON 对象：{json_reason(exc)}") from exc
        if not isinstance(values, dict):
            raise ValueError("NOTICE_LIMITS 必须是以限额名称为键的 JSON 对象")
        return cls().updated(**values)

    def updated(self, **values: object) -> Limits:
        """A copy with the given fields changed; unknown names and non-positive values raise ValueError."""
        names = {f.name: f.type for f in dataclasses.fields(self)}
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"未知的限额：{'、'.join(unknown)}（可用：{'、'.join(names)}）")
        out = dataclasses.replace(self)
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"限额 {key} 必须是正数，而不是 {value!r}")
            setattr(out, key, float(value) if key in ("file_seconds", "ocr_seconds") else int(value))
        return out


#: The e5 prompts: prepended to a query / a passage before embedding (the default model needs them).
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "


@dataclass
class Config:
    """Settings saved with an index.

    ``model`` is a sentence-transformers model name or a local folder; the
    default is the offline multilingual-e5-small folder built by
    ``python -m ingest.model_setup``.  ``query_prefix`` / ``passage_prefix``
    are prepended before embedding (e5 needs ``query: `` / ``passage: ``);
    leave them empty for models that do not use prefixes.
    """

    model: str = str(DEFAULT_MODEL_DIR)
    query_prefix: str = E5_QUERY_PREFIX
    passage_prefix: str = E5_PASSAGE_PREFIX
    dimension: int = 0  # filled in from the model at ingest
    max_chunk_chars: int = 300
    chunker_version: str = CHUNKER_VERSION
    format_version: int = FORMAT_VERSION
    batch_size: int = 32
    #: Above this many chunks an approximate (IVF) index is written beside the exact one and searched.
    ann_above: int = 200_000
    #: IVF lists visited per query (recall vs exact measured by benchmarks/bench_search.py).
    ann_nprobe: int = 32
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict of the settings."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Config:
        """Build a Config from a dict, ignoring unknown keys (forward compatible)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_env(cls) -> Config:
        """Default config, with ``NOTICE_MODEL`` naming another model if set."""
        cfg = cls()
        model = os.environ.get("NOTICE_MODEL")
        if model:
            cfg = cls.for_model(model)
        return cfg

    @classmethod
    def for_model(cls, model: str) -> Config:
        """Config for a named model; e5-family models get their prefixes."""
        is_e5 = "e5" in Path(model).name.lower() or "e5" in model.lower()
        if is_e5:
            return cls(model=model)
        return cls(model=model, query_prefix="", passage_prefix="")

    def save(self, path: Path) -> None:
        """Write the config as JSON to ``path``."""
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Config:
        """Read a config written by :meth:`save`."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
