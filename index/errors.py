"""Errors the CLI and the page turn into a clear message (never a traceback).

Each class carries ``zh``, a short Chinese statement of the kind of problem:
messages are written in Chinese; one that is not (from a library) gets ``zh``
in front (``error: 找不到该通报或问题 — …``).  The line still opens with
``error:`` (the README's contract for scripts).
"""


class IndexError_(Exception):
    """Base class: something is wrong with an index folder or a request on it."""

    zh = "操作失败"


class IndexMissing(IndexError_):
    """No index at the given folder."""

    zh = "没有找到索引"


class IndexMismatch(IndexError_):
    """The index was built with another model, dimension or chunker version."""

    zh = "索引与当前设置不一致，请重新导入"


class IndexLocked(IndexError_):
    """Another process is writing to the index."""

    zh = "索引正被另一个进程写入，请稍后再试"


class BadQuery(IndexError_):
    """The query cannot be searched (empty, only punctuation, ...)."""

    zh = "查询无法检索"


class NotFound(IndexError_):
    """A document id or finding label that the index does not hold."""

    zh = "找不到该通报或问题"


class ModelUnavailable(IndexError_):
    """The embedding model cannot be loaded (not installed, wrong path, no network)."""

    zh = "无法加载向量模型"


def error_line(exc: IndexError_) -> str:
    """One bilingual line for ``exc``: ``error: <zh> — <message>``.

    A message that already holds Chinese (``没有找到索引 / no index at …``)
    is printed as it is after ``error:``.
    """
    message = str(exc)
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return f"error: {message}"
    return f"error: {exc.zh} — {message}"
