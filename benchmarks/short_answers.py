"""How often the short answer is the asked thing, on the development questions.

    .venv/bin/python benchmarks/short_answers.py --index DIR

For every fact and paraphrase question whose answer sentence holds the labelled answer, the
``short_answer`` counts as right when it holds the labelled answer, or lies inside it and covers at least
half of it (``2020年3月10日`` for ``2020年3月10日至4月20日`` is half right and counts; ``一批`` for
``60个`` does not).  Printed per question type and for the seed (the complete notice) apart, with the
commonest misses.  The sentence choice uses the shipped scorer, fitted on these questions (in sample:
the out-of-fold sentence figures are tune_answer.py's); the span rules themselves are not fitted.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import EVAL  # noqa: E402

from index.answer.evaluate import load_questions  # noqa: E402
from index.answer.reader import Answerer  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402
from index.text.repair import repair_text  # noqa: E402

_NUMBER = re.compile(r"\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+")


def short_right(short: str, gold: str) -> bool:
    """Whether a short answer is the labelled one.

    Right: it holds the labelled answer; or it lies inside it and keeps its figures (``12项`` of
    ``12项主要任务``), its end (``郭天保`` of ``宣传部部长郭天保``) or at least half of it.  Items joined
    with ``；`` count as joined with ``、``.
    """
    short, gold = short.strip().replace("；", "、"), gold.strip()
    if not short or not gold:
        return False
    if gold in short:
        return True
    if short not in gold:
        return False
    figures = _NUMBER.findall(gold)
    return (bool(figures) and all(f in short for f in figures)) or gold.endswith(short) or 2 * len(short) >= len(gold)


def main() -> None:
    """Ask every question, print the short-answer rates."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    args = parser.parse_args()
    answerer = Answerer(Searcher(args.index))
    rows: dict[str, list[bool]] = {}
    misses = []
    for path in sorted(EVAL.glob("questions*.jsonl")):
        for q in load_questions(path):
            gold = repair_text(q.get("answer", ""))
            if q.get("type") not in ("fact", "paraphrase") or not gold:
                continue
            given = answerer.ask(q["query"])
            if given.no_answer or gold not in given.answer:
                continue  # the sentence is wrong: counted by tune_answer.py, not here
            ok = short_right(given.short_answer, gold)
            typed = "untyped" if given.answer_type in ("", "sentence") else "typed"  # typed: a short answer is due
            for key in (q["type"], q["type"] + ("/seed" if "seed" in q.get("relevant", [])[:1] else "/excerpts"),
                        f"{typed}/{given.answer_type or '-'}", typed):
                rows.setdefault(key, []).append(ok)
            if not ok:
                misses.append((q["qid"], given.answer_type, q["query"], gold, given.short_answer))
    print("short answer right, among the questions whose answer sentence is right:")
    for key in sorted(rows):
        print(f"  {key:22s} {sum(rows[key]) / len(rows[key]):.3f}  (n={len(rows[key])})")
    total = rows.get("fact", []) + rows.get("paraphrase", [])
    print(f"  {'all':22s} {sum(total) / max(len(total), 1):.3f}  (n={len(total)})")
    print("\nmisses (qid, question, labelled, short answer):")
    for qid, kind, query, gold, short in misses[:60]:
        print(f"  {qid} [{kind}]  {query}  | {gold} | {short or '（无简答）'}")


if __name__ == "__main__":
    main()
