"""Files → :class:`RawDocument`: the first stage of ingest.

:func:`load_paths` walks files and folders (sorted, recursive) and yields one
:class:`RawDocument` per document, or a :class:`LoadError` saying in plain
words why a file (or a JSONL line) could not be read.  It never raises for bad
input: empty, binary, truncated, encrypted or corrupt files, unknown
extensions and undecodable bytes all come back as ``LoadError``.

Formats: ``.txt`` ``.md`` ``.html`` ``.htm`` ``.pdf`` ``.docx`` ``.jsonl``, and
scans: ``.png`` ``.jpg`` ``.jpeg`` ``.tif`` ``.tiff`` ``.bmp`` and PDF pages
without a text layer, read by OCR (:mod:`ingest.ocr`).
Text and HTML bytes are decoded by :func:`decode_bytes` (BOM, strict UTF-8,
then charset detection restricted to CJK encodings; GBK/GB2312 are decoded as
GB18030, their superset).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from index.cli_text import json_reason, os_reason
from index.config import DEFAULT_INDEX_DIR, Limits
from index.text.query import clean_str
from ingest.ocr import IMAGE_EXTENSIONS
from ingest.raw import RawDocument

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table, _Cell
    from lxml.html import HtmlElement
    from pypdf import PdfReader

#: Extensions :func:`load_paths` can read.
SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl", *IMAGE_EXTENSIONS)
#: Files larger than this are refused rather than read into memory (the default limit).
MAX_FILE_BYTES = Limits.max_file_bytes
#: Folder names never walked into (besides hidden ones and index folders).
SKIP_DIR_NAMES = frozenset({"__pycache__", "node_modules"})


@dataclass
class LoadError:
    """A file (or JSONL line) that could not be loaded, and why."""

    source: str  # file path, ``path:line`` for a JSONL line
    reason: str  # a short human-readable reason


class _Unreadable(Exception):
    """Raised inside this module; turned into a :class:`LoadError`."""


LoadResult = RawDocument | LoadError


@dataclass
class InputFile:
    """A file to load, the document id it gets and the name it is shown by."""

    path: Path  # as the OS needs it (undecodable name bytes kept as surrogate escapes)
    doc_id: str  # path relative to the ingested folder, without extension ('/'-separated)
    shown: str  # the path as shown in messages (see :func:`display_path`)


# ---------------------------------------------------------------- names

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def display_path(path: str | os.PathLike[str]) -> str:
    """A file name fit to print and store: never holds lone surrogates.

    Names that are not valid UTF-8 (a GBK name from a Windows zip archive)
    reach Python as surrogate escapes.  They are decoded as GB18030 when that
    reads as Chinese (``巡察通报.txt``); otherwise the odd bytes are shown
    escaped (``\\xff\\xfeodd.txt``).
    """
    text = os.fspath(path)
    if not _SURROGATE.search(text):
        return text
    raw = os.fsencode(text)
    try:
        decoded = raw.decode("gb18030")
    except UnicodeDecodeError:
        decoded = ""
    if decoded and _reads_as_chinese(decoded, text):
        return decoded
    return raw.decode("utf-8", errors="backslashreplace")


def _reads_as_chinese(decoded: str, escaped: str) -> bool:
    """True when a GB18030 reading of the odd bytes gives common Han characters only."""
    odd = "".join(_SURROGATE.findall(escaped))
    gained = [ch for ch in decoded if ord(ch) >= 0x80 and ch not in escaped]
    if not gained or len(gained) * 2 < len(odd) // 2:
        return False
    return all(_HAN_CHAR.match(ch) and _encodable(ch, "gb2312") for ch in gained)


def _file_doc_id(path: Path, root: Path | None) -> str:
    """Document id of a file: its path under ``root`` without extension, else its stem."""
    if root is None:
        return display_path(path.stem)
    rel = path.relative_to(root)
    parts = [*rel.parts[:-1], rel.stem]
    return "/".join(display_path(part) for part in parts)


# ---------------------------------------------------------------- walking


def load_paths(paths: Sequence[Path], limits: Limits | None = None) -> Iterator[LoadResult]:
    """Load every supported file under ``paths`` (files or folders).

    Folders are walked recursively in sorted order; hidden files and folders
    (``.name``), Office lock files (``~$name``) and our own index folders are
    skipped.  A file reached twice (directly, via a folder or via links) is
    loaded once.  Symbolic links are only followed to files inside the
    ingested folder; links out of it, loops and broken links are reported.
    Yields a :class:`RawDocument` per document and a :class:`LoadError` for
    every file or JSONL line that cannot be read; never raises for bad input.
    """
    limits = limits or Limits()
    for item in iter_files(paths):
        if isinstance(item, LoadError):
            yield item
        else:
            yield from load_file(item.path, limits, doc_id=item.doc_id, shown=item.shown)


def iter_files(paths: Sequence[Path]) -> Iterator[InputFile | LoadError]:
    """The files named in ``paths`` and found under its folders, each real file once, in order.

    Document ids: a file named directly keeps its stem; a file found under a
    folder gets its path relative to that folder without extension
    (``2023/1``; a file directly inside it keeps its stem).  When two files
    would share an id in one run, the later one keeps its extension
    (``1.md``) and, if still taken, gets ``~2``, ``~3``.
    """
    seen: set[str] = set()
    ids: set[str] = set()
    for item in _iter_candidates(paths):
        if isinstance(item, LoadError):
            yield item
            continue
        path, root = item
        try:
            key = os.path.realpath(path)
        except (OSError, ValueError):
            key = os.path.abspath(path)
        if key in seen:
            continue
        seen.add(key)
        doc_id = _file_doc_id(path, root)
        if doc_id in ids:
            doc_id = f"{doc_id}{display_path(path.suffix)}"
            base, n = doc_id, 2
            while doc_id in ids:
                doc_id, n = f"{base}~{n}", n + 1
        ids.add(doc_id)
        yield InputFile(path=path, doc_id=doc_id, shown=display_path(path))


def _iter_candidates(paths: Sequence[Path]) -> Iterator[tuple[Path, Path | None] | LoadError]:
    """(file, the folder it was found under or None) for every file in ``paths``."""
    visited: set[str] = set()
    for raw_path in paths:
        path = Path(raw_path)
        try:
            if path.is_dir():
                yield from _walk(path, visited)
            elif path.is_file():
                yield path, None
            elif path.is_symlink():
                yield LoadError(display_path(path), _link_problem(path))
            elif path.exists():
                yield LoadError(display_path(path), "不是普通文件")
            else:
                yield LoadError(display_path(path), "文件或文件夹不存在")
        except OSError as exc:
            yield LoadError(display_path(path), f"无法读取：{os_reason(exc)}")


#: JSON value types in Chinese (for "应为 JSON 对象，而不是…").
_JSON_TYPES = {"list": "数组", "str": "字符串", "int": "整数", "float": "数字", "bool": "布尔值", "NoneType": "null"}


def _link_problem(path: Path) -> str:
    """Why a symbolic link cannot be followed (loop or broken)."""
    try:
        os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "符号链接循环（未跟随）"
        return "失效的符号链接（目标不存在）"
    return "符号链接指向的不是普通文件"


def _walk(top: Path, visited: set[str]) -> Iterator[tuple[Path, Path | None] | LoadError]:
    """Sorted depth-first walk of ``top`` (iterative: no recursion limit on deep trees).

    Links are followed only to files inside ``top``, and those are visited
    after the walk so a real file is read (and named) from its real place; a
    link to a folder is never followed (its files, if inside ``top``, are
    read from their real place).  Links out of the tree, loops and broken
    links are reported.
    """
    real_top = os.path.realpath(top)
    if real_top in visited or is_index_dir(top):
        return
    links: list[tuple[Path, str]] = []
    stack: list[Iterator[Path]] = []
    listing = _list(top)
    if isinstance(listing, LoadError):
        yield listing
        return
    visited.add(real_top)
    stack.append(iter(listing))
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if _is_skipped_name(child.name):
            continue
        try:
            if child.is_symlink():
                problem = _link_target(child, real_top, links)
                if problem:
                    yield LoadError(display_path(child), problem)
            elif child.is_dir():
                real = os.path.realpath(child)
                if child.name in SKIP_DIR_NAMES or real in visited or is_index_dir(child):
                    continue
                listing = _list(child)
                if isinstance(listing, LoadError):
                    yield listing
                    continue
                visited.add(real)
                stack.append(iter(listing))
            elif child.is_file():
                yield child, top
            else:
                yield LoadError(display_path(child), "不是普通文件（设备、管道或套接字）")
        except OSError as exc:
            yield LoadError(display_path(child), f"无法读取：{os_reason(exc)}")
    for link, _target in links:
        yield link, top


def _list(folder: Path) -> list[Path] | LoadError:
    try:
        return sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return LoadError(display_path(folder), f"无法列出文件夹内容：{os_reason(exc)}")


def _link_target(link: Path, real_top: str, links: list[tuple[Path, str]]) -> str:
    """Queue a link to a file inside the tree; return why it is not followed ('' when queued or silent)."""
    try:
        target = os.path.realpath(link, strict=True)
    except OSError:
        return _link_problem(link)
    if os.path.commonpath([real_top, target]) != real_top:
        return f"符号链接指向导入文件夹之外（{display_path(target)}），未跟随"
    if os.path.isdir(target):
        return ""  # inside the tree: its files are read from their real place
    if os.path.isfile(target):
        links.append((link, target))
        return ""
    return "符号链接指向的不是普通文件"


def _is_skipped_name(name: str) -> bool:
    """Hidden files and folders, and Office lock files."""
    return name.startswith(".") or name.startswith("~$")


def is_index_dir(folder: Path) -> bool:
    """True for a folder written by our indexer (never ingested as input).

    That is the default index folder, an index root (it holds ``CURRENT``)
    or one of its generation folders (it holds ``manifest.json``).
    """
    try:
        if folder.resolve() == DEFAULT_INDEX_DIR.resolve():
            return True
        return (folder / "CURRENT").is_file() or (folder / "manifest.json").is_file()
    except OSError:
        return False


# ---------------------------------------------------------------- one file


def load_file(path: Path, limits: Limits | None = None, doc_id: str | None = None,
              shown: str | None = None) -> Iterator[LoadResult]:
    """Load one file: one document, several (JSONL), or a :class:`LoadError`.

    ``doc_id`` defaults to the file stem, ``shown`` (the name in messages and
    ``source``) to :func:`display_path`.  Files over ``limits`` are refused
    as too large or too complex; JSONL is streamed line by line.
    """
    limits = limits or Limits()
    shown = shown or display_path(path)
    doc_id = doc_id or display_path(path.stem)
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None and suffix != ".jsonl":
        kind = display_path(suffix) or "（无扩展名）"
        supported = " ".join(SUPPORTED_EXTENSIONS)
        yield LoadError(shown, f"不支持的文件类型 {kind}（支持：{supported}）")
        return
    try:
        if suffix == ".jsonl":
            yield from _load_jsonl(path, shown, doc_id, limits)
            return
        data = _read_bytes(path, limits)
        for doc in loader(path, data, limits):
            doc.doc_id, doc.source = doc_id, shown
            doc.meta["path"] = shown
            _check_document(doc, limits)
            yield doc
    except _Unreadable as exc:
        yield LoadError(shown, str(exc))
    except RecursionError:
        yield LoadError(shown, "过于复杂：嵌套过深，无法读取")
    except MemoryError:
        yield LoadError(shown, "过大：读取时内存不足")
    except Exception as exc:  # bad input must never crash a walk
        yield LoadError(shown, f"读取时发生意外错误（{type(exc).__name__}: {clean_str(str(exc))[:300]}）")


def _check_document(doc: RawDocument, limits: Limits) -> None:
    """Refuse oversized text; cut over-long titles; drop characters that cannot be stored."""
    if len(doc.text) > limits.max_text_chars:
        raise _Unreadable(f"过大：正文 {len(doc.text):,} 个字符（上限 {limits.max_text_chars:,}；见 --max-chars）")
    doc.text = clean_str(doc.text)
    doc.title = clean_str(doc.title)[: limits.max_title_chars]
    doc.url = clean_str(doc.url)[:2000]


def _read_bytes(path: Path, limits: Limits) -> bytes:
    """File contents; empty and oversized files are refused."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise _Unreadable(f"过大：文件 {size / 2**20:.1f} MiB（上限 {limits.max_file_bytes / 2**20:.0f} MiB；"
                              "见 --max-file-mb）")
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)  # the file may grow after stat
        if len(data) > limits.max_file_bytes:
            raise _Unreadable(f"过大：超过 {limits.max_file_bytes / 2**20:.0f} MiB（见 --max-file-mb）")
    except OSError as exc:
        raise _Unreadable(f"无法读取文件：{os_reason(exc)}") from exc
    if not data.strip():
        raise _Unreadable("空文件")
    return data


