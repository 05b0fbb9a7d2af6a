"""The notice card: per-field precision/recall on the hand-labelled notices, extraction speed, and how many
development questions the card answers (and how often right).

    .venv/bin/python benchmarks/bench_card.py

Labels: ``tests/data/card_labels.jsonl`` (50 notices read by hand: the seed and 49 drawn at random per kind,
mojibake ones included; ``split`` dev = the seed and the first 30 drawn, on which the rules were developed;
heldout = the other 19, not looked at while writing the rules; targeted = 10 notices chosen afterwards because
they state counts, money, systems or contact details, which the random draw hardly holds — their figures at
first sight are in the report of issue 17, the rules were then corrected on them).
Questions: every development question whose first relevant notice's card answers it (the notice given,
no retrieval); right = the card value is inside
the labelled answer or holds it.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from card_docs import prepared_documents  # noqa: E402
from card_scoring import load_labels, score  # noqa: E402
from shared_data import QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD  # noqa: E402

from index.answer.card_answer import card_answer  # noqa: E402
from ingest.card import CARD_FIELDS, extract_card  # noqa: E402


def _table(title: str, rows: list[dict], cards: dict[str, dict]) -> None:
    print(f"\n{title}（{len(rows)} 篇）")
    print(f"{'字段':<14}{'标注':>5}{'提取':>5}{'正确':>5}{'精确率':>8}{'召回率':>8}")
    for field, s in score(rows, cards).items():
        print(f"{field:<14}{s['labelled']:>5}{s['predicted']:>5}{s['tp']:>5}{s['precision']:>8.2f}{s['recall']:>8.2f}")


def main() -> None:
    docs = prepared_documents()
    t0 = time.perf_counter()
    for doc in docs.values():
        extract_card(doc.text)
    elapsed = time.perf_counter() - t0
    chars = sum(len(d.text) for d in docs.values())
    print(f"提取 {len(docs)} 篇（{chars:,} 字）用时 {elapsed:.3f} 秒，{elapsed / len(docs) * 1000:.2f} 毫秒/篇")
    rows = load_labels()
    cards = {r["id"]: docs[r["id"]].card for r in rows}
    _table("开发集 dev", [r for r in rows if r["split"] == "dev"], cards)
    _table("留出集 heldout", [r for r in rows if r["split"] == "heldout"], cards)
    _table("定向补充 targeted", [r for r in rows if r["split"] == "targeted"], cards)
    _table("全部", rows, cards)

    by_field: dict[str, list[int]] = {}
    total = 0
    for path in (QUESTIONS, QUESTIONS_MORE, QUESTIONS_THIRD):
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            total += 1
            doc = docs.get((q.get("relevant") or [""])[0])
            answer = card_answer(q["query"], doc) if doc else None
            if answer:
                value, gold = re.sub(r"\s+", "", answer["value"]), re.sub(r"\s+", "", str(q.get("answer") or ""))
                by_field.setdefault(answer["field"], []).append(int(bool(gold) and (value in gold or gold in value)))
    answered = sum(len(v) for v in by_field.values())
    right = sum(sum(v) for v in by_field.values())
    print(f"\n开发问题 {total} 个：卡片回答 {answered} 个，其中正确 {right} 个（给定相关通报，不经检索；"
          "问题词规则是看过这些问题后写的，属样本内数字）")
    for field in CARD_FIELDS:
        if field in by_field:
            print(f"  {field:<14}{len(by_field[field]):>4} 个，正确 {sum(by_field[field])}")


if __name__ == "__main__":
    main()
