"""Every tuned constant in one place, with where its value came from (see docs/tuning.md).

The modules that use them import them from here (under the names they always had), and the tuning
scripts in ``benchmarks/`` read the current values and the shared criteria from here instead of
copying them.  The learned answer scorer is data, not a constant: ``index/answer/answer_weights.json``,
written by ``benchmarks/tune_answer.py`` (5-fold CV on the dev questions).
"""

from __future__ import annotations

# -- chunk search: reciprocal rank fusion of BM25 and vectors (index.retrieve.fusion.Fusion) ---------------
#: Chosen by ``benchmarks/tune_fusion.py`` on questions.jsonl (table in docs/tuning.md): RRF k=10 over
#: words + bigrams beat k=60 (answer-hit@5 0.972 vs 0.944); keyword weight 1.5 and 0.5 were no better,
#: so equal weights were kept.
RRF_K = 10.0
KEYWORD_WEIGHT = 1.0
DENSE_WEIGHT = 1.0
#: Candidates taken from each ranking (not tuned: deep enough that the 1M-chunk IVF recall@10 is 0.999).
DEPTH = 100

# -- related notices: document fusion and the cut list (index.analysis.related) ----------------------------
#: Weights of the passage-vector, finding and alternatives' rankings beside the keyword ranking (weight 1),
#: and the reciprocal-rank constant of the document fusion: chosen by 5-fold CV on the 69 multi-notice
#: questions of the three dev files (``benchmarks/tune_related_cut.py``: best uncut Recall@10 per fold, ties
#: by mean average precision).  An alternative is an instance the query names (“蝇贪”, 比如…、…).
PASSAGE_WEIGHT = 0.1
FINDING_WEIGHT = 0.25
DOC_RRF_K = 10.0
ALTERNATIVE_WEIGHT = 0.25
#: The place ranking (a question naming a province: its candidates that name the province's places, most
#: first): chosen with the weights above (grid 0–3).
PLACE_WEIGHT = 2.0
#: The level ranking (a question naming a level of inspection, 省委…巡视: its candidates that name such a body,
#: most first): chosen with the weights above (grid 0–2; the folds chose 1, 0.5, 0.5, 0.5, 0.5; on all 0.5; with
#: it the folds chose k 20, 10, 10, 5, 5, alternatives 0.25–0.5, places 1–2; on all k 10, 0.25, 2).
LEVEL_WEIGHT = 0.5
#: Frame words of the evidence sentence (index.analysis.evidence): a topic bigram in more than FRAME_SHARE of the
#: passages (整改, 责任 …) is not a topic word.  Chosen by 5-fold CV over the 69 multi questions with the evidence
#: rule that the judge replaced (best mean F1 of the listed notices, docs/crossref.md "Third step"); the judge
#: below is fitted on evidence found with it.
FRAME_SHARE = 0.12
#: Which related notices are listed, and their 相关程度 高/中/低, is decided by the judge
#: (index.analysis.judge): a logistic regression over rank and evidence features with its two thresholds,
#: data in index/analysis/judge_weights.json written by ``benchmarks/tune_related_judge.py`` (5 folds
#: grouped by question, the fusion above chosen again inside each fold; figures in docs/crossref.md).

# -- 哪些单位/哪些巡察… list answers (index.answer.reader) -------------------------------------------------
#: A notice ``related`` lists is an item when its evidence covers at least this share of the best item's
#: cover: 5-fold CV of the ratio, F2 against the labelled notices (``benchmarks/tune_notice_list.py``, 60
#: questions of the three dev files; the folds chose 0.2, 0.3, 0.2, 0.4, 0.2).
EVIDENCE_RATIO = 0.2

# -- single answers (index.answer.reader) ----------------------------------------------------------------
#: Passages one notice may fill among the 5 read for an answer. ``benchmarks/tune_answer.py --grid`` /
#: ``--per-doc``, 5 folds grouped by notice (docs/confidence.md): cap 3 fact 0.892 / seed 0.812, cap 5 fact
#: 0.903 / seed 0.875 (scorer and calibration refitted on the cap-5 candidates); 8 passages read instead of
#: 5 gave no more (fact 0.898, paraphrase 0.692).
PER_DOC = 5
#: The ``sure`` threshold and the confidence model live with the scorer in answer/answer_weights.json
#: (fitted by benchmarks/tune_answer.py: nested folds, sure = lowest confidence right ≥ 95 % of the time).

# -- compare and themes (index.analysis.compare, index.analysis.themes) -------------------------------------
#: Least cosine similarity of an aligned pair of findings / of passages (chosen by reading the pairs of
#: the shared corpus; see docs/design.md "Compare and cross-reference").
FINDING_THRESHOLD = 0.96
PASSAGE_THRESHOLD = 0.935
#: Average cosine similarity inside a theme group at least this.  Chosen by 5-fold cross-validation grouped
#: by notice (``benchmarks/bench_themes.py --grid``; docs/themes-2026-12-07.md): the development multi
#: questions that state a problem (8) are labelled topics, each labelling the nearest statement of every
#: notice it lists; the criterion is the pair-counting F1 of statements from two notices (same group vs same
#: topic).  Grid 0.90–0.98 by 0.005; folds chose 0.94, 0.96, 0.94, 0.94, 0.94; out-of-fold F1 0.494
#: (precision 0.765, recall 0.364), in sample 0.556 at 0.94 against 0.476 at the former hand-read 0.95.
THEME_THRESHOLD = 0.94

# -- the tuning criteria the scripts share ----------------------------------------------------------------
#: F-beta of the cut lists (recall weighs twice precision): tune_related_cut.py and tune_notice_list.py.
F_BETA = 2.0
#: Folds of the cross-validations and the seed of their split.
FOLDS = 5
FOLD_SEED = 0
