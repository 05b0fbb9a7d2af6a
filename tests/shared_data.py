"""Where the tests and benchmarks find the real notices and labelled questions: defined once.

The development corpus (public notices, ``notices.jsonl`` + the complete ``seed.txt``) and its
labelled questions are copied into ``tests/data/shared/`` so that a fresh clone tests itself with
nothing beside it.  ``SHARED_DIR`` points at another copy (e.g. a newer shared folder with more questions)
for benchmarks; it is read only when set.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "tests" / "data" / "shared"
SHARED = Path(os.environ["SHARED_DIR"]) if os.environ.get("SHARED_DIR") else BUNDLED
CORPUS = SHARED / "corpus"
EVAL = SHARED / "eval"
NOTICES = CORPUS / "notices.jsonl"
SEED = CORPUS / "seed.txt"
QUESTIONS = EVAL / "questions.jsonl"
QUESTIONS_MORE = EVAL / "questions_more.jsonl"
QUESTIONS_THIRD = EVAL / "questions_third.jsonl"


def missing_message() -> str:
    """The one line a test fails with when ``SHARED_DIR`` points at a folder without the corpus."""
    return f"语料缺失：{NOTICES} 不存在（SHARED_DIR={os.environ.get('SHARED_DIR', '')!r}）"


def clean_notices() -> dict[str, str]:
    """The corpus notices' title and text, cleaned as ingest cleans them (id → text); read once per process."""
    return dict(_clean_notices())


@functools.cache
def _clean_notices() -> tuple[tuple[str, str], ...]:
    from index.text.repair import repair_text

    with NOTICES.open(encoding="utf-8") as f:
        return tuple((d["id"], repair_text(f"{d['title']}\n{d['text']}")) for d in map(json.loads, f))


def question(qid: str, path: Path = QUESTIONS_THIRD) -> dict:
    """One labelled development question by its id."""
    from index.answer.evaluate import load_questions

    return next(q for q in load_questions(path) if q["qid"] == qid)
