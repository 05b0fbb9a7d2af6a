"""The page's first answer: seconds from ``streamlit run`` to the answer on screen, in headless Chromium.

    .venv/bin/python benchmarks/bench_page.py --index DIR [--runs 3] [--question "…"]

Each run starts a fresh server (a new process: nothing loaded, the same as a user's ``make run``),
opens the page in Debian's Chromium through playwright (as ``tests/test_browser.py`` does), types
the question as soon as the input box is there and waits until the answer sentence is shown.
Printed per run: server start → health check answered, → input box shown, → answer shown
(the figure issue 9 sets at ≤ 5 s), and the CPU seconds the server used.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
QUESTION = "张家界市委宣传部整改工作领导小组的组长是谁?"


def free_port() -> int:
    """A free localhost port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(index: Path, question: str) -> dict[str, float]:
    """Start a server, ask once in Chromium, return the timings (seconds from the server's start)."""
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "NOTICE_INDEX"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--", "--index", str(index)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    out: dict[str, float] = {}
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
            if proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise RuntimeError("streamlit did not start")
        out["healthy"] = time.perf_counter() - t0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page(locale="zh-CN")
                out["browser ready"] = time.perf_counter() - t0
                page.goto(url, wait_until="domcontentloaded")
                box = page.get_by_role("textbox", name="输入问题或关键词")
                box.wait_for(timeout=120_000)
                out["input box"] = time.perf_counter() - t0
                box.fill(question)
                box.press("Enter")
                expect(page.locator(".ns-answer-text").or_(page.get_by_text("语料中未找到明确答案")).first).to_be_visible(
                    timeout=120_000)
                out["first answer"] = time.perf_counter() - t0
            finally:
                browser.close()
        out["server CPU s"] = cpu_seconds(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return out


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args()
    runs = []
    for n in range(args.runs):
        runs.append(one_run(args.index, args.question))
        print(f"run {n + 1}: " + "  ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()), flush=True)
    print(f"median over {len(runs)} runs (seconds from `streamlit run`, load average {os.getloadavg()[0]:.1f}): "
          + "  ".join(f"{k} {statistics.median(r[k] for r in runs):.2f}" for k in runs[0]))


if __name__ == "__main__":
    main()
