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

from index.cli_text import install as install_chinese
from index.config import DEFAULT_INDEX_DIR, Config, Limits
from index.errors import IndexError_, error_line, store_io_error

from .load import display_path
from .pipeline import ingest

_LABELS = {
    "indexed": "已索引",
    "replaced": "已更新",
    "unchanged": "未变化",
    "duplicate": "重复，与此相同",
    "rejected": "拒绝",
    "removed": "已删除",
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ingest``."""
    install_chinese()
    parser = argparse.ArgumentParser(prog="python -m ingest", description="把巡视巡察通报导入索引。")
    parser.add_argument("paths", nargs="*", type=Path, metavar="文件或文件夹",
                        help="要导入的文件或文件夹（.txt .md .html .pdf .docx .jsonl；"
                             "扫描件 .png .jpg .tif .bmp 做文字识别）")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, metavar="目录",
                        help="索引所在的文件夹（默认：%(default)s）")
    parser.add_argument("--remove", action="append", default=[], metavar="通报编号",
                        help="从索引中删除一篇通报（可重复给出）")
    parser.add_argument("--model", metavar="模型", help="sentence-transformers 模型名称或文件夹（仅用于新建索引）")
    parser.add_argument("--rebuild", action="store_true", help="用给出的文件建立新的索引（替换原有索引）")
    parser.add_argument("--repair", action="store_true",
                        help="由索引保存的正文重建损坏的分段、向量和关键词文件（任何一次导入都会做；此选项不需要文件）")
    parser.add_argument("--quiet", action="store_true", help="不显示进度条，也不逐个文件输出")
    defaults = Limits()
    limits_group = parser.add_argument_group(
        "每个文件的限额", "超过限额的文件会以“过大”或“过于复杂”为由被拒绝；"
        "也可以用 NOTICE_LIMITS 以 JSON 设置，例如 '{\"file_seconds\": 60}'")
    limits_group.add_argument("--max-file-mb", type=float, metavar="MB",
                              help=f"可读取的最大文件（默认 {defaults.max_file_bytes // 2**20} MB）")
    limits_group.add_argument("--max-line-mb", type=float, metavar="MB",
                              help=f"JSON Lines 文件中一行的最大大小（默认 {defaults.max_line_bytes // 2**20} MB）")
    limits_group.add_argument("--max-chars", type=int, metavar="字数",
                              help=f"每篇通报正文的最多字符数（默认 {defaults.max_text_chars:,}）")
    limits_group.add_argument("--file-seconds", type=float, metavar="秒",
                              help=f"读取、解析、分段一篇通报的最长秒数（默认 {defaults.file_seconds:g}）")
    limits_group.add_argument("--max-headings", type=int, metavar="个数",
                              help=f"每篇通报最多的编号标题数（默认 {defaults.max_headings:,}）")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                        help="在哪里计算段落向量（默认 auto：有 NVIDIA GPU 时用 cuda、fp16）")
    from index.store.choice import add_backend_args

    add_backend_args(parser)
    args = parser.parse_args(argv)
    if args.device:
        os.environ["NOTICE_DEVICE"] = args.device
    if not args.paths and not args.remove and not args.repair:
        parser.error("请至少给出一个文件或文件夹，或 --remove 通报编号（或 --repair）")
    try:
        limits = Limits.from_env().updated(
            max_file_bytes=int(args.max_file_mb * 2**20) if args.max_file_mb is not None else None,
            max_line_bytes=int(args.max_line_mb * 2**20) if args.max_line_mb is not None else None,
            max_text_chars=args.max_chars, file_seconds=args.file_seconds, max_headings=args.max_headings)
    except ValueError as exc:
        parser.error(str(exc))
    missing = [p for p in args.paths if not (p.exists() or p.is_symlink())]
    for path in missing:
        print(f"{display_path(path)}: 拒绝: 文件或文件夹不存在", file=sys.stderr)
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
        print("已中断：索引没有改变", file=sys.stderr)
        return 130
    if report.recovered:
        print(f"注意：{args.index}/CURRENT 缺失或无效，已恢复为最新的完好版本 {report.recovered}", file=sys.stderr)
    for line in report.repaired:
        print(f"已修复：{line.split('；')[0]}（由保存的正文重建）", file=sys.stderr)
    for doc_id in report.not_found:
        print(f"{doc_id}: 未找到：索引中没有这篇通报", file=sys.stderr)
    summary = (f"已索引 {len(report.indexed)}，已更新 {len(report.replaced)}，未变化 {len(report.unchanged)}，"
               f"重复 {len(report.duplicates)}，拒绝 {len(report.rejected) + len(missing)}，"
               f"已删除 {len(report.removed)}")
    if report.written:
        where = target.milvus.uri if target is not None else args.index
        summary += f" → {where} 中共有 {report.counts['documents']} 篇通报、{report.counts['chunks']} 个段落"
    else:
        summary += " → 索引没有改变"
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
