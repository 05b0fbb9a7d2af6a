"""Chinese for the command line: argparse's own words, kind names, one error-line format.

argparse writes its headings and errors (``usage:``, ``options``, ``the
following arguments are required``) through ``gettext``; :func:`install`
gives it the Chinese text below instead, so ``--help`` and usage errors read
in Chinese.  Option names, command names and choice values stay as they are:
scripts type them (a contract, like the ``--json`` keys).
"""

from __future__ import annotations

import argparse

#: argparse's messages (Python 3.11-3.13) → Chinese.  Keys absent here are shown as argparse writes them.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "error: %(prog)s：%(message)s\n",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "invalid %(type)s value: %(value)r": "参数值 %(value)r 无效（应为数字）",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项值 %(value)r（可选：%(choices)s）",
    "expected one argument": "需要一个参数值",
    "expected at most one argument": "最多只能有一个参数值",
    "expected at least one argument": "至少需要一个参数值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "忽略了多余的参数值 %r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
    "can't open '%(filename)s': %(error)s": "无法打开 '%(filename)s'：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 %(parser_name)r（可选：%(choices)s）",
    "expected %s argument": "需要 %s 个参数值",
    "expected %s arguments": "需要 %s 个参数值",
}

def _gettext(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


def install() -> None:
    """Make argparse write its headings and errors in Chinese (idempotent)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]


def kind_name(kind: str) -> str:
    """The Chinese name of a notice kind (``rectification_progress`` → 整改进展通报); unknown kinds as they are."""
    from .filters import KIND_NAMES

    return KIND_NAMES.get(kind, kind)


def kinds_help() -> str:
    """The ``--kind`` help: each accepted value with its Chinese name."""
    from .filters import KIND_NAMES

    return "通报类型，可重复给出：" + "、".join(f"{value}（{name}）" for value, name in KIND_NAMES.items())


#: ``json`` module messages → Chinese (the start of ``JSONDecodeError.msg``).
_JSON_ZH = {
    "Expecting value": "缺少值",
    "Expecting property name enclosed in double quotes": "属性名必须用双引号括起来",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Extra data": "后面还有多余的内容",
    "Unterminated string starting at": "字符串没有结束",
    "Invalid control character at": "含有不允许的控制字符",
    "Invalid \\escape": "含有无效的转义",
    "Invalid \\uXXXX escape": "含有无效的 \\u 转义",
}

#: errno → Chinese reason (others: 系统错误 and the errno name).
_ERRNO_ZH = {
    "ENOENT": "文件或文件夹不存在",
    "EACCES": "没有访问权限",
    "EPERM": "没有操作权限",
    "EISDIR": "这是一个文件夹",
    "ENOTDIR": "路径中有一段不是文件夹",
    "ENOSPC": "磁盘空间不足",
    "EROFS": "文件系统是只读的",
    "ELOOP": "符号链接循环",
    "ENAMETOOLONG": "文件名过长",
    "EIO": "读写出错",
    "EMFILE": "打开的文件过多",
    "EBUSY": "资源正忙",
}


def json_reason(exc: Exception) -> str:
    """A ``JSONDecodeError`` in Chinese: what is wrong and at which column."""
    msg = str(getattr(exc, "msg", exc))
    zh = next((name for key, name in _JSON_ZH.items() if msg.startswith(key)), "格式错误")
    column = getattr(exc, "colno", None)
    return f"{zh}，第 {column} 列" if column else zh


def os_reason(exc: OSError) -> str:
    """An ``OSError`` in Chinese (by its errno)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _ERRNO_ZH.get(name) or (f"系统错误 {name}" if name else "系统错误")