def _base_meta(path: Path, fmt: str, **extra: object) -> dict:
    meta: dict = {"path": display_path(path), "format": fmt}
    meta.update({k: v for k, v in extra.items() if v not in (None, "")})
    return meta


def _load_text(path: Path, data: bytes, limits: Limits) -> Iterator[RawDocument]:
    """Plain text or Markdown: decoded as is."""
    if len(data) > 4 * limits.max_text_chars + 4:  # no encoding spends more than 4 bytes a character
        raise _Unreadable(f"过大：{len(data) / 2**20:.1f} MiB 的文本，超过 {limits.max_text_chars:,} 个字符"
                          "（见 --max-chars）")
    text, encoding = decode_bytes(data)
    fmt = "md" if path.suffix.lower() == ".md" else "txt"
    yield RawDocument(doc_id=path.stem, text=text, source=str(path), meta=_base_meta(path, fmt, encoding=encoding))


# ---------------------------------------------------------------- decoding

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Legacy encodings accepted from detection, best first; the value is the codec
# actually used (GB18030 is a superset of GB2312 and GBK).
_CHINESE_CODECS = {
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "cp936": "gb18030",
    "hz": "hz",
    "big5": "cp950",
    "cp950": "cp950",
    "big5hkscs": "big5hkscs",
}
_OTHER_CJK_CODECS = {
    "cp932": "cp932",
    "shift_jis": "cp932",
    "shift_jis_2004": "shift_jis_2004",
    "euc_jp": "euc_jp",
    "euc_jis_2004": "euc_jis_2004",
    "cp949": "cp949",
    "euc_kr": "cp949",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A UTF-8 file with at most this share of broken bytes is read with U+FFFD.
_UTF8_DAMAGE_TOLERANCE = 0.001


def decode_bytes(data: bytes, declared: str = "") -> tuple[str, str]:
    """Decode text bytes; return ``(text, codec used)``.

    Order: byte-order mark (UTF-8/16/32); strict UTF-8 (a very few broken
    sequences are tolerated and replaced); the encoding ``declared`` by the
    file (an HTML ``<meta charset>``); then charset-normalizer, accepting
    only CJK encodings, Chinese first (GBK/GB2312 are decoded as GB18030).
    Raises :class:`_Unreadable` with a human reason for binary or
    undecodable bytes.
    """
    decoded = _decode_with_bom(data)
    if decoded is None and b"\x00" in data:
        raise _Unreadable("二进制文件（含 NUL 字节），不是文本")
    text, codec = decoded or _decode_utf8(data) or _decode_declared(data, declared) or _decode_detected(data)
    _check_plausible(text)
    return text, codec


def _decode_with_bom(data: bytes) -> tuple[str, str] | None:
    """Decode by byte-order mark, if the data starts with one."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise _Unreadable(
                    f"无法解码的字节：文件以 {codec} 字节顺序标记开头，"
                    f"但内容不是有效的 {codec}（第 {exc.start} 字节）"
                ) from exc
    return None


def _decode_utf8(data: bytes) -> tuple[str, str] | None:
    """Strict UTF-8, or UTF-8 with a very few damaged sequences replaced by U+FFFD."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= len(data) * _UTF8_DAMAGE_TOLERANCE and _looks_utf8(data):
        return text, "utf-8"
    return None


def _looks_utf8(data: bytes) -> bool:
    """True when the non-ASCII bytes are overwhelmingly valid UTF-8 sequences."""
    high = sum(1 for b in data if b >= 0x80)
    if not high:
        return False
    good = len(data.decode("utf-8", errors="ignore").encode("utf-8")) - (len(data) - high)
    return good >= high * 0.99


def _decode_declared(data: bytes, declared: str) -> tuple[str, str] | None:
    codec = _normalise_codec(declared)
    if not codec:
        return None
    try:
        return data.decode(codec), codec
    except (UnicodeDecodeError, LookupError):
        return None


def _normalise_codec(name: str) -> str:
    """Python codec for a declared or detected charset name ('' if unknown)."""
    key = name.strip().lower().replace("-", "_")
    key = {"utf8": "utf_8", "utf_8": "utf_8", "x_gbk": "gbk", "euc_cn": "gb2312"}.get(key, key)
    if key == "utf_8":
        return "utf-8"
    return _CHINESE_CODECS.get(key) or _OTHER_CJK_CODECS.get(key, "")


def _decode_detected(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    found = [match.encoding for match in from_bytes(data)]
    ranked = [e for e in found if e in _CHINESE_CODECS] + [e for e in found if e in _OTHER_CJK_CODECS]
    if "gb18030" not in ranked:
        ranked.append("gb18030")  # short GBK texts are sometimes not detected at all
    for name in ranked:
        codec = _CHINESE_CODECS.get(name) or _OTHER_CJK_CODECS[name]
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if name in found or _mostly_common_hanzi(text):
            return text, codec
    raise _Unreadable(
        "无法解码的字节：既不是有效的 UTF-8，也无法按中文编码（GB18030/GBK/Big5）或其他中日韩编码解码"
    )


def _mostly_common_hanzi(text: str) -> bool:
    """True when nearly all non-ASCII characters are common (GB2312 or Big5) Han text."""
    wide = [ch for ch in text if ord(ch) >= 0x80]
    if not wide:
        return False
    common = sum(1 for ch in wide if _encodable(ch, "gb2312") or _encodable(ch, "big5"))
    return common >= 0.95 * len(wide)


def _encodable(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _check_plausible(text: str) -> None:
    """Refuse decoded text that is really binary (many control characters)."""
    if not text.strip():
        raise _Unreadable("空文件（只有空白）")
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) * 0.01):
        raise _Unreadable("二进制文件（含控制字节），不是文本")


# ---------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_PUBLISHED_META = (
    "article:published_time",
    "pubdate",
    "publishdate",
    "published_time",
    "firstpublishedtime",
    "datepublished",
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "title",
    }
)


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                        "source", "track", "wbr", "p", "li", "td", "tr", "th", "option", "dt", "dd"})


