"""Upload view: add notice files to the index with :func:`ingest.pipeline.ingest`."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import streamlit as st

from index.errors import IndexError_, os_reason

from . import state
from .safe import plain

#: Extensions the ingest reads (ingest.load.SUPPORTED_EXTENSIONS, without dots).
ACCEPTED = ("txt", "md", "html", "htm", "pdf", "docx", "jsonl", "png", "jpg", "jpeg", "tif", "tiff", "bmp")
#: Per-file limit; keep equal to ``server.maxUploadSize`` in ``.streamlit/config.toml``.
MAX_MB = 20
KEY_FILES = "uploads"
KEY_RESULT = "upload_result"
KEY_REMOVE = "remove_doc"
KEY_REMOVE_PENDING = "remove_pending"
KEY_REMOVE_RESULT = "remove_result"

#: Streamlit 1.67 writes the uploader's own words in English in its JavaScript
#: (``Upload``, ``20MB per file • TXT, …``, ``Drag and drop files here``) and has no
#: locale setting or parameter for them (checked in
#: ``streamlit/static/static/js/FileUploader.*.js``); its documented way to
#: restyle a widget is CSS on the element's ``data-testid``.  So the English
#: text is hidden and the Chinese drawn in its place with ``::after``.
UPLOAD_BUTTON_TEXT = "选择文件"
UPLOAD_HINT_TEXT = f"拖放文件到这里，或点击“{UPLOAD_BUTTON_TEXT}”；每个文件不超过 {MAX_MB} MB"
UPLOADER_CSS = f"""<style>
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"] span,
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"] p{{display:none}}
[data-testid="stFileUploaderDropzone"] button[data-testid="stBaseButton-secondary"]::after{{
  content:"{UPLOAD_BUTTON_TEXT}";font-size:1rem}}
[data-testid="stFileUploaderDropzoneInstructions"] *{{font-size:0 !important;line-height:0}}
[data-testid="stFileUploaderDropzoneInstructions"]::after{{
  content:"{UPLOAD_HINT_TEXT}";font-size:.85rem;opacity:.75}}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid])) *{{font-size:0 !important}}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid]))::after{{
  content:"松开鼠标即可上传";font-size:1rem}}
</style>"""

STATUS_NAMES = {
    "indexed": "已索引",
    "replaced": "已更新",
    "unchanged": "未变化",
    "duplicate": "重复",
    "rejected": "拒绝",
    "removed": "已删除",
    "renamed": "另存为新通报",
}
#: Longest file name written (bytes of UTF-8; file systems allow 255): longer names are shortened.
MAX_NAME_BYTES = 180
_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")


class Uploaded(Protocol):
    """What the page needs of a Streamlit ``UploadedFile``."""

    name: str
    size: int

    def getvalue(self) -> bytes:
        """The file's bytes."""
        ...


@dataclass
class UploadResult:
    """Per-file outcome rows and a one-line summary of an upload."""

    rows: list[dict] = field(default_factory=list)
    summary: str = ""
    error: str = ""


def safe_name(name: str, taken: set[str]) -> str:
    """A file name safe to write into the temp folder, unique within ``taken``.

    Keeps Chinese characters (the stem becomes the document id); drops folders,
    control and reserved characters and leading dots (hidden files are skipped
    by the loader).
    """
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(". ").strip() or "upload"
    stem, suffix = Path(base).stem or "upload", Path(base).suffix.lower()[:12]
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:  # a 300-character name: keep its beginning
        stem = stem[:-1]
    candidate, number = f"{stem}{suffix}", 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    taken.add(candidate)
    return candidate


def detail_text(status: str, detail: str) -> str:
    """The 说明 column: document id, the twin of a duplicate, or the rejection reason."""
    if status == "duplicate":
        return f"与已有通报 {detail} 内容相同，未重复索引"
    if status in ("indexed", "replaced", "unchanged"):
        return f"编号 {detail}"
    if status == "renamed":
        old, _, new = detail.partition(" → ")
        return (f"索引中已有编号 {old} 的通报且内容不同，未替换它，另存为新通报 编号 {new}"
                "（如要替换，请先删除原通报再上传）")
    return detail


