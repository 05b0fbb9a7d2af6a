"""Upload view: add notice files to the index with :func:`ingest.pipeline.ingest`."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
import streamlit as st

from index.errors import IndexError_

from . import state

#: Extensions the ingest reads (ingest.load.SUPPORTED_EXTENSIONS, without dots).
ACCEPTED = ("txt", "md", "html", "htm", "pdf", "docx", "jsonl")
#: Per-file limit; keep equal to ``server.maxUploadSize`` in ``.streamlit/config.toml``.
MAX_MB = 20
KEY_FILES = "uploads"
KEY_RESULT = "upload_result"

STATUS_NAMES = {
    "indexed": "已索引",
    "replaced": "已更新",
    "unchanged": "未变化",
    "duplicate": "重复",
    "rejected": "拒绝",
    "removed": "已删除",
}
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
    stem, suffix = Path(base).stem or "upload", Path(base).suffix.lower()
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
    from ingest.pipeline import ingest  # imported here: it pulls in the whole ingest stack

    result = UploadResult()
    with tempfile.TemporaryDirectory(prefix="notice-upload-") as tmp:
        folder = Path(tmp)
        taken: set[str] = set()
        paths: list[Path] = []
        for item in files:
            name = safe_name(item.name, taken)
            if item.size > MAX_MB * 1024 * 1024:
                result.rows.append({"文件": item.name, "结果": "拒绝", "说明": f"超过 {MAX_MB} MB"})
                continue
            path = folder / name
            path.write_bytes(item.getvalue())
            paths.append(path)
        if not paths:
            result.summary = "没有可导入的文件。"
            return result
        total = sum(_expected_items(p) for p in paths)
        bar = st.progress(0.0, text="正在解析文件…")
        done = 0

        def on_item(source: str, status: str, detail: str) -> None:
            nonlocal done
            done += 1
            shown = source.replace(str(folder) + "/", "")
            result.rows.append({"文件": shown, "结果": STATUS_NAMES.get(status, status),
                                "说明": detail_text(status, detail)})
            bar.progress(min(done / total, 1.0), text=f"已解析 {done}/{total}：{shown}")

        try:
            with st.spinner("正在计算向量并写入索引（文件多时需要几分钟）…"):
                report = ingest(paths, root, progress=False, on_item=on_item, target=state.milvus_target())
        except IndexError_ as exc:
            result.error = f"导入失败：{exc}"
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
    """Uploader, import button, per-file result table."""
    st.markdown(
        f"支持的文件类型：{'、'.join('.' + e for e in ACCEPTED)}；单个文件不超过 **{MAX_MB} MB**。"
        "JSONL 每行一篇通报（字段 id、title、url、text…）。相同内容的通报只索引一次。"
    )
    if ctx.problem:
        st.caption(f"导入到：`{ctx.root}`（将新建索引）")
    else:
        st.caption(f"导入到：`{ctx.root}`")
    files = st.file_uploader("选择通报文件", type=list(ACCEPTED), accept_multiple_files=True, key=KEY_FILES,
                             help=f"可一次选择多个文件，每个不超过 {MAX_MB} MB。")
    if st.button("导入到索引", type="primary", disabled=not files, icon=":material/upload:"):
        result = ingest_files(files or [], ctx.root)
        st.session_state[KEY_RESULT] = result
        if not result.error:
            state.clear_caches()
            st.rerun()  # reload the new generation everywhere (sidebar counts, search)
    _show(st.session_state.get(KEY_RESULT))


def _show(result: UploadResult | None) -> None:
    """The last upload's outcome."""
    if result is None:
        return
    if result.error:
        st.error(result.error)
    elif result.summary:
        st.success(result.summary)
    if result.rows:
        st.dataframe(pd.DataFrame(result.rows, columns=["文件", "结果", "说明"]), hide_index=True, width="stretch")
