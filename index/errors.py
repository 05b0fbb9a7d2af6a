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


class IndexCorrupt(IndexError_):
    """A file of the index is damaged or missing (cut short, changed, unreadable)."""

    zh = "索引文件已损坏"

    def __init__(self, message: str, damages: list | None = None) -> None:
        super().__init__(message)
        self.damages = damages or []


class StoreIOError(IndexError_):
    """The operating system refused a read or write of the index (full disk, permissions, ...)."""

    zh = "无法读写索引"


#: errno → what it means to the user and what to do, in Chinese.
_OS_REASONS = {
    "ENOSPC": "磁盘空间不足：请释放空间后重试",
    "EDQUOT": "磁盘配额已用完：请释放空间后重试",
    "EFBIG": "文件超过允许的大小（ulimit -f 或文件系统限制）：请放宽限制或换一个磁盘后重试",
    "EACCES": "没有权限：请检查该文件夹的读写权限",
    "EPERM": "没有权限：请检查该文件夹的读写权限",
    "EROFS": "文件系统只读：请换一个可写的文件夹",
    "ENAMETOOLONG": "文件名过长：请缩短文件名或路径",
    "EIO": "磁盘读写错误：请检查磁盘",
    "ENOENT": "文件不存在",
}


def os_reason(exc: OSError) -> str:
    """The Chinese reason and remedy for an OS error (``ENOSPC`` → 磁盘空间不足 …)."""
    import errno as errno_module

    name = errno_module.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name, f"{exc.strerror or exc}（{name or '系统错误'}）")


def store_io_error(exc: OSError, action: str, path: object = None) -> StoreIOError:
    """A :class:`StoreIOError` for ``exc`` while ``action`` (读取 / 写入) ``path`` (default: the error's file)."""
    where = path if path is not None else (exc.filename or "")
    return StoreIOError(f"无法{action} {where}：{os_reason(exc)}")


def error_line(exc: IndexError_) -> str:
    """One bilingual line for ``exc``: ``error: <zh> — <message>``.

    A message that already holds Chinese (``没有找到索引 / no index at …``)
    is printed as it is after ``error:``.
    """
    message = str(exc)
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return f"error: {message}"
    return f"error: {exc.zh} — {message}"
