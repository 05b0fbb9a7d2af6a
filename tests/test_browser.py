"""End to end in real headless Chromium: ``streamlit run app.py`` → type a question → see the answer.

Needs Debian's ``/usr/bin/chromium`` (``make browser`` installs it, with
``fonts-noto-cjk`` for readable screenshots); skipped with a reason without it.
Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_index import question

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT = 90  # seconds for the server to answer its health check
ANSWER_TIMEOUT_MS = 120_000  # first question loads the index and the model

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium: run `make browser` (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit did not start in {START_TIMEOUT}s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture
def server(page_index: Path, tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py -- --index DIR`` on a free localhost port; always stopped afterwards."""
    yield from _serve(page_index, tmp_path)


@pytest.fixture
def sample_server(sample_index: Path, tmp_path: Path) -> Iterator[str]:
    """The page on a copy of the sample corpus's index (``make run``'s corpus/; the test removes a notice)."""
    import shutil

    root = tmp_path / "sample-index"
    shutil.copytree(sample_index, root, ignore=shutil.ignore_patterns(".lock"))
    yield from _serve(root, tmp_path)


def _serve(index: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if k != "NOTICE_INDEX"}  # the --index argument must win
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--", "--index", str(index)]
    with log.open("w") as handle:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            _wait_healthy(url, proc, log)
            yield url
        finally:
            _stop(proc)


def test_ask_a_question_in_chromium(server: str) -> None:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: .venv/bin/pip install playwright (never `playwright install`)")

    row = question("d019")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1300}, locale="zh-CN")
            page.goto(server, wait_until="domcontentloaded")
            box = page.get_by_role("textbox", name="输入问题或关键词")
            box.wait_for(timeout=ANSWER_TIMEOUT_MS)
            box.fill(row["query"])
            box.press("Enter")
            answer = page.locator(".ns-answer-text")
            expect(answer).to_contain_text(row["answer"], timeout=ANSWER_TIMEOUT_MS)
            expect(page.locator(".ns-short-answer")).to_have_text("郭天保")  # the short answer, shown first
            expect(page.locator(".ns-cites")).to_contain_text("（答案出处）")
            assert page.locator(".ns-hit").count() > 0
            assert page.locator("script", has_text="alert(1)").count() == 0
            page.screenshot(path=str(ARTIFACTS / "browser-ask.png"))

            page.set_viewport_size({"width": 390, "height": 844})  # phone width: nothing wider than the screen
            expect(answer).to_be_visible()
            page.wait_for_timeout(500)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=str(ARTIFACTS / "browser-ask-phone.png"))
            assert overflow <= 1, f"page is {overflow}px wider than a phone screen"

            page.set_viewport_size({"width": 1000, "height": 1300})
            box.fill("十一届内蒙古自治区党委第七轮巡视对哪几个区直部门开展了机动巡视？")  # a list answer
            box.press("Enter")
            items = page.locator(".ns-answer-items li")
            expect(items.first).to_contain_text("自治区教育厅", timeout=ANSWER_TIMEOUT_MS)
            expect(items).to_have_count(3)
            box.fill("海口市委巡察组组长是谁？")  # a unit the corpus does not hold
            box.press("Enter")
            expect(page.get_by_text("语料中未找到明确答案")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
            expect(page.locator(".ns-answer-text")).to_have_count(0)
            assert page.locator(".ns-hit").count() > 0  # the closest passages
            page.screenshot(path=str(ARTIFACTS / "browser-not-found.png"))
        finally:
            browser.close()


def test_sample_corpus_compare_uploader_and_removal_in_chromium(sample_server: str) -> None:
    """On ``make run``'s sample: a compare with real pairs and their shared wording, the uploader
    in Chinese, and removing a notice from the page with a confirmation."""
    from playwright.sync_api import expect, sync_playwright
    from sample_corpus import COMPARE_B, EXPECTED_PAIRS

    from ui import upload

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, locale="zh-CN")
            page.goto(f"{sample_server}/?view=compare&a=seed&b={COMPARE_B}", wait_until="domcontentloaded")
            pairs = page.locator(".ns-pair")
            expect(pairs.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
            assert pairs.count() >= len(EXPECTED_PAIRS)
            text = page.locator(".ns-pair").all_inner_texts()
            for label, _ in EXPECTED_PAIRS:
                assert any(label in t for t in text), label
            assert all("配对原因" in t for t in text)
            page.screenshot(path=str(ARTIFACTS / "browser-sample-compare.png"), full_page=True)

            page.get_by_text("导入通报", exact=True).click()
            button = page.locator('[data-testid="stFileUploaderDropzone"] button').first
            expect(button).to_be_visible(timeout=30_000)
            after = page.evaluate("(el) => getComputedStyle(el, '::after').content", button.element_handle())
            assert upload.UPLOAD_BUTTON_TEXT in after
            hint = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').first
            assert upload.UPLOAD_HINT_TEXT in page.evaluate(
                "(el) => getComputedStyle(el, '::after').content", hint.element_handle())
            shown = page.evaluate("""() => { const z = document.querySelector('[data-testid="stFileUploaderDropzone"]');
                return Array.from(z.querySelectorAll('*')).filter(e => e.children.length === 0
                  && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) > 0
                  && getComputedStyle(e).display !== 'none').map(e => e.textContent.trim()); }""")
            assert not [t for t in shown if "Upload" in t or "per file" in t or "Drag" in t], shown
            page.screenshot(path=str(ARTIFACTS / "browser-sample-upload.png"), full_page=True)

            picker = page.get_by_role("combobox", name="要删除的通报")
            picker.click()
            page.keyboard.type(COMPARE_B)
            page.keyboard.press("Enter")
            page.get_by_role("button", name="删除这篇通报…").click()
            expect(page.get_by_text("确定要从索引中删除")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="确认删除").click()
            expect(page.get_by_text(f"已从索引中删除通报 {COMPARE_B}")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        finally:
            browser.close()
