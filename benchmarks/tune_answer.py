"""Fit the answer scorer and its confidence calibration by k-fold cross-validation grouped by notice.

    .venv/bin/python benchmarks/tune_answer.py --index DIR [--folds 5] [--grid] [--write]

Questions: every development file (``eval/questions*.jsonl`` where tests/shared_data.py points)
plus ``tests/data/unanswerable.jsonl``; multi-notice questions are left to ``tune_notice_list.py``.
Folds are grouped by notice: all questions about one notice (the seed's 39 included) are in the same
fold, so a figure never comes from a notice the scorer was fitted on.  Unanswerable questions form one
group each.

Per fold, on the other folds:

1. a linear scorer over the answer features (listwise logistic loss: softmax over a question's sentences,
   the answer-holding ones as targets, L2-regularised, numpy);
2. the not-found threshold on its score that makes the most training questions right;
3. a calibration of the scorer into ``confidence``: a logistic regression of "this sentence holds the
   asked fact" on (log-odds of the sentence's softmax share among the open sentences, its score, whether
   it is the top one), fitted on the *out-of-fold* scores of the training folds (nested folds), so the
   probabilities are those of a scorer that did not see the question;
4. the ``sure`` threshold: the lowest confidence at which training answers at or above it are right
   ≥ 95% of the time.

The held-out fold is answered with them.  Printed: accuracy per question type and per notice length
(the seed, 40 KB, vs the excerpts), not-found rates, the reliability table and expected calibration
error of ``confidence``, precision and coverage of ``sure``, and the rate at which the right sentence is
the answer or one of its ``candidates``.  ``--grid`` also compares the passages read per question and
the per-notice cap.  ``--write`` saves the scorer and calibration fitted on all questions to
``index/answer/answer_weights.json`` (plain numbers, no pickle).
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
from index.answer.reader import (  # noqa: E402
    CALIBRATION_FEATURES,
    FEATURES,
    MAX_CANDIDATES,
    PER_DOC,
    WEIGHTS,
    WEIGHTS_FILE,
    Answerer,
    calibration_inputs,
)
from index.retrieve.searcher import Searcher  # noqa: E402
from index.text.repair import repair_text  # noqa: E402

UNANSWERABLE = REPO / "tests" / "data" / "unanswerable.jsonl"
L2 = 0.01
#: L2 of the confidence model (more inputs than the three it read at first: 1.0 instead of 0.001).
CALIBRATION_L2 = 1.0
#: Columns of calibration_inputs with the candidate features.
CALIBRATION_WIDTH = 5 + len(CALIBRATION_FEATURES)
#: Precision the ``sure`` answers must reach (the issue's target).
SURE_PRECISION = 0.95
LONG_DOCS = {"seed"}  # the one complete, full-length notice of the corpus


@dataclass
class Item:
    """One question's candidates, as the tuner sees them."""

    qid: str
    kind: str  # fact, paraphrase, unanswerable
    group: str  # the notice it is about (folds are drawn by group)
    x: np.ndarray  # candidates × features
    y: np.ndarray  # 1 where the sentence holds the answer
    gate: np.ndarray  # True where choosing the candidate would give "not found" whatever its score
    sentences: list[str]  # each candidate's sentence text (alternatives must differ)

    @property
    def long(self) -> bool:
        return self.group in LONG_DOCS


def development_questions() -> list[dict]:
    """All labelled non-multi questions: the development files and the unanswerable ones."""
    files = sorted((SHARED / "eval").glob("questions*.jsonl"))
    rows = [q for f in files for q in load_questions(f)] + load_questions(UNANSWERABLE)
    return [q for q in rows if q.get("type") != "multi"]


def collect(answerer: Answerer, questions: list[dict]) -> list[Item]:
    """Features and labels of every fact, paraphrase and unanswerable question."""
    items = []
    for q in questions:
        ask, hits, cands = answerer.candidates(q["query"])
        answer = repair_text(q.get("answer", ""))
        relevant = q.get("relevant") or []
        group = relevant[0] if relevant else "u:" + q["qid"]
        if not cands:
            items.append(Item(q["qid"], q["type"], group, np.zeros((0, len(FEATURES))), np.zeros(0),
                              np.zeros(0, bool), []))
            continue
        x = np.vstack([c.features for c in cands])
        texts = [hits[c.rank].text[c.start:c.end] for c in cands]
        y = np.array([bool(answer) and q["type"] != "unanswerable" and answer in t for t in texts], dtype=float)
        gate = np.array([not answerer.eligible(ask, c) for c in cands])
        items.append(Item(q["qid"], q["type"], group, x, y, gate, texts))
    return items


