"""Which index the page reads, and the Searcher/Answerer loaded once per process.

The index folder is, in order: ``streamlit run app.py -- --index DIR``, the
``NOTICE_INDEX`` environment variable, the CLI's default
(:data:`index.config.DEFAULT_INDEX_DIR`).  Loaded engines are cached by the
folder *and* the live generation name (``CURRENT``), so an upload that writes
a new generation is picked up on the next run without a restart.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from index.answer.reader import Answerer
from index.config import DEFAULT_INDEX_DIR
from index.errors import IndexError_, IndexMissing
from index.filters import Filters
from index.records import Document
from index.retrieve.backend import open_backend
from index.retrieve.searcher import Searcher
from index.store import folder as store

INDEX_ENV = "NOTICE_INDEX"
BACKEND_ENV = "NOTICE_BACKEND"
#: Session-state key of the current view (see :mod:`ui.views`).
KEY_VIEW = "view"


def index_path(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The index folder: ``--index DIR`` after ``--``, else ``$NOTICE_INDEX``, else the default."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--index", type=Path, default=None)
    try:
        args, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit:  # ``--index`` without a value: fall back rather than kill the page
        args = argparse.Namespace(index=None)
    if args.index is not None:
        return args.index.expanduser()
    env = os.environ if environ is None else environ
    if env.get(INDEX_ENV):
        return Path(env[INDEX_ENV]).expanduser()
    return DEFAULT_INDEX_DIR


def milvus_uri(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The Milvus URI when the page reads Milvus, else None (the folder, the default).

    Milvus when ``--milvus-uri URI`` or ``--backend milvus`` follows ``--`` (URI then from
    ``$NOTICE_MILVUS_URI``), or ``$NOTICE_BACKEND`` is ``milvus``.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--milvus-uri", default=None)
    try:
        args, _ = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit:
        args = argparse.Namespace(backend=None, milvus_uri=None)
    env = os.environ if environ is None else environ
    backend = args.backend or env.get(BACKEND_ENV) or ("milvus" if args.milvus_uri else "folder")
    if backend != "milvus":
        return None
    from index.store.milvus import MILVUS_ENV

    return args.milvus_uri or env.get(MILVUS_ENV) or None


def milvus_target(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None):
    """Where the upload page writes on Milvus (:class:`index.store.milvus.MilvusTarget`), None for the folder."""
    uri = milvus_uri(argv, environ)
    if uri is None:
        return None
    from index.store.milvus import MilvusTarget

    return MilvusTarget(uri)


def generation(root: Path) -> str | None:
    """Name of the live generation of ``root`` (``gen-000007``), or None without an index."""
    gen = store.current_generation(Path(root))
    return gen.name if gen is not None else None


@dataclass
class Engine:
    """An open index: the library's Searcher and Answerer over one generation."""

    #: Where the index is, and the cache key every view reopens it by: the resolved folder, or for Milvus
    #: the resolved Lite file or the server URI (:func:`engine_key`).
    key: str
    generation: str
    searcher: Searcher
    answerer: Answerer
    #: Set when the warm-up (model, jieba, word tags) has finished; ``warm_error`` holds what it raised.
    warm: threading.Event = field(default_factory=threading.Event)
    warm_error: list[BaseException] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The index folder (for Milvus: the Lite file, or the server URI as given; shown, never opened)."""
        return Path(self.key)

    def ready(self) -> Engine:
        """This engine once its warm-up has finished (re-raising its error): call before asking or searching."""
        self.warm.wait()
        if self.warm_error:
            raise self.warm_error[0]
        return self

    @property
    def documents(self) -> dict[str, Document]:
        """Documents by id."""
        return self.searcher.documents

    @property
    def manifest(self) -> dict:
        """The generation's manifest (config, created, counts)."""
        return self.searcher.data.manifest

    @property
    def userdict(self) -> str | None:
        """The jieba user dictionary of this generation (organisation names), if any."""
        gen = self.searcher.data.path
        if gen is None:  # Milvus: the searcher wrote its dictionary to a file
            return getattr(self.searcher, "userdict", None)
        path = gen / store.USERDICT if gen is not None else None
        return str(path) if path is not None and path.is_file() else None


