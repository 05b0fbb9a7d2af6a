"""Files → :class:`RawDocument`: the first stage of ingest.

:func:`load_paths` walks files and folders (sorted, recursive) and yields one
:class:`RawDocument` per document, or a :class:`LoadError` saying in plain
words why a file (or a JSONL line) could not be read.  It never raises for bad
input: empty, binary, truncated, encrypted or corrupt files, unknown
extensions and undecodable bytes all come back as ``LoadError``.

Formats: ``.txt`` ``.md`` ``.html`` ``.htm`` ``.pdf`` ``.docx`` ``.jsonl``.
Text and HTML bytes are decoded by :func:`decode_bytes` (BOM, strict UTF-8,
then charset detection restricted to CJK encodings; GBK/GB2312 are decoded as
GB18030, their superset).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import DEFAULT_INDEX_DIR
from ingest.records import RawDocument

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table, _Cell
    from lxml.html import HtmlElement
    from pypdf import PdfReader

#: Extensions :func:`load_paths` can read.
SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl")
#: Files larger than this are refused rather than read into memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
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


# ---------------------------------------------------------------- walking


def load_paths(paths: Sequence[Path]) -> Iterator[LoadResult]:
    """Load every supported file under ``paths`` (files or folders).

    Folders are walked recursively in sorted order; hidden files and folders
    (``.name``), Office lock files (``~$name``) and our own index folders are
    skipped.  A file given twice (directly or via a folder) is loaded once.
    Yields a :class:`RawDocument` per document and a :class:`LoadError` for
    every file or JSONL line that cannot be read; never raises for bad input.
    """
    seen: set[Path] = set()
    for item in _iter_files(paths):
        if isinstance(item, LoadError):
            yield item
            continue
        key = item.resolve()
        if key in seen:
            continue
        seen.add(key)
        yield from load_file(item)


def _iter_files(paths: Sequence[Path]) -> Iterator[Path | LoadError]:
    """Files named in ``paths`` and files found under its folders, in order."""
    visited: set[Path] = set()
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            yield from _walk(path, visited)
        elif path.is_file():
            yield path
        elif path.exists():
            yield LoadError(str(path), "not a regular file")
        else:
            yield LoadError(str(path), "no such file or folder")


def _walk(folder: Path, visited: set[Path]) -> Iterator[Path | LoadError]:
    """Recursive sorted walk of ``folder``, guarding against symlink loops."""
    real = folder.resolve()
    if real in visited or is_index_dir(folder):
        return
    visited.add(real)
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield LoadError(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for child in children:
        if _is_skipped_name(child.name):
            continue
        if child.is_dir():
            if child.name not in SKIP_DIR_NAMES:
                yield from _walk(child, visited)
        elif child.is_file():
            yield child


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
    except OSError:
        return False
    return (folder / "CURRENT").is_file() or (folder / "manifest.json").is_file()


# ---------------------------------------------------------------- one file


def load_file(path: Path) -> Iterator[LoadResult]:
    """Load one file: one document, several (JSONL), or a :class:`LoadError`."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        shown = suffix or "(no extension)"
        supported = " ".join(SUPPORTED_EXTENSIONS)
        yield LoadError(str(path), f"unsupported file type {shown} (supported: {supported})")
        return
    try:
        data = _read_bytes(path)
        yield from loader(path, data)
    except _Unreadable as exc:
        yield LoadError(str(path), str(exc))
    except Exception as exc:  # bad input must never crash a walk
        yield LoadError(str(path), f"unexpected error while reading: {type(exc).__name__}: {exc}")