def save_items(path: Path, items: list[Item]) -> None:
    """Write the collected items as plain JSON."""
    rows = [{"qid": it.qid, "kind": it.kind, "group": it.group, "x": it.x.tolist(), "y": it.y.tolist(),
             "gate": it.gate.tolist(), "sentences": it.sentences} for it in items]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def load_items(path: Path) -> list[Item]:
    """Items written by :func:`save_items`."""
    return [Item(r["qid"], r["kind"], r["group"], np.asarray(r["x"], dtype="float64").reshape(-1, len(FEATURES)),
                 np.asarray(r["y"], dtype="float64"), np.asarray(r["gate"], dtype=bool), r["sentences"])
            for r in json.loads(path.read_text(encoding="utf-8"))]


def cache_vectors(searcher: Searcher, path: Path, queries: list[str]) -> None:
    """Fill the searcher's query-vector cache from ``path`` (embedding and saving what is missing)."""
    from index.text.query import clean_query

    saved = dict(np.load(path)) if path.is_file() else {}
    cleaned = [clean_query(q) for q in queries]
    missing = [c for c in dict.fromkeys(cleaned) if c not in saved]
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


def grouped_folds(items: list[Item], folds: int, seed: int) -> np.ndarray:
    """A fold per item such that all items of one group (notice) share it."""
    groups = sorted({it.group for it in items})
    order = np.random.default_rng(seed).permutation(len(groups))
    fold_of = {groups[i]: n % folds for n, i in enumerate(order)}
    return np.array([fold_of[it.group] for it in items])


# --- calibration -------------------------------------------------------------------------------------

def calibration_rows(item: Item, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels) of every open candidate of one question, as :func:`calibration_inputs` gives them."""
    if not len(scores):
        return np.zeros((0, CALIBRATION_WIDTH)), np.zeros(0)
    open_ = ~item.gate
    if not open_.any():
        return np.zeros((0, CALIBRATION_WIDTH)), np.zeros(0)
    return calibration_inputs(scores[open_], item.x[open_]), item.y[open_]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> dict:
    """Plain logistic regression by Newton's method (a handful of inputs: no library needed)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + l2 * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return {"coef": w[:-1].tolist(), "bias": float(w[-1])}


def apply_logistic(model: dict, x: np.ndarray) -> np.ndarray:
    """Probabilities of a :func:`fit_logistic` model."""
    return 1 / (1 + np.exp(-(x @ np.asarray(model["coef"]) + model["bias"])))


def oof_scores(items: list[Item], folds: np.ndarray) -> list[np.ndarray]:
    """Each item's candidate scores from a scorer fitted on the other folds."""
    out: list[np.ndarray] = [np.zeros(0)] * len(items)
    for k in sorted(set(folds)):
        model = fit([it for it, f in zip(items, folds, strict=True) if f != k])
        score = linear(model)
        for i, (it, f) in enumerate(zip(items, folds, strict=True)):
            if f == k:
                out[i] = score(it.x)
    return out


def fit_calibration(items: list[Item], scores: list[np.ndarray]) -> dict:
    """The confidence model fitted on (out-of-fold) scores of ``items``."""
    rows = [calibration_rows(it, s) for it, s in zip(items, scores, strict=True)]
    x = np.vstack([r[0] for r in rows if len(r[1])])
    y = np.concatenate([r[1] for r in rows if len(r[1])])
    return {**fit_logistic(x, y, l2=CALIBRATION_L2), "inputs": "features"}


def top_answer(item: Item, scores: np.ndarray, threshold: float, calib: dict) -> dict:
    """What ``ask`` would return for ``item``: the chosen candidate, right or not, its confidence, alternatives."""
    if not len(scores) or (~item.gate).sum() == 0:
        return {"none": True, "right": item.kind == "unanswerable", "confidence": 0.0, "any_right": False}
    idx = np.flatnonzero(~item.gate)
    open_scores = scores[idx]
    conf = apply_logistic(calib, calibration_inputs(open_scores, item.x[idx]))
    order = np.argsort(-open_scores)
    best = idx[order[0]]
    none = open_scores[order[0]] < threshold
    if item.kind == "unanswerable":
        return {"none": none, "right": none, "confidence": 0.0 if none else float(conf[order[0]]),
                "any_right": False, "answered_right": False}
    shown, seen = [best], {item.sentences[best]}
    for j in order[1:]:
        if len(shown) > MAX_CANDIDATES:
            break
        if item.sentences[idx[j]] not in seen:
            shown.append(idx[j])
            seen.add(item.sentences[idx[j]])
    right = bool(item.y[best])
    return {"none": none, "right": (not none) and right, "answered_right": right,
            "confidence": 0.0 if none else float(conf[order[0]]),
            "any_right": bool(item.y[shown].any())}