def html_depth(html: str) -> int:
    """Deepest element nesting of ``html``, counted on its tags.

    An upper-bound estimate made before parsing, because lxml and trafilatura
    work recursively and a page nested 100,000 levels deep would take them
    minutes or the whole stack.  Tags that HTML closes implicitly (``p``,
    ``li``, ``td`` …) and void tags are not counted.
    """
    depth = deepest = 0
    for m in _TAG.finditer(html):
        if m.group(3) or m.group(2).lower() in _VOID_TAGS:
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _load_html(path: Path, data: bytes, limits: Limits) -> Iterator[RawDocument]:
    """HTML page: main text (trafilatura), title, canonical url, published date."""
    import lxml.html

    declared = _META_CHARSET.search(data[:4096])
    html, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else "")
    depth = html_depth(html)
    if depth > limits.max_html_depth:
        raise _Unreadable(f"过于复杂：HTML 元素嵌套 {depth:,} 层（上限 {limits.max_html_depth:,}）")
    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several types for junk
        raise _Unreadable("不是可读的 HTML 网页") from exc
    text = _main_text(html) or _plain_text(root)
    if not text.strip():
        raise _Unreadable("HTML 网页中没有找到正文")
    meta = _base_meta(path, "html", encoding=encoding, published=_html_published(root))
    yield RawDocument(
        doc_id=path.stem,
        text=text,
        source=str(path),
        title=_html_title(root),
        url=_html_canonical(root),
        meta=meta,
    )


