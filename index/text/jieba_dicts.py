"""jieba's dictionaries, loaded fast: they are most of a cold ``ask``'s time.

jieba keeps its prefix dictionary in a marshal cache (``jieba.cache`` in the
temporary folder) and reads it with ``marshal.load`` on the open file, which
reads piece by piece: 0.6 s here, against 0.2 s for ``marshal.loads`` on the
file's bytes.  ``jieba.posseg`` parses the 350,000-line ``dict.txt`` for word
tags in Python at import (0.4–0.6 s); a JSON copy of the tags loads in 0.15 s.
Both shortcuts produce exactly jieba's own tables (``tests/test_jieba_dicts.py``)
and fall back to jieba's loading whenever a cache is missing or unreadable.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import marshal
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

import jieba

jieba.setLogLevel(logging.WARNING)
_POSSEG_LOCK = threading.Lock()  # the page's sessions may ask at once; the tags are installed after import
_posseg: ModuleType | None = None


def default_tokenizer() -> jieba.Tokenizer:
    """``jieba.dt`` with its dictionary loaded (from jieba's cache read in one piece when it exists)."""
    dt = jieba.dt
    if dt.initialized:
        return dt
    # jieba's own rule: the default dictionary's cache is ``jieba.cache`` in the temporary folder
    # (other dictionaries, or an explicit cache file, go through jieba's loader).
    if dt.dictionary in (None, jieba.DEFAULT_DICT) and not dt.cache_file:
        cache = Path(dt.tmp_dir or tempfile.gettempdir()) / "jieba.cache"
        try:
            freq, total = marshal.loads(cache.read_bytes())
            if isinstance(freq, dict) and isinstance(total, int) and freq:
                with dt.lock:
                    if not dt.initialized:
                        dt.FREQ, dt.total, dt.initialized = freq, total, True
        except (OSError, ValueError, EOFError, TypeError):
            pass  # jieba rebuilds (and rewrites) its cache below
    dt.check_initialized()
    return dt


def _tags_cache() -> Path:
    """Where the word-tag copy of jieba's installed ``dict.txt`` lives (named by its path, size and time)."""
    with jieba.get_dict_file() as handle:
        source = Path(handle.name)
    stat = source.stat()
    key = hashlib.sha1(f"{source}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"notice-jieba-tags.{key}.json"


def _read_tags(path: Path) -> dict[str, str] | None:
    try:
        words, tags = json.loads(path.read_text(encoding="utf-8"))
        table = dict(zip(words.split("\n"), tags.split("\n"), strict=True))
    except (OSError, ValueError, TypeError):
        return None
    return table or None


def _write_tags(path: Path, table: dict[str, str]) -> None:
    words = list(table)
    text = json.dumps(["\n".join(words), "\n".join(table[w] for w in words)], ensure_ascii=False)
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=path.name,
                                         suffix=".tmp", delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, path)  # atomic: a reader sees the old file or the whole new one
    except OSError:
        pass  # a read-only temp folder only costs the next process the slow load


def posseg() -> ModuleType:
    """``jieba.posseg``, its word tags read from a JSON copy when one exists (written on first use)."""
    global _posseg
    if _posseg is None:
        with _POSSEG_LOCK:
            if _posseg is None:
                _posseg = _load_posseg()
    return _posseg


def _load_posseg() -> ModuleType:
    if "jieba.posseg" in sys.modules:  # imported elsewhere, with jieba's own (complete) tag loading
        return sys.modules["jieba.posseg"]
    dt = default_tokenizer()
    cache = _tags_cache()
    table = _read_tags(cache) if cache.is_file() else None
    if table is None:
        import jieba.posseg as pseg

        _write_tags(cache, pseg.dt.word_tag_tab)
        return pseg
    # jieba.posseg builds ``dt = POSTokenizer(jieba.dt)`` at import, which parses dict.txt for tags:
    # hand it an empty file for that one call, then install the cached table.
    dt.get_dict_file = lambda: io.BytesIO(b"")
    try:
        import jieba.posseg as pseg
    finally:
        del dt.get_dict_file
    pseg.dt.word_tag_tab = table
    return pseg