def choose_sure(results: list[dict]) -> float:
    """The lowest confidence at which answers at or above it are right ≥ SURE_PRECISION of the time."""
    answered = sorted(((r["confidence"], r["right"]) for r in results if not r["none"]), reverse=True)
    best, right = 1.0, 0
    for n, (conf, ok) in enumerate(answered, 1):
        right += ok
        if right / n >= SURE_PRECISION:
            best = conf
    return best


def reliability(results: list[dict], bins: int = 10) -> tuple[list[tuple[str, int, float, float]], float]:
    """(bin, count, mean confidence, share right) per confidence bin of the answered questions; the ECE."""
    answered = [r for r in results if not r["none"]]
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rows = [r for r in answered if lo <= r["confidence"] < hi or (b == bins - 1 and r["confidence"] == 1.0)]
        if not rows:
            continue
        conf = float(np.mean([r["confidence"] for r in rows]))
        acc = float(np.mean([r["right"] for r in rows]))
        table.append((f"{lo:.1f}–{hi:.1f}", len(rows), conf, acc))
        ece += len(rows) / max(len(answered), 1) * abs(conf - acc)
    return table, ece


def cross_validate(items: list[Item], folds_n: int, seed: int) -> dict[str, dict]:
    """Out-of-fold results per question (nested folds for the calibration and the sure threshold)."""
    folds = grouped_folds(items, folds_n, seed)
    results: dict[str, dict] = {}
    for k in range(folds_n):
        train = [it for it, f in zip(items, folds, strict=True) if f != k]
        test = [it for it, f in zip(items, folds, strict=True) if f == k]
        model = fit(train)
        score = linear(model)
        threshold = choose_threshold(train, score)
        inner = grouped_folds(train, folds_n, seed + 1)
        inner_scores = oof_scores(train, inner)
        calib = fit_calibration(train, inner_scores)
        inner_threshold = choose_threshold(train, score)
        sure = choose_sure([top_answer(it, s, inner_threshold, calib)
                            for it, s in zip(train, inner_scores, strict=True)])
        for it in test:
            r = top_answer(it, score(it.x), threshold, calib)
            r["sure"] = (not r["none"]) and r["confidence"] >= sure
            results[it.qid] = r
    return results


def report(name: str, items: list[Item], results: dict[str, dict]) -> dict:
    """Print and return the figures of one set of results."""
    out: dict[str, float] = {}

    def rate(rows: list[dict], key: str) -> float:
        return sum(bool(r[key]) for r in rows) / max(len(rows), 1)

    parts = []
    for kind in ("fact", "paraphrase", "unanswerable"):
        for length, keep in (("all", lambda it: True), ("seed", lambda it: it.long), ("excerpts",
                                                                                       lambda it: not it.long)):
            rows = [results[it.qid] for it in items if it.kind == kind and keep(it)]
            if not rows or (kind == "unanswerable" and length != "all"):
                continue
            out[f"{kind}_{length}"] = rate(rows, "right")
            parts.append(f"{kind}/{length} {out[f'{kind}_{length}']:.3f} (n={len(rows)})")
    answerable = [results[it.qid] for it in items if it.kind != "unanswerable"]
    out["false_not_found"] = rate(answerable, "none")
    print(f"{name}\n  " + "  ".join(parts) + f"\n  answerable→not found {out['false_not_found']:.3f}")
    if "sure" in next(iter(results.values())):
        sure = [r for r in answerable if r.get("sure")]
        unans = [results[it.qid] for it in items if it.kind == "unanswerable"]
        out["sure_precision"] = rate(sure, "right")
        out["sure_coverage"] = len(sure) / max(len(answerable), 1)
        out["unanswerable_not_sure"] = sum(r["none"] or not r.get("sure") for r in unans) / max(len(unans), 1)
        for kind in ("fact", "paraphrase"):
            rows = [results[it.qid] for it in items if it.kind == kind]
            out[f"in_candidates_{kind}"] = rate(rows, "any_right")
        table, ece = reliability(list(results.values()))
        out["ece"] = ece
        print(f"  sure: right {out['sure_precision']:.3f}, on {out['sure_coverage']:.3f} of answerable; "
              f"unanswerable → not found or not sure {out['unanswerable_not_sure']:.3f}")
        print(f"  right sentence among answer + candidates: fact {out['in_candidates_fact']:.3f}, "
              f"paraphrase {out['in_candidates_paraphrase']:.3f}")
        print(f"  reliability (answered questions), ECE {ece:.3f}:")
        for label, n, conf, acc in table:
            print(f"    {label}  n={n:3d}  confidence {conf:.2f}  right {acc:.2f}")
    return out


