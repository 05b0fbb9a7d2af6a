"""Fit the answer scorer with k-fold cross-validation and print out-of-fold and in-sample figures.

    .venv/bin/python benchmarks/tune_answer.py --index /tmp/i8-index [--folds 5] [--write]

Questions: both dev files (``../shared/eval/questions.jsonl`` and
``questions_more.jsonl``: 165, of which 136 fact/paraphrase) plus the
unanswerable questions of ``tests/data/unanswerable.jsonl``.  For each
question the candidates and their features are computed once
(:meth:`index.answer.reader.Answerer.candidates`); then, per fold, a linear scorer
over the features is fitted on the other folds (a listwise logistic loss:
softmax over a question's sentences, the answer-holding ones as targets,
L2-regularised, in numpy) and a not-found threshold on its score is chosen
on those folds; the held-out fold is answered with them.  The figures are

- accuracy fact / paraphrase: the answer string inside the chosen sentence
  (a not-found answer counts as wrong);
- no-answer rate on the unanswerable questions (and, as false alarms, on
  the answerable ones);

out of fold, and in sample (fitted on everything).  The hand-set weights
are printed beside them.  ``--write`` saves the scorer fitted on all
questions to ``index/answer/answer_weights.json`` (plain numbers, no pickle).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

from index import tuned  # noqa: E402  (the tuned values and shared criteria)
from index.answer.evaluate import load_questions  # noqa: E402
from index.answer.reader import FEATURES, WEIGHTS, WEIGHTS_FILE, Answerer  # noqa: E402
from index.retrieve.searcher import Searcher  # noqa: E402
from index.text.repair import repair_text  # noqa: E402

UNANSWERABLE = REPO / "tests" / "data" / "unanswerable.jsonl"
L2 = 0.01


@dataclass
class Item:
    """One question's candidates, as the tuner sees them."""

    qid: str
    kind: str  # fact, paraphrase, unanswerable
    x: np.ndarray  # candidates × features
    y: np.ndarray  # 1 where the sentence holds the answer
    gate: np.ndarray  # True where choosing the candidate would give "not found" whatever its score


def collect(answerer: Answerer, questions: list[dict]) -> list[Item]:
    """Features and labels of every fact, paraphrase and unanswerable question."""
    items = []
    for q in questions:
        if q.get("type") == "multi":
            continue
        ask, hits, cands = answerer.candidates(q["query"])
        answer = repair_text(q.get("answer", ""))
        if not cands:
            items.append(Item(q["qid"], q["type"], np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0, bool)))
            continue
        x = np.vstack([c.features for c in cands])
        y = np.array([bool(answer) and answer in hits[c.rank].text[c.start:c.end] for c in cands], dtype=float)
        gate = np.array([not answerer.eligible(ask, c) for c in cands])
        items.append(Item(q["qid"], q["type"], x, y, gate))
    return items


def cache_vectors(searcher: Searcher, path: Path, queries: list[str]) -> None:
    """Fill the searcher's query-vector cache from ``path`` (embedding and saving what is missing)."""
    from index.text.query import clean_query

    saved = dict(np.load(path)) if path.is_file() else {}
    cleaned = [clean_query(q) for q in queries]
    missing = [c for c in cleaned if c not in saved]
    if missing:
        for c, v in zip(missing, searcher.embedder.encode_queries(missing), strict=True):
            saved[c] = v
        np.savez(path, **saved)
    searcher._query_vectors = {c: saved[c] for c in cleaned}
    import index.retrieve.searcher as search_module

    search_module.QUERY_CACHE_SIZE = len(cleaned) + 1


def hand_scores(x: np.ndarray) -> np.ndarray:
    """The hand-set weights (the scorer before the learned one)."""
    f = {name: x[:, i] for i, name in enumerate(FEATURES)}
    return f["cover"] + WEIGHTS["holds"] * f["holds"] + WEIGHTS["rank"] * f["rank"] + WEIGHTS["dense"] * f["dense"]


def fit(items: list[Item], epochs: int = 400, lr: float = 0.5) -> dict:
    """A linear scorer fitted by a listwise logistic loss (softmax over each question's sentences)."""
    train = [it for it in items if len(it.y) and it.y.any()]
    allx = np.vstack([it.x for it in train])
    mean, scale = allx.mean(0), allx.std(0) + 1e-6
    xs = [(it.x - mean) / scale for it in train]
    w = np.zeros(allx.shape[1])
    for _ in range(epochs):
        grad = L2 * w
        for x, it in zip(xs, train, strict=True):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            q = p * it.y
            q /= q.sum()
            grad += x.T @ (p - q) / len(train)
        w -= lr * grad
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(), "coef": w.tolist(),
            "bias": 0.0, "threshold": None}


def linear(model: dict):
    """Score function of a fitted model."""
    mean, scale, coef = (np.asarray(model[k]) for k in ("mean", "scale", "coef"))
    return lambda x: ((x - mean) / scale) @ coef + model["bias"]


