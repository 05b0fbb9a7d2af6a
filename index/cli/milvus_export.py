"""``python -m index export-milvus --index DIR --milvus-uri URI``: copy a folder index into Milvus.

Vectors are copied, nothing is re-embedded; the collections ``{prefix}_*`` at
the URI are replaced.  See :func:`index.store.milvus.export`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from index.config import DEFAULT_INDEX_DIR


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export-milvus`` command to ``python -m index``."""
    p = sub.add_parser("export-milvus", help="把本地文件夹索引（含向量）复制到 Milvus",
                       description="把本地文件夹索引（含向量）复制到 Milvus。")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, metavar="目录",
                   help="索引所在的文件夹（默认：%(default)s）")
    p.add_argument("--milvus-uri", default=None, metavar="地址",
                   help="文件.db（Milvus Lite）或 http://host:19530（默认：$NOTICE_MILVUS_URI）")
    p.add_argument("--prefix", default=None, metavar="前缀",
                   help="集合名前缀（默认：$NOTICE_MILVUS_PREFIX，未设置时为 notices）")
    p.add_argument("--index-type", default="HNSW", choices=("HNSW", "FLAT", "IVF_FLAT"),
                   help="段落集合的向量索引类型（默认：%(default)s）")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Copy the index at ``--index`` into Milvus and print the counts."""
    from index.store.milvus import export, milvus_uri

    uri = milvus_uri(args.milvus_uri)
    started = time.perf_counter()
    counts = export(args.index, uri, prefix=args.prefix, index_type=args.index_type)
    print(f"已导出 {counts['documents']} 篇通报、{counts['chunks']} 个段落、{counts['findings']} 条问题、"
          f"{counts['sentences']} 个句子向量：{args.index} → {uri}，用时 {time.perf_counter() - started:.1f} 秒")
    return 0