def _read_bytes(path: Path) -> bytes:
    """File contents; empty and oversized files are refused."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Unreadable(f"file too large ({size // (1024 * 1024)} MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise _Unreadable("empty file")
    return data


def _base_meta(path: Path, fmt: str, **extra: object) -> dict:
    meta: dict = {"path": str(path), "format": fmt}
    meta.update({k: v for k, v in extra.items() if v not in (None, "")})
    return meta


def _load_text(path: Path, data: bytes) -> Iterator[RawDocument]:
    """Plain text or Markdown: decoded as is."""
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
        raise _Unreadable("binary file (contains NUL bytes), not text")
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
                    f"undecodable bytes: the file starts with a {codec} byte-order mark "
                    f"but is not valid {codec} ({exc.reason} at byte {exc.start})"
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
        "undecodable bytes: not valid UTF-8 and not decodable as Chinese text (GB18030/GBK/Big5) or other CJK text"
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
        raise _Unreadable("empty file (only whitespace)")
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) * 0.01):
        raise _Unreadable("binary file (control bytes), not text")


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


def _load_html(path: Path, data: bytes) -> Iterator[RawDocument]:
    """HTML page: main text (trafilatura), title, canonical url, published date."""
    import lxml.html

    declared = _META_CHARSET.search(data[:4096])
    html, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else "")
    try:
        root = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several types for junk
        raise _Unreadable(f"not a readable HTML page ({exc})") from exc
    text = _main_text(html) or _plain_text(root)
    if not text.strip():
        raise _Unreadable("no text found in HTML page")
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


def _load_pdf(path: Path, data: bytes) -> Iterator[RawDocument]:
    """PDF: text of every page (pypdf), pages separated by a blank line."""
    from pypdf import PdfReader

    _check_pdf_bytes(data)
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except _Unreadable:
        raise
    except Exception as exc:  # pypdf raises many types for broken files
        raise _Unreadable(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise _Unreadable(f"PDF has no extractable text ({len(pages)} page(s); scanned images need OCR)")
    title = _pdf_title(reader)
    yield RawDocument(
        doc_id=path.stem,
        text=text,
        source=str(path),
        title=title,
        meta=_base_meta(path, "pdf", pages=len(pages)),
    )


def _check_pdf_bytes(data: bytes) -> None:
    """Refuse non-PDF bytes and truncated files before handing them to pypdf."""
    if b"%PDF-" not in data[:1024]:
        raise _Unreadable("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise _Unreadable("truncated PDF (no end-of-file marker; the download or copy was cut short)")


def _unlock(reader: PdfReader) -> None:
    """Open an encrypted PDF with the empty password, or refuse it."""
    if not reader.is_encrypted:
        return
    try:
        ok = reader.decrypt("")
    except Exception as exc:  # missing crypto backend, unknown scheme
        raise _Unreadable(f"encrypted PDF that cannot be opened ({exc})") from exc
    if not ok:
        raise _Unreadable("encrypted PDF (password required)")


def _pdf_title(reader: PdfReader) -> str:
    try:
        info = reader.metadata
        return " ".join(str(info.title or "").split()) if info else ""
    except Exception:  # broken info dictionaries are common
        return ""


# ---------------------------------------------------------------- DOCX


def _load_docx(path: Path, data: bytes) -> Iterator[RawDocument]:
    """Word .docx: paragraphs and table cells in document order."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
        title = " ".join((document.core_properties.title or "").split())
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _Unreadable(f"corrupt or not a Word .docx file ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # python-docx/lxml raise many types
        raise _Unreadable(f"corrupt Word .docx file ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(lines).strip()
    if not text:
        raise _Unreadable("Word document has no text")
    yield RawDocument(doc_id=path.stem, text=text, source=str(path), title=title, meta=_base_meta(path, "docx"))


def _docx_lines(container: DocxDocument | _Cell) -> Iterator[str]:
    """Lines of a document or table cell: a paragraph per line, a table row per line."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table_lines(block)
        else:
            yield block.text


def _docx_table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells separated by a tab; merged cells once."""
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(line.strip() for line in _docx_lines(cell) if line.strip()))
        yield "\t".join(cells)


# ---------------------------------------------------------------- JSONL


def _load_jsonl(path: Path, data: bytes) -> Iterator[LoadResult]:
    """One document per line: ``id``, ``url``, ``title``, ``text`` (``kind`` kept)."""
    text, _ = decode_bytes(data)
    ids: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{lineno}"
        try:
            doc = _jsonl_record(path, lineno, line)
        except _Unreadable as exc:
            yield LoadError(source, str(exc))
            continue
        if doc.doc_id in ids:
            yield LoadError(source, f"duplicate id {doc.doc_id!r} (first on line {ids[doc.doc_id]})")
            continue
        ids[doc.doc_id] = lineno
        yield doc


def _jsonl_record(path: Path, lineno: int, line: str) -> RawDocument:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise _Unreadable(f"expected a JSON object, got {type(record).__name__}")
    body = record.get("text")
    if not isinstance(body, str):
        raise _Unreadable("missing 'text' field" if body is None else "'text' is not a string")
    if not body.strip():
        raise _Unreadable("empty 'text'")
    doc_id = record.get("id")
    doc_id = str(doc_id).strip() if isinstance(doc_id, str | int) and str(doc_id).strip() else f"{path.stem}-{lineno}"
    extra = {k: v for k, v in record.items() if k not in {"id", "url", "title", "text", "kind"}}
    return RawDocument(
        doc_id=doc_id,
        text=body,
        source=f"{path}:{lineno}",
        title=_str_field(record, "title"),
        url=_str_field(record, "url"),
        kind=_str_field(record, "kind"),
        meta={"path": str(path), "format": "jsonl", "line": lineno, **extra},
    )


def _str_field(record: dict, key: str) -> str:
    value = record.get(key)
    return value.strip() if isinstance(value, str) else ""


_LOADERS: dict[str, Callable[[Path, bytes], Iterator[LoadResult]]] = {
    ".txt": _load_text,
    ".md": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
    ".jsonl": _load_jsonl,
}
