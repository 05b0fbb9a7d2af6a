"""Which backend a command reads or writes: the embedded folder (default) or Milvus.

``--backend milvus --milvus-uri URI`` (or ``$NOTICE_MILVUS_URI``; a path ending
in ``.db`` is a Milvus Lite file, ``http://host:19530`` a server, token in
``$NOTICE_MILVUS_TOKEN``).  Giving ``--milvus-uri`` alone also selects Milvus.
"""

from __future__ import annotations

import argparse

BACKENDS = ("folder", "milvus")


def add_backend_args(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--milvus-uri``, beside ``--index``."""
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="存储后端：folder（本地文件夹：FAISS + BM25，默认）或 milvus")
    parser.add_argument("--milvus-uri", default=None, metavar="地址",
                        help="Milvus 地址：文件.db（Milvus Lite）或 http://host:19530（默认：$NOTICE_MILVUS_URI）")


def milvus_uri_of(args: argparse.Namespace) -> str | None:
    """The Milvus URI when the command should use Milvus, else None (the folder)."""
    from index.store.milvus import MilvusUnavailable, milvus_uri

    backend = getattr(args, "backend", None)
    explicit = getattr(args, "milvus_uri", None)
    if backend == "folder" or (backend is None and not explicit):
        return None
    uri = milvus_uri(explicit)
    if not uri:
        raise MilvusUnavailable("--backend milvus 需要 --milvus-uri 地址，或设置 NOTICE_MILVUS_URI")
    return uri
