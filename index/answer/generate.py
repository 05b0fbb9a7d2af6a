"""An optional generated answer, from an OpenAI-compatible endpoint the user configures.

Never instead of the extractive answer: it is offered beside it, and it is
built only from the passages the extractive answer cites (numbered, so the
model can cite them as [1], [2] …).  Configured by environment variables:

``NOTICE_LLM_URL``
    base URL of the API, e.g. ``http://127.0.0.1:8000/v1`` (``/chat/completions`` is appended)
``NOTICE_LLM_MODEL``
    model name sent with the request
``NOTICE_LLM_API_KEY``
    optional bearer token

Nothing is sent anywhere unless ``NOTICE_LLM_URL`` is set.  Any failure
(unreachable, timeout, bad reply) comes back as ``error`` text; the
extractive answer is unaffected.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass

from index.answer.reader import Answer

SYSTEM_PROMPT = (
    "你是巡视巡察通报的检索助手。只根据用户给出的编号段落回答问题，不要使用段落以外的知识。"
    "回答简洁，用中文，在句末用[1]、[2]标注依据的段落编号。段落中没有答案时，回答“所给段落中没有找到答案”。"
)
MAX_PASSAGE_CHARS = 600


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask the generative model."""

    url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        return self.url.rstrip("/") + "/chat/completions"


@dataclass
class Generated:
    """A generated answer, or why there is none."""

    text: str = ""
    model: str = ""
    error: str = ""

    def to_dict(self) -> dict:
        """JSON-serialisable dict (the ``generated`` field of ``ask --json``)."""
        return asdict(self)


def llm_config() -> LLMConfig | None:
    """The configured endpoint, or None when ``NOTICE_LLM_URL`` is not set."""
    url = os.environ.get("NOTICE_LLM_URL", "").strip()
    if not url:
        return None
    return LLMConfig(url=url, model=os.environ.get("NOTICE_LLM_MODEL", "").strip() or "default",
                     api_key=os.environ.get("NOTICE_LLM_API_KEY", "").strip())


def build_messages(question: str, answer: Answer) -> list[dict]:
    """Chat messages: the rules, then the numbered cited passages and the question."""
    passages = "\n\n".join(
        f"[{number}] 《{hit.title}》{(' ' + hit.section) if hit.section else ''}\n{hit.text[:MAX_PASSAGE_CHARS]}"
        for number, hit in enumerate(answer.citations, 1)
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"段落：\n{passages}\n\n问题：{question}"},
    ]


def generate(question: str, answer: Answer, config: LLMConfig) -> Generated:
    """Ask the configured model for an answer grounded in ``answer``'s citations."""
    if not answer.citations:
        return Generated(model=config.model, error="no passages to ground an answer in")
    body = json.dumps({"model": config.model, "messages": build_messages(question, answer), "temperature": 0})
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    request = urllib.request.Request(config.endpoint, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:
            reply = json.loads(response.read().decode("utf-8"))
        text = reply["choices"][0]["message"]["content"].strip()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return Generated(model=config.model, error=f"endpoint {config.endpoint} not reachable: {exc}")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return Generated(model=config.model, error=f"unexpected reply from {config.endpoint}: {exc!r}")
    return Generated(text=text, model=config.model)