def _main_text(html: str) -> str:
    """Main text by trafilatura ('' if it finds none); paragraphs on their own lines."""
    import trafilatura

    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    except Exception:  # fall back to plain extraction
        return ""
    return (text or "").strip()


def _plain_text(root: HtmlElement) -> str:
    """All visible text of the page, one block element per line."""
    for bad in root.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _first(root: HtmlElement, xpath: str) -> str:
    for value in root.xpath(xpath):
        value = " ".join(str(value).split())
        if value:
            return value
    return ""


def _html_title(root: HtmlElement) -> str:
    """og:title, else <title>."""
    return _first(root, "//meta[@property='og:title']/@content") or _first(root, "//title/text()")


def _html_canonical(root: HtmlElement) -> str:
    """<link rel=canonical>, else og:url."""
    return _first(root, "//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href") or _first(
        root, "//meta[@property='og:url']/@content"
    )


def _html_published(root: HtmlElement) -> str:
    """Publication date the page declares in <meta> tags, as written."""
    declared: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop") or ""
        declared.setdefault(key.strip().lower(), " ".join((meta.get("content") or "").split()))
    return next((declared[name] for name in _PUBLISHED_META if declared.get(name)), "")


# ---------------------------------------------------------------- PDF


def _load_pdf(path: Path, data: bytes, limits: Limits) -> Iterator[RawDocument]:
    """PDF: text of every page (pypdf), pages separated by a blank line.

    Pages without a text layer (fewer than :data:`ingest.ocr.MIN_TEXT_CHARS`
    meaningful characters: a scan) are rendered and OCR'd; pages with text
    are never OCR'd.
    """
    from pypdf import PdfReader

    _check_pdf_bytes(data)
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader)
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > limits.max_text_chars:
                raise _Unreadable(f"过大：读到第 {len(pages)} 页时正文已超过 {limits.max_text_chars:,} 个字符"
                                  "（见 --max-chars）")
    except _Unreadable:
        raise
    except Exception as exc:  # pypdf raises many types for broken files
        raise _Unreadable("PDF 文件已损坏，无法读取") from exc
    meta = _base_meta(path, "pdf", pages=len(pages))
    images: dict[int, bytes] = {}
    text = _pdf_text_with_ocr(data, pages, limits, meta, images)
    if not text:
        raise _Unreadable(f"PDF 中没有可提取的文字，扫描页也没有识别出文字（共 {len(pages)} 页）")
    title = _pdf_title(reader)
    if title == path.stem:  # written by the tool that made the file (PIL, scanners), not a title
        title = ""
    yield RawDocument(doc_id=path.stem, text=text, source=str(path), title=title, meta=meta, page_images=images)