@st.cache_resource(max_entries=2, show_spinner="正在加载索引和语言模型（首次约需数秒）…")
def load_engine(key: str, generation_name: str) -> Engine:
    """Open the index at ``key`` (cached per key and generation) and warm up the model.

    ``key`` is an :attr:`Engine.key`: the index folder, or the Milvus index the page was started on
    (:func:`milvus_uri`); :func:`index.retrieve.backend.open_backend` opens either.
    """
    uri = milvus_uri()
    searcher = open_backend(key, uri if uri is not None and key == engine_key(uri) else None)
    engine = Engine(key=key, generation=generation_name, searcher=searcher, answerer=Answerer(searcher))
    # The embedding model, jieba and its word tags load in the background while the page draws (and the
    # browser renders it on the other core); queries wait for it through Engine.ready().
    threading.Thread(target=_warm_up, args=(engine,), name="engine-warm-up", daemon=True).start()
    return engine


def _warm_up(engine: Engine) -> None:
    try:
        engine.answerer.ask("巡察组组长是谁", top=1)
    except Exception as exc:  # handed to whoever asks first (Engine.ready)
        engine.warm_error.append(exc)
    finally:
        engine.warm.set()


def engine_key(uri: str) -> str:
    """The :attr:`Engine.key` of a Milvus index: the Lite file, resolved, or the server URI itself."""
    from index.store.milvus import is_lite

    return str(Path(uri).expanduser().resolve()) if is_lite(uri) else uri


def _open_milvus_engine(uri: str) -> tuple[Engine | None, str]:
    from index.store.milvus import MilvusStore

    try:
        return load_engine(engine_key(uri), MilvusStore(uri, create=False).write_stamp()), ""
    except IndexMissing as exc:
        return None, f"Milvus 中还没有索引：{exc}"
    except IndexError_ as exc:
        return None, f"Milvus 索引无法打开：{exc}"
    except RuntimeError as exc:
        return None, f"语言模型无法加载：{exc}"


def open_engine(root: Path) -> tuple[Engine | None, str]:
    """The cached engine for ``root``, or (None, a Chinese message saying what is wrong).

    With the Milvus backend chosen (:func:`milvus_uri`) the engine reads Milvus instead of ``root``.
    """
    uri = milvus_uri()
    if uri is not None:
        return _open_milvus_engine(uri)
    gen = generation(root)
    if gen is None:
        return None, missing_message(root)
    try:
        engine = load_engine(str(Path(root).resolve()), gen)
        if engine.warm.is_set() and engine.warm_error:
            raise engine.warm_error[0]
        return engine, ""
    except IndexMissing:
        return None, missing_message(root)
    except IndexError_ as exc:
        return None, f"索引无法打开：{exc}"
    except RuntimeError as exc:  # the embedding model could not be loaded
        return None, f"语言模型无法加载：{exc}"


def missing_message(root: Path) -> str:
    """How to build an index, in Chinese, for a folder that has none."""
    return (
        f"还没有索引（`{root}`）。\n\n"
        "请在“导入通报”页面上传通报文件来建立索引，或在终端运行：\n\n"
        f"`python -m ingest 通报文件或文件夹 --index {root}`（或 `make index`）。"
    )


def clear_caches() -> None:
    """Forget loaded engines and cached results (after an upload wrote a new generation)."""
    load_engine.clear()
    st.cache_data.clear()


@dataclass
class Facets:
    """Counts the sidebar filters and the overview show."""

    kinds: Counter = field(default_factory=Counter)
    orgs: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)
    undated: int = 0


def facets_of(documents: Mapping[str, Document]) -> Facets:
    """Count documents by kind, organisation and year."""
    out = Facets()
    for doc in documents.values():
        out.kinds[doc.kind] += 1
        if doc.org:
            out.orgs[doc.org] += 1
        if doc.year is None:
            out.undated += 1
        else:
            out.years[doc.year] += 1
    return out


@st.cache_data(max_entries=4, show_spinner=False)
def facets(root: str, generation_name: str) -> Facets:
    """Cached :func:`facets_of` for the loaded engine of ``root`` / ``generation_name``."""
    return facets_of(load_engine(root, generation_name).documents)


@dataclass
class Context:
    """What every view gets: the index folder, the engine (None without one), the filters."""

    root: Path
    engine: Engine | None = None
    problem: str = ""
    filters: Filters = field(default_factory=Filters)
    top: int = 10
