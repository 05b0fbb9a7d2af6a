"""Hostile and odd input through ``python -m ingest``: time, rejections by reason, peak memory.

    python benchmarks/bench_hostile.py [--scale 10] [--notices 50] [--timeout 600] [--only CLASS]

Each class of ``tests/hostile_files.py`` (non-UTF-8 names, same names in
different folders, symbolic links, odd DOCX, broken/huge JSONL, pathological
text, deep HTML, random bytes under every extension) is generated at
``--scale`` (10: the sizes the issue describes — a 12 MB text line, 100,000
numbered findings or dates, 100,000-deep HTML, a 120 MB JSONL line, 100,000
broken JSONL lines) and ingested alone into a fresh index, each run in its own
process under ``timeout`` so a hang cannot stall the machine; then all classes
together with ``--notices`` real notices from ``tests/data/shared/corpus``.  Default
limits throughout.  Prints, per class, the slowest files when only read,
cleaned, parsed and chunked in this process (no embedding), then per run: exit
code, seconds, files/s, documents indexed, rejections by reason, peak
resident memory, and whether every real notice got in.
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import hostile_files as H  # noqa: E402
from shared_data import SHARED  # noqa: E402  (where: tests/shared_data.py)

_REASON = re.compile(r": 拒绝 rejected: (.*)$")


def _reason_kind(reason: str) -> str:
    """A short bucket for a rejection reason (numbers and names dropped)."""
    reason = re.sub(r"\(.*", "", reason)
    reason = re.sub(r"[\d,.]+", "N", reason)
    return reason.strip()[:70]


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_symlink() or p.is_file())


def run(folder: Path, index: Path, timeout: int) -> dict:
    """Ingest ``folder`` in a child process; return the figures."""
    start = time.monotonic()
    try:
        proc = subprocess.run(["timeout", str(timeout), sys.executable, "-c", H.CLI_RUN, str(folder),
                               "--index", str(index), "--quiet"], cwd=REPO, capture_output=True, text=True)
        rc, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.SubprocessError as exc:
        rc, out, err = -1, "", str(exc)
    seconds = time.monotonic() - start
    reasons = collections.Counter(_reason_kind(m.group(1)) for line in err.splitlines() if (m := _REASON.search(line)))
    rss = int(err.rsplit("MAXRSS_KB ", 1)[1].split()[0]) // 1024 if "MAXRSS_KB " in err else -1
    summary = next((line for line in out.splitlines() if line.startswith("indexed ")), "")
    return {"rc": rc, "seconds": round(seconds, 1), "files": _files(folder), "rss_mb": rss, "summary": summary,
            "tracebacks": (out + err).count("Traceback"), "reasons": dict(reasons.most_common())}


def parse_only(folder: Path) -> dict:
    """Read, clean, parse and chunk every file of ``folder`` in this process (no embedding): per-file seconds."""
    from index.config import Config, Limits
    from ingest.load import LoadError, iter_files
    from ingest.pipeline import _read_file

    times: list[tuple[float, str, str]] = []
    for item in iter_files([folder]):
        if isinstance(item, LoadError):
            continue
        start = time.monotonic()
        outcome = "?"
        for result in _read_file(item.path, item.doc_id, item.shown, Config(), Limits()):
            outcome = _reason_kind(result.reason) if isinstance(result, LoadError) else f"{len(result[1])} chunks"
        times.append((time.monotonic() - start, Path(item.shown).name, outcome))
    times.sort(reverse=True)
    return {"files": len(times), "total_s": round(sum(t for t, _, _ in times), 2),
            "slowest": [f"{name} {t:.2f}s ({what})" for t, name, what in times[:3]]}


def _indexed(index: Path) -> set[str]:
    from index.store import folder as store

    try:
        return set(store.load(index, vectors=False).documents)
    except Exception:  # no index written
        return set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--notices", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per run before it is killed")
    parser.add_argument("--only", action="append", default=[], help="run only this class (repeatable)")
    parser.add_argument("--no-mixed", action="store_true", help="skip the run of all classes together")
    parser.add_argument("--parse-only", action="store_true", help="only the in-process read/parse/chunk timings")
    args = parser.parse_args()
    notices = H.real_notices(SHARED / "corpus" / "notices.jsonl")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, scale {args.scale}")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        base = Path(tmp)
        for name in args.only or list(H.CLASSES):
            folder = base / "alone" / name
            plan = H.generate(name, folder, notices, scale=args.scale)
            print(f"\n-- {name}, parse only (default limits, no embedding): " + json.dumps(parse_only(folder),
                                                                                      ensure_ascii=False))
            if args.parse_only:
                continue
            figures = run(folder, base / f"index-{name}", args.timeout)
            got = _indexed(base / f"index-{name}")
            missing = sorted(set(plan.good) - got)
            figures["real_indexed"] = f"{len(plan.good) - len(missing)}/{len(plan.good)}"
            figures["files_per_s"] = round(figures["files"] / max(figures["seconds"], 0.01), 1)
            print(f"\n== {name}: " + json.dumps(figures, ensure_ascii=False))
        if args.no_mixed or args.only or args.parse_only:
            return
        mixed = base / "mixed"
        plans = {name: H.generate(name, mixed / name, notices, scale=args.scale) for name in H.CLASSES}
        real = notices[100 : 100 + args.notices]
        (mixed / "real").mkdir()
        for row in real:
            (mixed / "real" / f"{row['id']}.txt").write_text(H.notice_text(row), encoding="utf-8")
        figures = run(mixed, base / "index-mixed", args.timeout)
        got = _indexed(base / "index-mixed")
        good = {f"real/{r['id']}" for r in real}
        for name, plan in plans.items():
            good |= {d if name == "jsonl" else f"{name}/{d}" for d in plan.good}
        real_ids = {"real/" + r["id"] for r in real}
        figures["real_notices_indexed"] = f"{len(real_ids & got)}/{len(real)}"
        figures["all_real_indexed"] = f"{len(good & got)}/{len(good)}"
        figures["files_per_s"] = round(figures["files"] / max(figures["seconds"], 0.01), 1)
        print(f"\n== all classes + {len(real)} real notices: " + json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
