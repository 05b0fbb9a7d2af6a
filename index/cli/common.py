"""What every command shares: the ``--index``/backend and filter options, the ``--json`` printer.

Imported by :mod:`index.cli.main` and :mod:`index.cli.findings` (neither imports the other at module level).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from index.cli_text import kinds_help
from index.config import DEFAULT_INDEX_DIR
from index.filters import Filters


def dump(obj: object) -> None:
    """Print ``obj`` as one JSON line (the ``--json`` output of every command)."""
    print(json.dumps(obj, ensure_ascii=False))


def add_index_arg(parser: argparse.ArgumentParser) -> None:
    """The ``--index DIR`` option every command takes."""
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, metavar="目录",
                        help="索引所在的文件夹（默认：%(default)s）")
    from index.store.choice import add_backend_args

    add_backend_args(parser)


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    """Filter options shared by search and ask."""
    parser.add_argument("--kind", action="append", default=[], metavar="类型", help=kinds_help())
    parser.add_argument("--org", default="", metavar="单位",
                        help="发布机构或被巡察单位（发布机构、被巡察单位或标题中包含这几个字即可）")
    parser.add_argument("--from", dest="date_from", default="", metavar="日期",
                        help="最早日期，例如 2020 或 2020-06-01")
    parser.add_argument("--to", dest="date_to", default="", metavar="日期", help="最晚日期，例如 2023")


def filters_from(args: argparse.Namespace) -> Filters:
    """Filters from parsed options."""
    return Filters(kinds=tuple(args.kind), org=args.org, date_from=args.date_from, date_to=args.date_to)
