"""Hostile and odd input: no single file aborts a batch, hangs ingest or exhausts memory.

The files come from the seeded generator in ``hostile_files.py`` (each class
of the issue plus random bytes under every extension), mixed with real
notices of the shared corpus.  Bounds on time and memory are sanity limits
(a hang or a runaway shows as minutes or gigabytes), not speed targets; the
figures are printed by ``benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import hostile_files as H
import pytest
from conftest import NOTICES, REPO, SEED

from index.config import Config, Limits
from index.store import folder as store
from ingest.load import LoadError, iter_files
from ingest.pipeline import _read_file, ingest

#: Sanity bounds for the mixed CLI run (scale 1, 6 real notices, model load included).
MAX_SECONDS = 600  # about 100 s on an idle 2-core machine; the rest is headroom for a loaded one
# Run alone this CLI run peaks at 1.3-1.4 GB (bench_hostile.py: 1.36 GB with 50 real notices); inside the
# full suite the same child process measured 2.8 GB (cause not found yet, see the issue notes). The bound
# is a sanity limit that still catches the runaways the issue saw (12.9 GB, 16 GB).
MAX_RSS_MB = 3584
#: A class read, cleaned, parsed and chunked at the default limits (no embedding) must take less than this.
MAX_CLASS_SECONDS = 60



def _notices() -> list[dict]:
    return H.real_notices(NOTICES)


def test_fuzz_mixed_batch(tmp_path: Path) -> None:
    """Every class together with real notices, through the CLI: exit 0, no traceback, all named, all real in."""
    notices = _notices()
    mixed = tmp_path / "mixed"
    plans = {name: H.generate(name, mixed / name, notices, seed=11) for name in H.CLASSES}
    real = notices[100:106]
    (mixed / "real").mkdir()
    for row in real:
        (mixed / "real" / f"{row['id']}.txt").write_text(H.notice_text(row), encoding="utf-8")
    index = tmp_path / "index"
    start = time.monotonic()
    # --max-chars keeps the accepted pathological files small enough to embed quickly here;
    # test_hostile_classes_bounded runs them at the default limits without embedding.
    proc = subprocess.run([sys.executable, "-c", H.CLI_RUN, str(mixed), "--index", str(index),
                           "--max-chars", "30000"], cwd=REPO, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    rejected = [line for line in proc.stderr.splitlines() if ": 拒绝: " in line]
    for name, plan in plans.items():
        for bad in plan.bad:
            assert any(f"/{name}/{bad}:" in line for line in rejected), f"{name}/{bad} not named as rejected"
        for odd in plan.either:
            assert f"/{name}/{odd}" in out, f"{name}/{odd} not named"
    documents = store.load(index, vectors=False).documents
    for name, plan in plans.items():
        for doc_id in plan.good:
            key = doc_id if name == "jsonl" else f"{name}/{doc_id}"
            assert key in documents, f"real notice {key} of class {name} not indexed"
    for row in real:
        assert f"real/{row['id']}" in documents
    rss_mb = int(proc.stderr.rsplit("MAXRSS_KB ", 1)[1].split()[0]) / 1024
    print(f"mixed fuzz run: {seconds:.0f} s, peak {rss_mb:.0f} MB, {len(documents)} documents, "
          f"{len(rejected)} rejections")
    assert rss_mb < MAX_RSS_MB
    assert seconds < MAX_SECONDS


@pytest.mark.parametrize("name", list(H.CLASSES))
def test_hostile_classes_bounded(name: str, tmp_path: Path) -> None:
    """Each class at the default limits: read, cleaned, parsed and chunked in bounded time, never raising."""
    plan = H.generate(name, tmp_path / name, _notices(), seed=11)
    start = time.monotonic()
    named: list[str] = []
    rejected: list[str] = []
    indexed: set[str] = set()
    for item in iter_files([tmp_path / name]):
        if isinstance(item, LoadError):
            named.append(item.source)
            rejected.append(item.source)
            continue
        for outcome in _read_file(item.path, item.doc_id, item.shown, Config(), Limits()):
            if isinstance(outcome, LoadError):
                rejected.append(outcome.source)
                named.append(outcome.source)
            else:
                indexed.add(outcome[0].doc_id)
                named.append(outcome[2])
    assert time.monotonic() - start < MAX_CLASS_SECONDS
    for bad in plan.bad:
        assert any(src.endswith(f"/{bad}") or f"/{bad}:" in src for src in rejected), f"{bad} not rejected"
    for odd in plan.either:
        assert any(f"/{odd}" in src for src in named), f"{odd} not named"
    assert set(plan.good) <= indexed, set(plan.good) - indexed
    if name == "symlinks":
        assert indexed == {"real"}  # the real file once, however many links lead to it


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """a/1.txt, b/1.txt (two real notices) and the seed directly under the ingested folder."""
    folder = tmp_path_factory.mktemp("same-stem") / "corpus"
    rows = _notices()[:2]
    for sub, row in zip(("a", "b"), rows, strict=True):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "1.txt").write_text(H.notice_text(row), encoding="utf-8")
    shutil.copy(SEED, folder / "seed.txt")
    root = tmp_path_factory.mktemp("same-stem-index")
    report = ingest([folder], root, progress=False)
    assert not report.rejected, report.rejected
    return root


def test_same_name_in_two_folders_two_documents(small_index: Path) -> None:
    """a/1.txt and b/1.txt are two documents; the seed keeps its stem; re-ingesting keeps the ids."""
    documents = store.load(small_index, vectors=False).documents
    assert {"a/1", "b/1", "seed"} <= set(documents)
    assert documents["a/1"].text != documents["b/1"].text
    folder = Path(documents["a/1"].source).parent.parent
    again = ingest([folder], small_index, progress=False)
    assert sorted(again.unchanged) == ["a/1", "b/1", "seed"] and not again.written


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, input=stdin)


@pytest.mark.parametrize("option", [("--top", "0"), ("--top", "-1"), ("--per-doc", "-1")])
def test_top_and_per_doc_must_be_positive(option: tuple[str, str], small_index: Path) -> None:
    """--top 0/-1 and a negative --per-doc are refused with one clear line, before any search."""
    proc = _cli("search", "巡察整改", "--index", str(small_index), *option)
    assert proc.returncode == 2
    assert f"{option[0]} 必须是正整数" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_odd_query_text_never_a_traceback(small_index: Path, tmp_path: Path) -> None:
    """Lone surrogates, NUL bytes and a 1 MB query: results or one error line, never a traceback."""
    queries = tmp_path / "q.jsonl"
    rows = [{"qid": "sur", "query": "巡察\ud800整改"}, {"qid": "nul", "query": "张家界\x00宣传部"}]
    queries.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    proc = _cli("search", "--queries", str(queries), "--index", str(small_index), "--json")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["qid"] for r in lines] == ["sur", "nul"] and all(r["hits"] for r in lines)
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"qid": "big", "query": "整改" * 500_000}) + "\n", encoding="utf-8")
    # argv cannot hold NUL and holds at most 128 KiB per argument: odd bytes and 120 KiB there
    for args in (("search", "--queries", str(big)), ("ask", "巡察\udcff整改"), ("search", "整改" * 20_000)):
        proc = _cli(*args, "--index", str(small_index))
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert (proc.returncode == 0 and proc.stdout) or (proc.returncode == 2 and len(errors) == 1), proc.stderr


def test_time_budget_rejects_and_the_batch_goes_on(tmp_path: Path) -> None:
    """A document over its time budget is one 过于复杂 rejection; the alarm is disarmed afterwards."""
    import signal

    slow = tmp_path / "headings.txt"
    slow.write_text("".join(f"{i % 99 + 1}. 落实不到位。\n" for i in range(1_500)), encoding="utf-8")
    before = signal.getsignal(signal.SIGALRM)
    outcomes = list(_read_file(slow, "headings", str(slow), Config(), Limits(file_seconds=0.05)))
    assert len(outcomes) == 1 and isinstance(outcomes[0], LoadError)
    assert outcomes[0].reason.startswith("过于复杂：") and "--file-seconds" in outcomes[0].reason
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    normal = list(_read_file(slow, "headings", str(slow), Config(), Limits()))
    assert len(normal) == 1 and not isinstance(normal[0], LoadError)
