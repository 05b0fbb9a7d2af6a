"""The fast dictionary loads (index/text/jieba_dicts.py) give exactly jieba's own tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

# In a fresh process (module state matters): jieba's tables through our loaders, summarised.
PROBE = """
import hashlib, json, sys
from index.text.jieba_dicts import default_tokenizer, posseg
dt = default_tokenizer()
pseg = posseg()
tags = pseg.dt.word_tag_tab
digest = lambda d: hashlib.sha1(json.dumps(sorted(d.items()), ensure_ascii=False).encode()).hexdigest()
words = [f"{w}/{f}" for w, f in pseg.cut("张家界市委宣传部部长郭天保任组长，违规发放津贴补贴")]
print(json.dumps({"freq": digest(dt.FREQ), "total": dt.total, "tags": digest(tags), "ntags": len(tags), "cut": words}))
"""

# The same with jieba's own loading (no cache shortcuts): a fresh Tokenizer and POSTokenizer.
REFERENCE = """
import hashlib, json, jieba, logging
import jieba.posseg as pseg
jieba.setLogLevel(logging.WARNING)
dt = jieba.Tokenizer(); dt.initialize()
tags = pseg.POSTokenizer(dt).word_tag_tab
digest = lambda d: hashlib.sha1(json.dumps(sorted(d.items()), ensure_ascii=False).encode()).hexdigest()
words = [f"{w}/{f}" for w, f in pseg.cut("张家界市委宣传部部长郭天保任组长，违规发放津贴补贴")]
print(json.dumps({"freq": digest(dt.FREQ), "total": dt.total, "tags": digest(tags), "ntags": len(tags), "cut": words}))
"""


def _run(code: str, tmp: Path) -> dict:
    env = {**os.environ, "TMPDIR": str(tmp)}  # jieba's cache and the tag copy live in the temp folder
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_fast_loads_equal_jiebas_own(tmp_path: Path) -> None:
    reference = _run(REFERENCE, tmp_path)
    first = _run(PROBE, tmp_path)  # writes the tag copy
    assert list(tmp_path.glob("notice-jieba-tags.*.json")), "the tag copy was not written"
    second = _run(PROBE, tmp_path)  # reads jieba's cache and the tag copy
    assert first == reference
    assert second == reference
    assert reference["ntags"] > 300_000


def test_a_damaged_tag_copy_is_ignored(tmp_path: Path) -> None:
    reference = _run(REFERENCE, tmp_path)
    _run(PROBE, tmp_path)
    for copy in tmp_path.glob("notice-jieba-tags.*.json"):
        copy.write_text('["a\\nb", "n"]', encoding="utf-8")  # truncated: two words, one tag
    (tmp_path / "jieba.cache").write_bytes(b"\x00garbage")
    assert _run(PROBE, tmp_path) == reference
