"""``python -m ingest PATH... --index DIR``: add notices to an index.

Prints one line per document or rejected file, then a summary.  Exits 0 when
the run indexed anything or had nothing to change, 1 when every input was
rejected, 2 on a usage or index error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from index.config import DEFAULT_INDEX_DIR, Config, Limits
from index.errors import IndexError_, error_line, store_io_error

from .load import display_path
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
    parser.add_argument("paths", nargs="*", type=Path,
                        help="files or folders (.txt .md .html .pdf .docx .jsonl; scans .png .jpg .tif .bmp: OCR)")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="index folder (default: %(default)s)")
    parser.add_argument("--remove", action="append", default=[], metavar="DOC_ID", help="take a document out")
    parser.add_argument("--model", help="sentence-transformers model name or folder (new index only)")
    parser.add_argument("--rebuild", action="store_true", help="start a new index from the given files")
    parser.add_argument("--repair", action="store_true",
                        help="rebuild damaged chunks, vectors and keyword files from the text the index keeps "
                             "(done by any ingest; this one needs no PATH)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no per-file lines")
    defaults = Limits()
    limits_group = parser.add_argument_group(
        "limits per file", "a file over a limit is rejected as too large / too complex; "
        "also settable as JSON in NOTICE_LIMITS, e.g. '{\"file_seconds\": 60}'")
    limits_group.add_argument("--max-file-mb", type=float, metavar="MB",
                              help=f"largest file read (default {defaults.max_file_bytes // 2**20})")
    limits_group.add_argument("--max-line-mb", type=float, metavar="MB",
                              help=f"largest JSONL line (default {defaults.max_line_bytes // 2**20})")
    limits_group.add_argument("--max-chars", type=int, metavar="N",
                              help=f"most characters of text per document (default {defaults.max_text_chars:,})")
    limits_group.add_argument("--file-seconds", type=float, metavar="S",
                              help=f"seconds to read, parse, chunk a document (default {defaults.file_seconds:g})")
    limits_group.add_argument("--max-headings", type=int, metavar="N",
                              help=f"most numbered headings per document (default {defaults.max_headings:,})")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                        help="where passages are embedded (default auto: cuda, fp16, when an NVIDIA GPU exists)")
    from index.store.choice import add_backend_args

    add_backend_args(parser)
    args = parser.parse_args(argv)
    if args.device:
        os.environ["NOTICE_DEVICE"] = args.device
    if not args.paths and not args.remove and not args.repair:
        parser.error("give at least one PATH or --remove DOC_ID (or --repair)")
    try:
        limits = Limits.from_env().updated(
            max_file_bytes=int(args.max_file_mb * 2**20) if args.max_file_mb is not None else None,
            max_line_bytes=int(args.max_line_mb * 2**20) if args.max_line_mb is not None else None,
            max_text_chars=args.max_chars, file_seconds=args.file_seconds, max_headings=args.max_headings)
    except ValueError as exc:
        parser.error(str(exc))
    missing = [p for p in args.paths if not (p.exists() or p.is_symlink())]
    for path in missing:
        print(f"{display_path(path)}: 拒绝 rejected: no such file or folder", file=sys.stderr)
    config = Config.for_model(args.model) if args.model else None

    def show(source: str, status: str, detail: str) -> None:
        if args.quiet and status != "rejected":
            return
        stream = sys.stderr if status == "rejected" else sys.stdout
        print(f"{source}: {_LABELS.get(status, status)}: {detail}", file=stream)

    try:
        target = _milvus_target(args)
        report = ingest([p for p in args.paths if p not in missing], args.index, config=config, remove=args.remove,
                        rebuild=args.rebuild, progress=not args.quiet, on_item=show, limits=limits, target=target)
    except IndexError_ as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except OSError as exc:  # the index folder itself cannot be written (the lock, the folder)
        print(error_line(store_io_error(exc, "写入", display_path(exc.filename or str(args.index)))), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the index is unchanged", file=sys.stderr)
        return 130
    if report.recovered:
        print(f"注意：{args.index}/CURRENT 缺失或无效，已恢复为最新的完好版本 {report.recovered}", file=sys.stderr)
    for line in report.repaired:
        print(f"已修复 repaired: {line.split('；')[0]}（由保存的正文重建）", file=sys.stderr)
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
    """Where to write when ``--backend milvus`` (see :mod:`index.store.choice`); None for the folder."""
    from index.store.choice import milvus_uri_of

    uri = milvus_uri_of(args)
    if uri is None:
        return None
    from index.store.milvus import MilvusTarget

    return MilvusTarget(uri)


if __name__ == "__main__":
    sys.exit(main())
