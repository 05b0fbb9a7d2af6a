"""How the fusion was chosen: retrieval figures for each keyword mode and fusion setting.

    python benchmarks/tune_fusion.py --index data/index

Prints, on ``eval/questions.jsonl`` (tests/shared_data.py), Recall@5, MRR@10 and
answer-hit@5 for keyword-only, vector-only and fused rankings, with the
keyword index over jieba words, Han bigrams or both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402  (the tuned values and shared criteria)
from index.answer.evaluate import evaluate, load_questions  # noqa: E402
from index.encode.encoder import keyword_text  # noqa: E402
from index.retrieve.searcher import Fusion, Searcher  # noqa: E402
from index.store.keyword import KeywordIndex  # noqa: E402


def main() -> None:
    """Print one row per setting."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    args = parser.parse_args()
    questions = [q for q in load_questions(SHARED / "eval" / "questions.jsonl") if q["type"] != "multi"]
    searcher = Searcher(args.index)
    texts = [keyword_text(searcher.documents[c.doc_id], c) for c in searcher.chunks]
    userdict = searcher.keyword.userdict
    keyword_indexes = {mode: KeywordIndex.build(texts, mode=mode, userdict=userdict)
                       for mode in ("words", "bigrams", "both")}
    settings = [("vector only", "both", Fusion(keyword_weight=0.0))]
    for mode in ("words", "bigrams", "both"):
        settings.append((f"keyword only ({mode})", mode, Fusion(dense_weight=0.0)))
    for mode in ("words", "bigrams", "both"):
        for k in sorted({int(tuned.RRF_K), 30, 60}):  # the current value and the alternatives
            for kw in (0.5, 1.0, 1.5):
                settings.append((f"RRF k={k} kw={kw} ({mode})", mode, Fusion(rrf_k=k, keyword_weight=kw)))
    print(f"{'setting':34s} R@5    MRR@10 hit@5  ({len(questions)} questions)")
    for name, mode, fusion in settings:
        searcher.keyword = keyword_indexes[mode]
        searcher.fusion = fusion
        r = evaluate(searcher, questions)
        print(f"{name:34s} {r['recall@5']:.3f}  {r['mrr@10']:.3f}  {r['answer_hit@5']:.3f}")


if __name__ == "__main__":
    main()
