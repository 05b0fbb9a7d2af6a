"""The tests need nothing beside the repo: the corpus they read is bundled; another copy only on request."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from shared_data import BUNDLED, NOTICES, REPO, SEED

#: Ways a file could reach for the folder beside the repo behind ``shared_data``'s back.
#: An absolute path to a shared folder (``"/somewhere/shared/corpus/…"``) is one too.
_OUTSIDE = re.compile(r'parent\s*/\s*"shared"|SHARED_DIR|' + re.escape("." + "./shared")
                      + r'|["\']/[^"\']*/shared/(?:corpus|eval)')


def test_bundled_corpus_is_the_real_one() -> None:
    text = (BUNDLED / "corpus" / "notices.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) >= 200 and all({"id", "url", "title", "text", "kind"} <= row.keys() for row in rows)
    seed = (BUNDLED / "corpus" / "seed.txt").read_text(encoding="utf-8")
    assert len(seed.encode("utf-8")) > 30_000 and "張家界" in seed  # the scraped mojibake copy
    for name in ("questions.jsonl", "questions_more.jsonl", "questions_third.jsonl"):
        questions = (BUNDLED / "eval" / name).read_text(encoding="utf-8").splitlines()
        assert len(questions) >= 40, name


def test_default_is_bundled_without_shared_dir() -> None:
    if not os.environ.get("SHARED_DIR"):
        assert NOTICES.is_relative_to(REPO) and SEED.is_relative_to(REPO)
    env = {k: v for k, v in os.environ.items() if k != "SHARED_DIR"}
    out = subprocess.run([sys.executable, "-c", "import shared_data; print(shared_data.SHARED)"],
                         cwd=REPO / "tests", env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(BUNDLED)


def test_no_other_file_reads_shared_folder() -> None:
    """Only ``tests/shared_data.py`` decides where the corpus is (so a fresh clone never looks beside itself)."""
    files = [*REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/*.py"), REPO / "Makefile", REPO / ".ci" / "run"]
    here = {REPO / "tests" / "shared_data.py", REPO / "tests" / "test_shared_data.py"}
    found = [f"{path.relative_to(REPO)}:{n}" for path in files if path not in here and path.is_file()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if _OUTSIDE.search(line)]
    assert found == []