def _pdf_text_with_ocr(data: bytes, pages: list[str], limits: Limits, meta: dict, images: dict[int, bytes]) -> str:
    """The PDF's text, its textless pages OCR'd; records ``ocr``/``ocr_pages`` in ``meta``, page JPEGs in ``images``."""
    from ingest import ocr

    scanned = [number for number, page in enumerate(pages, 1) if ocr.meaningful_chars(page) < ocr.MIN_TEXT_CHARS]
    if not scanned:
        return "\n\n".join(page.strip() for page in pages if page.strip())
    try:
        recognised = ocr.ocr_pdf_pages(data, scanned, limits)
    except ocr.OcrError as exc:
        if len(scanned) == len(pages):
            raise _Unreadable(str(exc)) from exc
        meta["ocr_error"] = str(exc)  # the pages with text are still indexed
        return "\n\n".join(page.strip() for page in pages if page.strip())
    by_number = {page.number: page for page in recognised}
    meta.update(ocr.ocr_meta(recognised))
    images.update({page.number: page.image for page in recognised if page.image})
    parts: list[ocr.OcrPage] = []
    for number, page in enumerate(pages, 1):
        if number in by_number:
            parts.append(by_number[number])
        elif page.strip():
            parts.append(ocr.OcrPage(number=number, text=page.strip(), confidence=1.0, lines=0))
    return ocr.join_pages(parts)