def _expected_items(path: Path) -> int:
    """How many on_item calls a file will give (JSONL: one per non-empty line)."""
    if path.suffix.lower() != ".jsonl":
        return 1
    try:
        return max(1, sum(1 for line in path.read_bytes().splitlines() if line.strip()))
    except OSError:
        return 1


def ingest_files(files: Sequence[Uploaded], root: Path) -> UploadResult:
    """Write ``files`` to a temp folder and ingest them into ``root``, showing progress."""
    from ingest import ocr
    from ingest.pipeline import ingest  # imported here: it pulls in the whole ingest stack

    result = UploadResult()
    with tempfile.TemporaryDirectory(prefix="notice-upload-") as tmp:
        folder = Path(tmp)
        taken: set[str] = set()
        paths: list[Path] = []
        shortened: dict[str, str] = {}  # written name → the uploaded (too long) name
        for item in files:
            name = safe_name(item.name, taken)
            if item.size > MAX_MB * 1024 * 1024:
                result.rows.append({"文件": item.name, "结果": "拒绝", "说明": f"超过 {MAX_MB} MB"})
                continue
            path = folder / name
            try:
                path.write_bytes(item.getvalue())
            except OSError as exc:  # this file only: the rest of the batch is still indexed
                result.rows.append({"文件": item.name, "结果": "拒绝", "说明": f"无法保存：{os_reason(exc)}"})
                continue
            if len(name) < len(Path(item.name).name) - 8:  # shortened, not just a character replaced
                shortened[name] = item.name
            paths.append(path)
        if not paths:
            result.summary = "没有可导入的文件。"
            return result
        total = sum(_expected_items(p) for p in paths)
        bar = st.progress(0.0, text="正在解析文件…")
        done = 0

        renamed: dict[str, str] = {}  # source → "ID → ID-2" (the next call reports it indexed)

        def on_item(source: str, status: str, detail: str) -> None:
            nonlocal done
            if status == "renamed":
                renamed[source] = detail
                return
            done += 1
            shown = source.replace(str(folder) + "/", "")
            if source in renamed and status == "indexed":
                status, detail = "renamed", renamed.pop(source)
            explained = detail_text(status, detail)
            written = shown.split(":", 1)[0]
            if written in shortened:
                explained += f"（文件名过长，已缩短为 {shown}）"
                shown = shortened[written]
            result.rows.append({"文件": shown, "结果": STATUS_NAMES.get(status, status), "说明": explained})
            bar.progress(min(done / total, 1.0), text=f"已解析 {done}/{total}：{shown}")

        def on_page(page: int, pages: int) -> None:  # OCR of a scan: one report per page
            bar.progress(min(done / total, 1.0), text=f"正在识别扫描页 {page}/{pages}（已解析 {done}/{total} 个文件）")

        try:
            with st.spinner("正在计算向量并写入索引（文件多时需要几分钟）…"), ocr.reporting(on_page):
                report = ingest(paths, root, progress=False, on_item=on_item, target=state.milvus_target(),
                                keep_existing=True)
        except IndexError_ as exc:
            result.error = f"导入失败：{exc}"
            return result
        except OSError as exc:
            result.error = f"导入失败：{os_reason(exc)}"
            return result
        except Exception as exc:  # model or disk trouble: one clear line, never a traceback
            result.error = f"导入失败：{type(exc).__name__}: {exc}"
            return result
        bar.progress(1.0, text="完成")
    counts = report.counts or {}
    result.summary = (
        f"新索引 {len(report.indexed)} 篇，更新 {len(report.replaced)} 篇，未变化 {len(report.unchanged)} 篇，"
        f"重复 {len(report.duplicates)} 篇，拒绝 {len(report.rejected)} 个。"
        + (f"索引现有 {counts['documents']} 篇通报。" if "documents" in counts else "索引没有变化。")
    )
    return result


