"""The ``check`` command: verify every file of an index (the checks are in :mod:`index.store.integrity`)."""

from __future__ import annotations

import argparse
import json
import sys

from index.cli.common import add_index_arg
from index.store.integrity import check_index, check_milvus


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``check`` command to ``python -m index``."""
    what = "校验索引的每个文件（校验和、向量、数量）"
    p = sub.add_parser("check", help=what, description=what)
    add_index_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Print one line per damaged file (exit 1) or that the index is healthy (exit 0)."""
    from index.retrieve.backend import milvus_uri_of

    uri = milvus_uri_of(args)
    report = check_milvus(uri) if uri is not None else check_index(args.index)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0 if report.ok else 1
    for note in report.notes:
        print(f"注意：{note}", file=sys.stderr)
    for damage in report.damages:
        print(f"损坏：{damage.line()}")
    if report.ok:
        counts = report.counts
        print(f"索引完好：{report.root}（{report.generation}）{counts.get('documents', 0)} 篇通报，"
              f"{counts.get('chunks', 0)} 个段落，{counts.get('findings', 0)} 个问题，"
              f"{counts.get('sentences', 0)} 个句子向量")
        return 0
    print(f"共 {len(report.damages)} 处损坏", file=sys.stderr)
    return 1
