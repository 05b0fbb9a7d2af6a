"""``python -m ingest PATH... --index DIR``: add notices to an index.

Prints one line per document or rejected file, then a summary.  Exits 0 when
the run indexed anything or had nothing to change, 1 when every input was
rejected, 2 on a usage or index error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index.errors import IndexError_

from .config import DEFAULT_INDEX_DIR, Config
from .pipeline import ingest

_LABELS = {
    "indexed": "已索引 indexed",
    "replaced": "已更新 replaced",
    "unchanged": "未变化 unchanged",
    "duplicate": "重复 duplicate of",
    "rejected": "拒绝 rejected",
    "removed": "已删除 removed",
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ingest``."""
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Ingest inspection notices into an index.")
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt .md .html .pdf .docx .jsonl)")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="index folder (default: %(default)s)")
    parser.add_argument("--remove", action="append", default=[], metavar="DOC_ID", help="take a document out")
    parser.add_argument("--model", help="sentence-transformers model name or folder (new index only)")
    parser.add_argument("--rebuild", action="store_true", help="start a new index from the given files")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no per-file lines")
    from index.backend import add_backend_args

    add_backend_args(parser)
    args = parser.parse_args(argv)
    if not args.paths and not args.remove:
        parser.error("give at least one PATH or --remove DOC_ID")
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"{path}: 拒绝 rejected: no such file or folder", file=sys.stderr)
    config = Config.for_model(args.model) if args.model else None

    def show(source: str, status: str, detail: str) -> None:
        if args.quiet and status != "rejected":
            return
        stream = sys.stderr if status == "rejected" else sys.stdout
        print(f"{source}: {_LABELS.get(status, status)}: {detail}", file=stream)

    try:
        target = _milvus_target(args)
        report = ingest([p for p in args.paths if p.exists()], args.index, config=config, remove=args.remove,
                        rebuild=args.rebuild, progress=not args.quiet, on_item=show, target=target)
    except IndexError_ as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the index is unchanged", file=sys.stderr)
        return 130
    for doc_id in report.not_found:
        print(f"{doc_id}: 未找到 not in the index", file=sys.stderr)
    summary = (f"indexed {len(report.indexed)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
               f"duplicates {len(report.duplicates)}, rejected {len(report.rejected) + len(missing)}, "
               f"removed {len(report.removed)}")
    if report.written:
        where = target.milvus.uri if target is not None else args.index
        summary += f" → {report.counts['documents']} documents, {report.counts['chunks']} chunks in {where}"
    else:
        summary += " → index not changed"
    print(summary)
    nothing_good = not (report.changed or report.unchanged or report.duplicates)
    return 1 if nothing_good and (report.rejected or missing or report.not_found) else 0


def _milvus_target(args: argparse.Namespace):  # -> MilvusTarget | None
    """Where to write when ``--backend milvus`` (see :mod:`index.backend`); None for the folder."""
    from index.backend import milvus_uri_of

    uri = milvus_uri_of(args)
    if uri is None:
        return None
    from index.milvus_store import MilvusTarget

    return MilvusTarget(uri)


if __name__ == "__main__":
    sys.exit(main())
