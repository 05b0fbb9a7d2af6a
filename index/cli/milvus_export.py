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
    p = sub.add_parser("export-milvus", help="copy a folder index (vectors included) into Milvus")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="index folder (default: %(default)s)")
    p.add_argument("--milvus-uri", default=None,
                   help="FILE.db (Milvus Lite) or http://host:19530 (default: $NOTICE_MILVUS_URI)")
    p.add_argument("--prefix", default=None, help="collection name prefix (default: $NOTICE_MILVUS_PREFIX or notices)")
    p.add_argument("--index-type", default="HNSW", choices=("HNSW", "FLAT", "IVF_FLAT"),
                   help="vector index of the chunk collection (default: %(default)s)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Copy the index at ``--index`` into Milvus and print the counts."""
    from index.store.milvus import export, milvus_uri

    uri = milvus_uri(args.milvus_uri)
    started = time.perf_counter()
    counts = export(args.index, uri, prefix=args.prefix, index_type=args.index_type)
    print(f"exported {counts['documents']} documents, {counts['chunks']} chunks, {counts['findings']} findings, "
          f"{counts['sentences']} sentence vectors from {args.index} to {uri} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