def render(ctx: state.Context) -> None:
    """Uploader, import button, per-file result table; removal of a notice with confirmation."""
    st.html(UPLOADER_CSS)
    st.markdown(
        f"支持的文件类型：{'、'.join('.' + e for e in ACCEPTED)}；单个文件不超过 **{MAX_MB} MB**。"
        "JSONL 每行一篇通报（字段 id、title、url、text…）。相同内容的通报只索引一次。"
        "扫描的 PDF 和通报的图片（PNG、JPG、TIFF、BMP）会自动进行文字识别，每页约需数秒至半分钟。"
    )
    if ctx.problem:
        st.caption("还没有索引：导入的通报将建立一个新的索引。")
    with st.expander("技术信息", expanded=False):
        st.caption(f"导入到：`{ctx.root}`")
    files = st.file_uploader("选择通报文件（可多选，也可拖放到下框中）", type=list(ACCEPTED),
                             accept_multiple_files=True, key=KEY_FILES,
                             help=f"可一次选择多个文件，每个不超过 {MAX_MB} MB；"
                                  f"类型：{'、'.join('.' + e for e in ACCEPTED)}。")
    if st.button("导入到索引", type="primary", disabled=not files, icon=":material/upload:"):
        result = ingest_files(files or [], ctx.root)
        st.session_state[KEY_RESULT] = result
        if not result.error:
            state.clear_caches()
            st.rerun()  # reload the new generation everywhere (sidebar counts, search)
    _show(st.session_state.get(KEY_RESULT))
    if ctx.engine is not None:
        _removal(ctx)


def remove_notice(root: Path, doc_id: str) -> str:
    """Take ``doc_id`` out of the index at ``root`` (as ``python -m ingest --remove``); a one-line outcome."""
    from ingest.pipeline import ingest  # imported here: it pulls in the whole ingest stack

    try:
        report = ingest([], root, remove=[doc_id], progress=False)
    except IndexError_ as exc:
        return f"删除失败：{exc}"
    if doc_id in report.not_found:
        return f"索引中没有编号为 {doc_id} 的通报，未作改动。"
    remaining = (report.counts or {}).get("documents")
    return f"已从索引中删除通报 {doc_id}。" + (f"索引现有 {remaining} 篇通报。" if remaining is not None else "")


def _removal(ctx: state.Context) -> None:
    """Pick a notice, ask for confirmation, then remove it."""
    docs = ctx.engine.documents
    st.subheader("从索引中删除通报")
    done = st.session_state.pop(KEY_REMOVE_RESULT, "")
    if done:
        (st.error if done.startswith("删除失败") else st.success)(plain(done))
    if not docs:
        st.caption("索引中没有通报。")
        return
    ids = sorted(docs, key=lambda d: (docs[d].title or d))
    # keyed by generation: after a removal the picker starts empty on the new index
    doc_id = st.selectbox("要删除的通报", ids, key=f"{KEY_REMOVE}-{ctx.engine.generation}", index=None,
                          placeholder="选择一篇通报…",
                          format_func=lambda d: f"{docs[d].title or d}（编号 {d}）",
                          help="只从索引中删除，不会删除你电脑上的原文件；可以随时重新导入。")
    pending = st.session_state.get(KEY_REMOVE_PENDING)
    if doc_id is None:
        st.session_state.pop(KEY_REMOVE_PENDING, None)
        return
    if pending != doc_id:
        if st.button("删除这篇通报…", key="remove_ask", icon=":material/delete:"):
            st.session_state[KEY_REMOVE_PENDING] = doc_id
            st.rerun()
        return
    st.warning(plain(f"确定要从索引中删除《{docs[doc_id].title or doc_id}》（编号 {doc_id}）吗？"
                     "删除后检索、对比和共性问题中都不再包含它。"))
    left, right = st.columns(2)
    if left.button("确认删除", key="remove_confirm", type="primary", icon=":material/delete_forever:"):
        st.session_state[KEY_REMOVE_RESULT] = remove_notice(ctx.root, doc_id)
        st.session_state.pop(KEY_REMOVE_PENDING, None)
        state.clear_caches()
        st.rerun()
    if right.button("取消", key="remove_cancel"):
        st.session_state.pop(KEY_REMOVE_PENDING, None)
        st.rerun()


def _show(result: UploadResult | None) -> None:
    """The last upload's outcome."""
    if result is None:
        return
    if result.error:
        st.error(plain(result.error))
    elif result.summary:
        st.success(plain(result.summary))
    if result.rows:
        import pandas as pd  # here, not at import: the first page load does not need it

        st.dataframe(pd.DataFrame(result.rows, columns=["文件", "结果", "说明"]), hide_index=True, width="stretch")
