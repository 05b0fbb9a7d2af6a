"""The optional generated answer: sent to an OpenAI-compatible endpoint, grounded in the citations.

The endpoint is a small OpenAI-compatible server on loopback that records what
it receives; what is tested is our side of the protocol and that the
extractive answer is never replaced.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO

from index.answer.generate import LLMConfig, generate
from index.answer.reader import Answerer

QUESTION = "辽中区前六轮巡察移交线索办理后挽回经济损失多少?"
REPLY = "挽回经济损失172.74万元[1]。"


@pytest.fixture()
def endpoint() -> Iterator[tuple[str, list[dict]]]:
    """A loopback chat-completions endpoint; yields its base URL and the requests it got."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": REPLY}}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", received
    finally:
        server.shutdown()


def test_generated_answer_is_grounded_in_the_citations(searcher, endpoint) -> None:
    url, received = endpoint
    answer = Answerer(searcher).ask(QUESTION)
    generated = generate(QUESTION, answer, LLMConfig(url=url, model="local-model", api_key="k"))
    assert generated.text == REPLY and not generated.error
    (request,) = received
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k"
    assert request["body"]["model"] == "local-model"
    prompt = request["body"]["messages"][-1]["content"]
    assert QUESTION in prompt
    assert all(hit.text[:50] in prompt for hit in answer.citations)
    assert "172.74万元" in answer.answer  # the extractive answer stands on its own


def test_unreachable_endpoint_is_reported_not_raised(searcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    answer = Answerer(searcher).ask(QUESTION)
    generated = generate(QUESTION, answer, LLMConfig(url=f"http://127.0.0.1:{port}/v1", model="m", timeout=5))
    assert not generated.text and "not reachable" in generated.error


def test_cli_ask_generate(shared_index: Path, endpoint) -> None:
    url, received = endpoint
    env = {**os.environ, "NOTICE_LLM_URL": url, "NOTICE_LLM_MODEL": "local-model"}
    result = subprocess.run([sys.executable, "-m", "index", "ask", QUESTION, "--index", str(shared_index),
                             "--json", "--generate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert "172.74万元" in out["answer"] and out["citations"]
    assert out["generated"] == {"text": REPLY, "model": "local-model", "error": ""}
    assert len(received) == 1
    plain = subprocess.run([sys.executable, "-m", "index", "ask", QUESTION, "--index", str(shared_index), "--json"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert "generated" not in json.loads(plain.stdout) and len(received) == 1  # nothing sent unless asked


def test_page_offers_generated_answer_beside_extractive(page_index: Path, endpoint, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import state

    url, received = endpoint
    monkeypatch.setenv(state.INDEX_ENV, str(page_index))
    monkeypatch.setenv("NOTICE_LLM_URL", url)
    monkeypatch.setenv("NOTICE_LLM_MODEL", "local-model")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.text_input(key="question").set_value(QUESTION).run()
    assert not at.exception
    assert not received  # nothing is sent until the user asks for it
    at.button(key="generate").click().run()
    assert not at.exception
    assert [t.value for t in at.text] == [REPLY]
    assert len(received) == 1
    assert any("172.74万元" in h.value for h in at.html if "ns-answer-box" in h.value)  # extractive still shown