def main() -> None:
    """Cross-validate, print, optionally write the scorer and its calibration."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "data" / "index")
    parser.add_argument("--folds", type=int, default=tuned.FOLDS)
    parser.add_argument("--seed", type=int, default=tuned.FOLD_SEED)
    parser.add_argument("--grid", action="store_true", help="also compare passages read and the per-notice cap")
    parser.add_argument("--write", action="store_true", help="save the scorer fitted on all questions")
    parser.add_argument("--vector-cache", type=Path, help="npz of query vectors, read and written (faster reruns)")
    parser.add_argument("--dump", type=Path, help="write each question's out-of-fold outcome here (JSON lines)")
    parser.add_argument("--items-cache", type=Path, help="JSON of the collected features, read or written "
                        "(reruns of the fitting skip retrieval; delete it when the features change)")
    parser.add_argument("--per-doc", type=int, default=PER_DOC, help="passages one notice may fill (index/tuned.py)")
    parser.add_argument("--passages", type=int, default=5, help="passages read per question")
    args = parser.parse_args()
    questions = development_questions()
    searcher = Searcher(args.index)
    if args.vector_cache:
        cache_vectors(searcher, args.vector_cache, [q["query"] for q in questions])
    answerer = Answerer(searcher, passages=args.passages, scorer=None)
    answerer.per_doc = args.per_doc
    if args.grid:
        print("grid: passages read × per-notice cap (accuracy out of fold, grouped by notice)")
        for passages in (5, 8):
            for per_doc in (3, 5):
                answerer.passages, answerer.per_doc = passages, per_doc
                its = collect(answerer, questions)
                report(f"passages {passages}, per notice {per_doc}", its, cross_validate(its, args.folds, args.seed))
        answerer.passages, answerer.per_doc = args.passages, args.per_doc
    if args.items_cache and args.items_cache.is_file():
        items = load_items(args.items_cache)
    else:
        items = collect(answerer, questions)
        if args.items_cache:
            save_items(args.items_cache, items)
    counts = {k: sum(it.kind == k for it in items) for k in ("fact", "paraphrase", "unanswerable")}
    print(f"\nquestions: {counts}, {len({it.group for it in items})} groups, {args.folds}-fold CV grouped by notice\n")
    folds = grouped_folds(items, args.folds, args.seed)
    hand = {}
    for k in range(args.folds):
        train = [it for it, f in zip(items, folds, strict=True) if f != k]
        t = choose_threshold(train, hand_scores)
        for it, f in zip(items, folds, strict=True):
            if f == k:
                c, n = outcome(it, hand_scores(it.x), t)
                hand[it.qid] = {"right": c, "none": n}
    report("hand weights, out of fold", items, hand)
    oof = cross_validate(items, args.folds, args.seed)
    report("learned + calibrated, out of fold", items, oof)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as handle:
            for it, q in zip(items, questions, strict=True):
                r = {k: float(v) if k == "confidence" else bool(v) for k, v in oof[it.qid].items()}
                row = {"qid": it.qid, "query": q["query"], "answer": q.get("answer", ""), "group": it.group, **r}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    model = fit(items)
    score = linear(model)
    model["threshold"] = choose_threshold(items, score)
    all_folds = grouped_folds(items, args.folds, args.seed)
    all_oof = oof_scores(items, all_folds)
    calib = fit_calibration(items, all_oof)
    calib["sure"] = choose_sure([top_answer(it, s, model["threshold"], calib)
                                 for it, s in zip(items, all_oof, strict=True)])
    model["calibration"] = calib
    print("\nweights (standardised features):")
    for name, c in zip(FEATURES, model["coef"], strict=True):
        print(f"  {name:10s} {c:+.3f}")
    print(f"  threshold  {model['threshold']:+.3f}")
    print(f"  calibration {calib}")
    if args.write:
        model["threshold"] = float(model["threshold"]) if np.isfinite(model["threshold"]) else -1e9
        WEIGHTS_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"written {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
