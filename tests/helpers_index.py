"""A real index for the page tests (test_app.py, test_browser.py), built once per session.

It is the shared corpus (``notices.jsonl`` + ``seed.txt``) plus one small
``.txt`` notice whose text holds ``<script>alert(1)</script>`` and Markdown,
ingested by the real pipeline.  When the session already has the conftest's
``shared_index`` (the same corpus), that index is copied and only the extra
notice is ingested into the copy, so the corpus is embedded once per session.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shared_data import NOTICES, QUESTIONS, SEED, missing_message

REPO = Path(__file__).resolve().parent.parent

XSS_DOC_ID = "xss-notice"
SCRIPT = "<script>alert(1)</script>"
MARKDOWN = "**不应加粗** [不是链接](javascript:alert(2))"
_BASE_NOTICE = "n0039"  # a real notice the page tests do not ask about

_CACHE: dict[str, Path] = {}


def question(qid: str) -> dict:
    """One row of the shared eval questions (query, answer, relevant doc ids)."""
    with QUESTIONS.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row["qid"] == qid:
                    return row
    raise KeyError(qid)


def xss_notice_text() -> str:
    """A real notice's title and text with a script tag and Markdown inserted after its first line."""
    with NOTICES.open(encoding="utf-8") as handle:
        row = next(json.loads(line) for line in handle if f'"{_BASE_NOTICE}"' in line)
    first, _, rest = row["text"].partition("\n")
    return f"{row['title']}\n\n{first}\n{SCRIPT}\n{MARKDOWN}\n{rest}\n"


def _base_index(request: pytest.FixtureRequest) -> Path | None:
    """The conftest's session index of the same corpus, if this session has one."""
    try:
        return Path(request.getfixturevalue("shared_index"))
    except pytest.FixtureLookupError:
        return None


def app_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page tests' index folder (built on first use, then cached for the session)."""
    if "app" in _CACHE:
        return _CACHE["app"]
    if not NOTICES.is_file():
        pytest.fail(missing_message())
    from ingest.pipeline import ingest

    corpus = tmp_path_factory.mktemp("app-corpus")
    extra = corpus / f"{XSS_DOC_ID}.txt"
    extra.write_text(xss_notice_text(), encoding="utf-8")
    root = tmp_path_factory.mktemp("app-index")
    base = _base_index(request)
    if base is not None:
        shutil.copytree(base, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock"))
        report = ingest([extra], root, progress=False)
    else:
        report = ingest([NOTICES, SEED, extra], root, progress=False)
    assert report.written and not report.rejected, report.rejected
    assert XSS_DOC_ID in report.indexed, report
    _CACHE["app"] = root
    return root


def page_opener(index: Path, monkeypatch: pytest.MonkeyPatch, timeout: float):
    """``open(**query_params) -> AppTest``: app.py on ``index`` at a deep link, run once, no exception."""
    from streamlit.testing.v1 import AppTest

    from ui import state

    monkeypatch.setenv(state.INDEX_ENV, str(index))
    app = Path(__file__).resolve().parent.parent / "app.py"

    def _open(**params: str) -> AppTest:
        at = AppTest.from_file(str(app), default_timeout=timeout)
        at.query_params.update(params)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open