def _check_pdf_bytes(data: bytes) -> None:
    """Refuse non-PDF bytes and truncated files before handing them to pypdf."""
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable("不是 PDF 文件（没有 %PDF 文件头）")
    if b"%%EOF" not in data[-4096:]:
        raise _Unreadable("PDF 文件不完整（没有文件结束标记：下载或复制时被截断）")


def _unlock(reader: PdfReader) -> None:
    """Open an encrypted PDF with the empty password, or refuse it."""
    if not reader.is_encrypted:
        return
    try:
        ok = reader.decrypt("")
    except Exception as exc:  # missing crypto backend, unknown scheme
        raise _Unreadable("加密的 PDF，无法打开") from exc
    if not ok:
        raise _Unreadable("加密的 PDF（需要密码）")


def _pdf_title(reader: PdfReader) -> str:
    try:
        info = reader.metadata
        return " ".join(str(info.title or "").split()) if info else ""
    except Exception:  # broken info dictionaries are common
        return ""


# ---------------------------------------------------------------- images (OCR)


def _load_image(path: Path, data: bytes, limits: Limits) -> Iterator[RawDocument]:
    """A photo or scan of a notice (PNG, JPEG, TIFF, BMP): OCR'd, every frame a page."""
    from ingest import ocr

    try:
        pages = ocr.ocr_image_file(data, limits)
    except ocr.OcrError as exc:
        raise _Unreadable(str(exc)) from exc
    text = ocr.join_pages(pages)
    if not text.strip():
        raise _Unreadable(f"图像中没有识别出文字（{len(pages)} 页）")
    meta = _base_meta(path, "image", pages=len(pages))
    meta.update(ocr.ocr_meta(pages))
    yield RawDocument(doc_id=path.stem, text=text, source=str(path), meta=meta,
                      page_images={page.number: page.image for page in pages if page.image})


# ---------------------------------------------------------------- DOCX


