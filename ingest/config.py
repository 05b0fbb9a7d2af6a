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

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = REPO_ROOT / "models" / "multilingual-e5-small"
DEFAULT_INDEX_DIR = REPO_ROOT / "data" / "index"

#: Bump when cleaning, parsing or chunking changes what goes into an index.
CHUNKER_VERSION = "2"  # 2: finding vectors hold the problem statement alone
#: Bump when the on-disk layout changes.
FORMAT_VERSION = 1


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
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
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
