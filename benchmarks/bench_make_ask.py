"""How long `make ask` takes on an unchanged index, and what of it is make's own work.

Run after one `make ask` (or `make index`) has built the index of corpus/:

    .venv/bin/python benchmarks/bench_make_ask.py [--runs 3] [--question TEXT]

Prints, per run, the wall time of `make ask Q=...`, whether it re-ran the model set-up or
the ingest (it must not: the stamps say nothing changed), the time of `make index` alone
(make deciding there is nothing to do) and of `python -m index ask` alone for comparison.
Extra make flags (e.g. ``-o .venv/.installed`` where the venv is shared and its stamp is
older than the checkout) go in ``MAKEFLAGS`` as usual.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION = "张家界市委宣传部落实巡察反馈意见整改工作领导小组的组长是谁?"


def timed(cmd: list[str]) -> tuple[float, str]:
    """Wall seconds and combined output of ``cmd`` run in the repository."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, result.stdout + result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args()
    make_ask, make_index, ask_alone = [], [], []
    for run in range(1, args.runs + 1):
        seconds, out = timed(["make", "ask", f"Q={args.question}"])
        redone = [step for step, mark in (("set-up", "ingest.model_setup"), ("ingest", "-m ingest corpus"))
                  if mark in out]
        make_ask.append(seconds)
        print(f"run {run}: make ask {seconds:.2f} s; redone: {', '.join(redone) or 'nothing'}")
        make_index.append(timed(["make", "index"])[0])
        ask_alone.append(timed([str(REPO / ".venv/bin/python"), "-m", "index", "ask", args.question,
                                "--index", "data/index"])[0])
    print(f"make ask (median of {args.runs}): {statistics.median(make_ask):.2f} s")
    print(f"make index, nothing to do (median): {statistics.median(make_index):.3f} s")
    print(f"python -m index ask alone (median): {statistics.median(ask_alone):.2f} s")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