def _load_docx(path: Path, data: bytes, limits: Limits) -> Iterator[RawDocument]:
    """Word .docx: paragraphs and table cells in document order."""
    import docx

    _check_docx_zip(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document, _TableBudget(limits)))
        title = " ".join((document.core_properties.title or "").split())
    except _Unreadable:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _Unreadable("Word .docx 文件已损坏或不是 .docx 文件") from exc
    except Exception as exc:  # python-docx/lxml raise many types
        if "Excessive depth" in str(exc):
            raise _Unreadable("过于复杂：XML 嵌套过深") from exc
        raise _Unreadable("Word .docx 文件已损坏，无法读取") from exc
    text = "\n".join(lines).strip()
    if not text:
        raise _Unreadable("Word 文档中没有文字")
    yield RawDocument(doc_id=path.stem, text=text, source=str(path), title=title, meta=_base_meta(path, "docx"))


def _check_docx_zip(data: bytes, limits: Limits) -> None:
    """Refuse a .docx that unpacks to more than the limit (a zip bomb) before parsing it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _Unreadable("Word .docx 文件已损坏或不是 .docx 文件（不是有效的压缩包）") from exc
    xml = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    total = sum(i.file_size for i in infos)
    if xml > limits.max_unzipped_bytes or total > 4 * limits.max_unzipped_bytes:
        raise _Unreadable(f"过大：.docx 解压后 {total / 2**20:,.0f} MiB（其中 XML {xml / 2**20:,.0f} MiB；"
                          f"XML 上限 {limits.max_unzipped_bytes / 2**20:.0f} MiB）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = archive.read("word/document.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return  # python-docx says what is wrong
    # counted on the bytes: parsing a table of a million cells takes minutes before any check
    cells = body.count(b"<w:tc>") + body.count(b"<w:tc ")
    if cells > limits.max_table_cells:
        raise _Unreadable(f"过于复杂：{cells:,} 个表格单元格（上限 {limits.max_table_cells:,}）")


class _TableBudget:
    """Counts table cells across a document against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0

    def add_cell(self) -> None:
        self.cells += 1
        if self.cells > self.limits.max_table_cells:
            raise _Unreadable(f"过于复杂：超过 {self.limits.max_table_cells:,} 个表格单元格")