def outcome(item: Item, scores: np.ndarray, threshold: float) -> tuple[bool, bool]:
    """(correct, said not-found) for one question."""
    if not len(scores):
        return item.kind == "unanswerable", True
    open_scores = np.where(item.gate, -np.inf, scores)
    best = int(np.argmax(open_scores))
    none = not np.isfinite(open_scores[best]) or open_scores[best] < threshold
    if item.kind == "unanswerable":
        return none, none
    return (not none) and bool(item.y[best]), none


def choose_threshold(items: list[Item], score) -> float:
    """The not-found threshold that makes the most questions right (answerable and unanswerable alike)."""
    tops = sorted({float(np.where(it.gate, -np.inf, score(it.x)).max()) for it in items if len(it.y)})
    tops = [t for t in tops if np.isfinite(t)]
    options = [-np.inf] + [t + 1e-9 for t in tops]
    best, best_right = -np.inf, -1
    for t in options:
        right = sum(outcome(it, score(it.x), t)[0] for it in items)
        if right > best_right:
            best, best_right = t, right
    return best


def report(name: str, items: list[Item], results: dict[str, tuple[bool, bool]]) -> dict:
    """Print and return accuracy per kind and the not-found rates."""
    out = {}
    for kind in ("fact", "paraphrase", "unanswerable"):
        rows = [results[it.qid] for it in items if it.kind == kind]
        out[kind] = sum(r[0] for r in rows) / max(len(rows), 1)
    answerable = [results[it.qid] for it in items if it.kind != "unanswerable"]
    out["false_not_found"] = sum(r[1] for r in answerable) / max(len(answerable), 1)
    print(f"{name:28s} fact {out['fact']:.3f}  paraphrase {out['paraphrase']:.3f}  "
          f"unanswerable→not found {out['unanswerable']:.3f}  answerable→not found {out['false_not_found']:.3f}")
    return out


def main() -> None:
    """Cross-validate, print, optionally write the scorer."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    parser.add_argument("--seed", type=int, default=tuned.FOLD_SEED)
    parser.add_argument("--write", action="store_true", help="save the scorer fitted on all questions")
    parser.add_argument("--vector-cache", type=Path, help="npz of query vectors, read and written (faster reruns)")
    parser.add_argument("--dump", type=Path, help="write each question's out-of-fold outcome here (JSON lines)")
    args = parser.parse_args()
    questions = (load_questions(SHARED / "eval" / "questions.jsonl") +
                 load_questions(SHARED / "eval" / "questions_more.jsonl") + load_questions(UNANSWERABLE))
    searcher = Searcher(args.index)
    if args.vector_cache:
        cache_vectors(searcher, args.vector_cache, [q["query"] for q in questions])
    answerer = Answerer(searcher, scorer=None)
    items = collect(answerer, questions)
    counts = {k: sum(it.kind == k for it in items) for k in ("fact", "paraphrase", "unanswerable")}
    print(f"questions: {counts}, {args.folds}-fold cross-validation\n")

    report("hand weights, no threshold", items, {it.qid: outcome(it, hand_scores(it.x), -np.inf) for it in items})
    rng = np.random.default_rng(args.seed)
    folds = rng.permutation(len(items)) % args.folds
    oof: dict[str, tuple[bool, bool]] = {}
    oof_hand: dict[str, tuple[bool, bool]] = {}
    for k in range(args.folds):
        train = [it for it, f in zip(items, folds, strict=True) if f != k]
        test = [it for it, f in zip(items, folds, strict=True) if f == k]
        model = fit(train)
        score = linear(model)
        threshold = choose_threshold(train, score)
        hand_threshold = choose_threshold(train, hand_scores)
        for it in test:
            oof[it.qid] = outcome(it, score(it.x), threshold)
            oof_hand[it.qid] = outcome(it, hand_scores(it.x), hand_threshold)
    report("hand weights, out of fold", items, oof_hand)
    report("learned, out of fold", items, oof)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as handle:
            for it, q in zip(items, [q for q in questions if q.get("type") != "multi"], strict=True):
                handle.write(json.dumps({"qid": it.qid, "query": q["query"], "answer": q.get("answer", ""),
                                         "ok": bool(oof[it.qid][0]), "none": bool(oof[it.qid][1]),
                                         "any_pos": bool(it.y.any()), "any_pos_open": bool((it.y * ~it.gate).any())},
                                        ensure_ascii=False) + "\n")
    model = fit(items)
    score = linear(model)
    model["threshold"] = choose_threshold(items, score)
    report("learned, in sample", items, {it.qid: outcome(it, score(it.x), model["threshold"]) for it in items})
    print("\nweights (standardised features):")
    for name, c in zip(FEATURES, model["coef"], strict=True):
        print(f"  {name:10s} {c:+.3f}")
    print(f"  threshold  {model['threshold']:+.3f}")
    if args.write:
        model["threshold"] = float(model["threshold"]) if np.isfinite(model["threshold"]) else -1e9
        WEIGHTS_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"written {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
