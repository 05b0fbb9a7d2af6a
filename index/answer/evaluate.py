"""Retrieval and answer quality on a labelled question file.

Questions are JSON lines with ``qid``, ``query``, ``type`` (fact, paraphrase,
multi), ``relevant`` (document ids) and ``answer`` (a string found verbatim in
the clean text of the first relevant document).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from index.answer.reader import Answerer
from index.cli_text import json_reason
from index.retrieve.searcher import Hit, Searcher
from index.text.repair import repair_text


def load_questions(path: Path) -> list[dict]:
    """Read a question file (JSON lines)."""
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: 不是一行 JSON（{json_reason(exc)}）") from exc
    return rows


def _doc_ranking(hits: list[Hit]) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        if hit.doc_id not in seen:
            seen.append(hit.doc_id)
    return seen


def evaluate(searcher: Searcher, questions: list[dict],
             related: Callable[[str, int], list[str]] | None = None) -> dict:
    """Compute the report's figures; ``related(query, k)`` ranks documents for multi questions.

    Returns a dict with ``recall@5``, ``mrr@10``, ``answer_hit@5`` (fact and
    paraphrase), ``answer_accuracy`` (fact), ``answer_accuracy_paraphrase``,
    ``not_found`` (share of fact/paraphrase questions answered "not found"),
    ``multi_recall@10``, counts and the per-question details under ``questions``.
    Questions of type ``unanswerable`` count only in ``unanswerable_not_found``.
    """
    answerer = Answerer(searcher)
    single = [q for q in questions if q.get("type") in ("fact", "paraphrase") and q.get("relevant")]
    unanswerable = [q for q in questions if q.get("type") == "unanswerable"]
    multi = [q for q in questions if q.get("type") == "multi" and q.get("relevant")]
    details = []
    recall5 = mrr = hit5 = acc = acc_para = not_found = 0.0
    facts = paraphrases = 0
    for q in single:
        hits = searcher.search(q["query"], top=10)
        docs = _doc_ranking(hits)
        relevant = set(q["relevant"])
        rank = next((i + 1 for i, d in enumerate(docs[:10]) if d in relevant), None)
        answer = repair_text(q.get("answer", ""))
        in_top5 = bool(answer) and any(answer in h.text for h in hits[:5])
        row = {"qid": q["qid"], "type": q.get("type"), "rank": rank, "answer_hit@5": in_top5}
        recall5 += bool(rank and rank <= 5)
        mrr += 1.0 / rank if rank else 0.0
        hit5 += in_top5
        if answer:
            given = answerer.ask(q["query"])
            ok = answer in given.answer
            row.update(answer=given.answer, short_answer=given.short_answer, no_answer=given.no_answer,
                       answer_type=given.answer_type, answer_ok=ok)
            not_found += given.no_answer
            if q.get("type") == "fact":
                facts += 1
                acc += ok
            else:
                paraphrases += 1
                acc_para += ok
        details.append(row)
    said_none = 0
    for q in unanswerable:
        given = answerer.ask(q["query"])
        said_none += given.no_answer
        details.append({"qid": q["qid"], "type": "unanswerable", "no_answer": given.no_answer,
                        "answer": given.answer, "short_answer": given.short_answer})
    multi_recall = 0.0
    for q in multi:
        ranked = related(q["query"], 10) if related else _doc_ranking(searcher.search(q["query"], top=30, per_doc=1))
        found = len(set(ranked[:10]) & set(q["relevant"])) / len(set(q["relevant"]))
        multi_recall += found
        details.append({"qid": q["qid"], "type": "multi", "recall@10": round(found, 3)})
    n = max(len(single), 1)
    return {
        "questions": details,
        "count": len(single),
        "count_fact": facts,
        "count_multi": len(multi),
        "recall@5": round(recall5 / n, 4),
        "mrr@10": round(mrr / n, 4),
        "answer_hit@5": round(hit5 / n, 4),
        "answer_accuracy": round(acc / max(facts, 1), 4),
        "answer_accuracy_paraphrase": round(acc_para / max(paraphrases, 1), 4),
        "not_found": round(not_found / max(facts + paraphrases, 1), 4),
        "count_unanswerable": len(unanswerable),
        "unanswerable_not_found": round(said_none / max(len(unanswerable), 1), 4),
        "multi_recall@10": round(multi_recall / max(len(multi), 1), 4),
    }