def _docx_lines(container: DocxDocument | _Cell, budget: _TableBudget, depth: int = 0) -> Iterator[str]:
    """Lines of a document or table cell: a paragraph per line, a table row per line."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table_lines(block, budget, depth + 1)
        else:
            yield block.text


def _docx_table_lines(table: Table, budget: _TableBudget, depth: int) -> Iterator[str]:
    """One line per row, cells separated by a tab; merged cells once per row.

    Reads the ``w:tc`` elements directly instead of python-docx's
    ``row.cells``, which lays out the whole grid for every row (quadratic in
    the rows, and a ``gridSpan`` of 2,000,000,000 asks for that many slots).
    A vertically merged cell repeats its text in each row it covers, as
    ``row.cells`` would give it.
    """
    from docx.table import _Cell

    if depth > budget.limits.max_table_depth:
        raise _Unreadable(f"过于复杂：表格嵌套超过 {budget.limits.max_table_depth} 层")
    above: dict[int, str] = {}  # grid column → text of the cell a vertical merge continues
    for tr in table._tbl.tr_lst:
        cells: list[str] = []
        column = 0
        for tc in tr.tc_lst:
            budget.add_cell()
            merge = tc.vMerge
            if merge == "continue":
                text = above.get(column, "")
            else:
                cell = _Cell(tc, table)
                text = " ".join(line.strip() for line in _docx_lines(cell, budget, depth) if line.strip())
                if merge == "restart":
                    above[column] = text
            cells.append(text)
            column += min(max(tc.grid_span, 1), budget.limits.max_grid_span)
        yield "\t".join(cells)


# ---------------------------------------------------------------- JSONL


def _load_jsonl(path: Path, shown: str, file_id: str, limits: Limits) -> Iterator[LoadResult]:
    """One document per line: ``id``, ``url``, ``title``, ``text`` (``kind`` kept).

    Streamed: a line longer than ``limits.max_line_bytes`` is skipped without
    being held in memory, so memory is bounded by the line limit, not by the
    file.  The first ``limits.max_line_errors`` bad lines are reported one by
    one, the rest in one closing line; a file whose first lines hold no
    record at all is refused as a whole.
    """
    ids: dict[str, int] = {}
    errors = hidden = records = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield LoadError(shown, f"无法读取文件：{os_reason(exc)}")
        return
    with handle:
        for lineno, line, problem in _jsonl_lines(handle, limits):
            source = f"{shown}:{lineno}"
            doc: RawDocument | None = None
            if not problem:
                try:
                    doc = _jsonl_record(path, file_id, lineno, line, limits)
                except _Unreadable as exc:
                    problem = str(exc)
            if doc is not None and doc.doc_id in ids:
                problem, doc = f"编号重复 {doc.doc_id!r}（第一次出现在第 {ids[doc.doc_id]} 行）", None
            if doc is not None:
                ids[doc.doc_id] = lineno
                records += 1
                yield doc
                continue
            if problem == "blank":
                continue
            errors += 1
            if errors <= limits.max_line_errors:
                yield LoadError(source, problem)
            else:
                hidden += 1
    if hidden:
        yield LoadError(shown, f"另有 {hidden:,} 个有问题的行未列出（共 {errors:,} 个有问题的行，"
                               f"读到 {records:,} 条记录）")
    elif not records and not errors:
        yield LoadError(shown, "空文件")


def _jsonl_lines(handle: io.BufferedReader, limits: Limits) -> Iterator[tuple[int, str, str]]:
    """(line number, decoded line, problem or '') for each line; ``problem`` is 'blank' for blank lines."""
    limit = limits.max_line_bytes
    lineno = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            size = len(raw)
            while True:  # skip the rest of the over-long line without keeping it
                more = handle.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield lineno, "", (f"过大：这一行 {size / 2**20:.1f} MiB（上限 {limit / 2**20:.0f} MiB；"
                               "见 --max-line-mb）")
            continue
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            yield lineno, "", "blank"
            continue
        if b"\x00" in raw:
            yield lineno, "", "二进制数据（含 NUL 字节），不是一行 JSON"
            continue
        # JSON Lines are UTF-8; GB18030 is accepted too (exports from Chinese tools), without
        # per-line charset detection, which would make a file of junk lines slow.
        for codec in ("utf-8", "gb18030"):
            try:
                yield lineno, raw.decode(codec), ""
                break
            except UnicodeDecodeError:
                continue
        else:
            yield lineno, "", "无法解码的字节：既不是 UTF-8 也不是 GB18030"


def _jsonl_record(path: Path, file_id: str, lineno: int, line: str, limits: Limits) -> RawDocument:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"无效的 JSON（{json_reason(exc)}）") from exc
    except RecursionError as exc:
        raise _Unreadable("过于复杂：JSON 嵌套过深") from exc
    if not isinstance(record, dict):
        raise _Unreadable(f"应为 JSON 对象，而不是{_JSON_TYPES.get(type(record).__name__, type(record).__name__)}")
    body = record.get("text")
    if not isinstance(body, str):
        raise _Unreadable("缺少 'text' 字段" if body is None else "'text' 字段不是字符串")
    body = clean_str(body)
    if not body.strip():
        raise _Unreadable("'text' 字段为空")
    if len(body) > limits.max_text_chars:
        raise _Unreadable(f"过大：正文 {len(body):,} 个字符（上限 {limits.max_text_chars:,}；见 --max-chars）")
    doc_id = record.get("id")
    doc_id = clean_str(str(doc_id)).strip() if isinstance(doc_id, str | int) else ""
    doc_id = doc_id[:200] or f"{file_id}-{lineno}"
    extra = {clean_str(str(k)): _plain(v) for k, v in record.items() if k not in {"id", "url", "title", "text", "kind"}}
    return RawDocument(
        doc_id=doc_id,
        text=body,
        source=f"{display_path(path)}:{lineno}",
        title=_str_field(record, "title")[: limits.max_title_chars],
        url=_str_field(record, "url")[:2000],
        kind=_str_field(record, "kind"),
        meta={"path": display_path(path), "format": "jsonl", "line": lineno, **extra},
    )


def _plain(value: object, depth: int = 0) -> object:
    """A JSON value safe to store again: strings cleaned, nesting cut at 20 levels."""
    if isinstance(value, str):
        return clean_str(value)
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value] if depth < 20 else None
    if isinstance(value, dict):
        return {clean_str(str(k)): _plain(v, depth + 1) for k, v in value.items()} if depth < 20 else None
    return value


def _str_field(record: dict, key: str) -> str:
    value = record.get(key)
    return clean_str(value).strip() if isinstance(value, str) else ""


_LOADERS: dict[str, Callable[[Path, bytes, Limits], Iterator[RawDocument]]] = {
    ".txt": _load_text,
    ".md": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
    **dict.fromkeys(IMAGE_EXTENSIONS, _load_image),
}
