"""OCR of scanned notices: image PDFs, PDF pages without a text layer, and photos/scans of notices.

The recogniser is RapidOCR (``rapidocr-onnxruntime``), whose wheel ships the
PP-OCRv4 Chinese detection and recognition models: offline, on CPU, loaded
once per process and only when a page needs it (a PDF with a text layer never
imports it).  PDF pages are rendered with ``pypdfium2``.

From the recogniser's text boxes a page's text is rebuilt as a printed notice
is read: red text (the red header 红头 of an official document, the red seal)
and page numbers in the top or bottom margin are left out; the rest is put
in reading order (top to bottom, a two-column band left column first, the
page's skew taken out) and lines are joined into paragraphs (a new paragraph
where a line is indented, follows a short line or a gap, or is a centred
heading).  The text then goes through the same cleaning, structure and
chunking as any other notice.

Errors are :class:`OcrError` with one Chinese line; :mod:`ingest.load` turns
them into a rejection of the file.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import Limits

if TYPE_CHECKING:
    from PIL import Image as PILImage

#: Image files read as notices (each one page; a TIFF may hold several).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
#: A PDF page whose text layer has fewer meaningful characters (Han, letters, digits) is OCR'd.
MIN_TEXT_CHARS = 20
#: Resolution PDF pages are rendered at for OCR (a 12 pt character is then about 25 px high).
RENDER_DPI = 150
#: Page images kept for the notice view: at most this wide, as JPEG of this quality.
STORED_WIDTH = 1000
STORED_QUALITY = 70
#: Folder under the index root holding the page images, one sub-folder per content hash.
PAGES_DIR = "pages"
ENGINE_NAME = "RapidOCR (rapidocr-onnxruntime 1.4.4, PP-OCRv4)"

_MEANINGFUL = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]")
# ``— 3 —`` (the dashes often read as 一), ``第3页``, ``3/12``, ``- 3 -``
_PAGE_NUMBER = re.compile(r"^[\s\-—–_－~·.一]*(第\s*)?[0-9０-９]{1,4}(\s*页)?"
                          r"(\s*/\s*(共\s*)?[0-9]{1,4}\s*页?)?[\s\-—–_－~·.一]*$")
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


class OcrError(ValueError):
    """A scan that cannot be read; the message is one Chinese line."""


@dataclass
class OcrPage:
    """One page as recognised: its text and how sure the recogniser was."""

    number: int  # 1-based page (or frame) number in the file
    text: str
    confidence: float  # mean recogniser score over the kept characters (0 when nothing was read)
    lines: int  # printed lines kept
    dropped: list[str] = field(default_factory=list)  # red header / seal / page-number text left out
    open_start: bool = False  # the first line is not indented: it may continue the previous page's paragraph
    open_end: bool = False  # the last line runs to the right margin: the paragraph may go on overleaf
    image: bytes = field(default=b"", repr=False)  # the page as stored for the notice view (JPEG)

    def summary(self) -> dict:
        """What the document records of this page (``meta.ocr_pages``)."""
        return {"page": self.number, "confidence": round(self.confidence, 4), "lines": self.lines,
                "chars": len(self.text.replace("\n", ""))}


# ---------------------------------------------------------------- progress

#: Called as ``hook(done, total)`` after each OCR'd page of a file (the CLI's bar, the upload page).
ProgressHook = Callable[[int, int], None]
_PROGRESS: ContextVar[ProgressHook | None] = ContextVar("ocr_progress", default=None)


@contextlib.contextmanager
def reporting(hook: ProgressHook | None) -> Iterator[None]:
    """Report OCR progress to ``hook`` within the block (None: no reports)."""
    token = _PROGRESS.set(hook)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def progress_hook() -> ProgressHook | None:
    """The hook set by :func:`reporting`, if any."""
    return _PROGRESS.get()


def tqdm_hook(label: str) -> ProgressHook:
    """A hook drawing a progress bar on stderr for files of more than one page (``label`` names the file)."""
    from tqdm import tqdm

    bar: list[tqdm] = []

    def hook(done: int, total: int) -> None:
        if total < 2:
            return
        if not bar:
            bar.append(tqdm(total=total, desc=f"文字识别 {label}", unit="页", leave=False))
        bar[0].n = done
        bar[0].refresh()
        if done >= total:
            bar[0].close()

    return hook


# ---------------------------------------------------------------- the recogniser

_ENGINE_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def engine():  # -> rapidocr_onnxruntime.RapidOCR
    """The RapidOCR recogniser, built once (its models come with the package; nothing is downloaded)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrError("无法识别扫描件：未安装文字识别组件 rapidocr-onnxruntime（请运行 make setup）") from exc
    threads = max(1, min(4, os.cpu_count() or 1))
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def available() -> bool:
    """True when the recogniser can be loaded."""
    try:
        engine()
    except OcrError:
        return False
    return True


@dataclass
class _Box:
    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def ocr_image(rgb: np.ndarray, number: int = 1) -> OcrPage:
    """Recognise one page image (``H×W×3`` RGB, uint8) and rebuild its text."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise OcrError("无法识别扫描件：页面图像不是 RGB 图像")
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    with _ENGINE_LOCK:
        result, _ = engine()(bgr, use_cls=False)
    boxes, dropped = _kept_boxes(result or [], rgb)
    return _page_text(boxes, dropped, rgb.shape[1], number)


def _kept_boxes(result: Sequence, rgb: np.ndarray) -> tuple[list[_Box], list[str]]:
    """Deskewed axis-aligned boxes of the text kept; the text of red marks and page numbers dropped."""
    height, width = rgb.shape[:2]
    quads = [np.asarray(item[0], dtype=np.float64) for item in result]
    angle = _skew(quads)
    cos, sin = math.cos(-angle), math.sin(-angle)
    cx, cy = width / 2, height / 2
    boxes: list[_Box] = []
    dropped: list[str] = []
    for quad, item in zip(quads, result, strict=True):
        text, score = str(item[1]).strip(), float(item[2])
        if not text:
            continue
        if _is_red(rgb, quad):
            dropped.append(text)
            continue
        xs = cos * (quad[:, 0] - cx) - sin * (quad[:, 1] - cy) + cx
        ys = sin * (quad[:, 0] - cx) + cos * (quad[:, 1] - cy) + cy
        box = _Box(text, score, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        in_margin = box.y1 < height * 0.08 or box.y0 > height * 0.88
        if in_margin and _PAGE_NUMBER.match(text):
            dropped.append(text)
            continue
        boxes.append(box)
    return boxes, dropped


def _skew(quads: list[np.ndarray]) -> float:
    """The page's rotation (radians): the median slope of the top edges of long text boxes."""
    angles = []
    for quad in quads:
        dx, dy = quad[1] - quad[0]
        h = float(np.linalg.norm(quad[3] - quad[0]))
        if dx > 4 * max(h, 1.0):
            angles.append(math.atan2(dy, dx))
    return float(np.median(angles)) if angles else 0.0


def _is_red(rgb: np.ndarray, quad: np.ndarray) -> bool:
    """True when the ink inside the box is mostly red (red header, seal), not black or blue."""
    height, width = rgb.shape[:2]
    x0, y0 = max(int(quad[:, 0].min()), 0), max(int(quad[:, 1].min()), 0)
    x1, y1 = min(int(quad[:, 0].max()) + 1, width), min(int(quad[:, 1].max()) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return False
    crop = rgb[y0:y1, x0:x1].astype(np.int16)
    r, g, b = crop[..., 0], crop[..., 1], crop[..., 2]
    red = (r > 120) & (r - np.maximum(g, b) > 60)
    dark = (np.maximum(np.maximum(r, g), b) < 110)
    reds, darks = int(red.sum()), int(dark.sum())
    return reds > 0.01 * red.size and reds > 2 * darks


def _page_text(boxes: list[_Box], dropped: list[str], page_width: int, number: int) -> OcrPage:
    """Lines in reading order, joined into paragraphs."""
    if not boxes:
        return OcrPage(number=number, text="", confidence=0.0, lines=0, dropped=dropped)
    paragraphs: list[str] = []
    open_start = open_end = False
    lines_kept = 0
    for position, column in enumerate(_columns(_lines(boxes), page_width)):
        paras, starts_open, ends_open = _paragraphs(column)
        if position == 0:
            open_start = starts_open
        open_end = ends_open
        paragraphs.extend(paras)
        lines_kept += len(column)
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / max(chars, 1)
    return OcrPage(number=number, text="\n".join(p for p in paragraphs if p), confidence=confidence,
                   lines=lines_kept, dropped=dropped, open_start=open_start, open_end=open_end)


def _lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped into printed lines (vertical overlap), each line left to right, lines top to bottom."""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in reversed(lines[-3:]):
            top, bottom = min(b.y0 for b in line), max(b.y1 for b in line)
            overlap = min(bottom, box.y1) - max(top, box.y0)
            if overlap > 0.5 * min(box.height, bottom - top) and not any(_overlaps_x(box, b) for b in line):
                line.append(box)
                break
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    return lines


def _overlaps_x(a: _Box, b: _Box) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.3 * min(a.x1 - a.x0, b.x1 - b.x0)


def _columns(lines: list[list[_Box]], page_width: int) -> list[list[list[_Box]]]:
    """Bands of lines in reading order; a band printed in two columns gives its left column, then its right.

    A line is split at a gap that runs down the middle third of the page
    through at least three consecutive lines; lines that cross it (a title
    over both columns) end the band.
    """
    gap = _column_gap(lines, page_width)
    if gap is None:
        return [lines]
    out: list[list[list[_Box]]] = []
    left: list[list[_Box]] = []
    right: list[list[_Box]] = []
    single: list[list[_Box]] = []

    def flush_columns() -> None:
        if left:
            out.append(list(left))
        if right:
            out.append(list(right))
        left.clear()
        right.clear()

    for line in lines:
        crosses = any(b.x0 < gap[1] and b.x1 > gap[0] for b in line)
        if crosses:
            flush_columns()
            single.append(line)
            continue
        if single:
            out.append(list(single))
            single.clear()
        lpart = [b for b in line if b.x1 <= gap[0]]
        rpart = [b for b in line if b.x0 >= gap[1]]
        if lpart:
            left.append(lpart)
        if rpart:
            right.append(rpart)
    if single:
        out.append(single)
    flush_columns()
    return out


def _column_gap(lines: list[list[_Box]], page_width: int) -> tuple[float, float] | None:
    """(left, right) of an empty vertical band in the middle third shared by most lines, if any."""
    if len(lines) < 6:
        return None
    lo, hi = page_width / 3, 2 * page_width / 3
    step = max(page_width // 200, 1)
    positions = np.arange(int(lo), int(hi), step)
    split = np.zeros(len(positions), dtype=int)
    for line in lines:
        covered = np.zeros(len(positions), dtype=bool)
        for b in line:
            covered |= (positions >= b.x0) & (positions <= b.x1)
        has_both = any(b.x1 < lo + (hi - lo) / 2 for b in line) and any(b.x0 > lo + (hi - lo) / 2 for b in line)
        split += (~covered) & has_both
    best = int(split.max())
    if best < max(3, len(lines) // 3):
        return None
    where = positions[split == best]
    return float(where.min()), float(where.max())


def _visual_len(text: str) -> float:
    """Width of ``text`` in character cells (a Han character or full-width sign is 1, others about 0.55)."""
    return sum(1.0 if _WIDE.match(ch) else 0.55 for ch in text)


def _paragraphs(lines: list[list[_Box]]) -> tuple[list[str], bool, bool]:
    """Paragraphs of one column, whether its first line may continue a paragraph, whether its last may go on."""
    rows = [(min(b.x0 for b in line), max(b.x1 for b in line), min(b.y0 for b in line), max(b.y1 for b in line),
             _join(line)) for line in lines]
    widths = [(x1 - x0) / _visual_len(text) for x0, x1, _, _, text in rows if _visual_len(text) >= 4]
    em = float(np.median(widths)) if widths else float(np.median([y1 - y0 for _, _, y0, y1, _ in rows]))
    left = float(np.percentile([r[0] for r in rows], 10))
    right = float(np.percentile([r[1] for r in rows], 90))
    middle = (left + right) / 2
    steps = [b[2] - a[2] for a, b in itertools.pairwise(rows)]
    step = float(np.median(steps)) if steps else 0.0

    def indented(row: tuple) -> bool:
        return row[0] - left > 1.2 * em

    def short(row: tuple) -> bool:
        return right - row[1] > 2.0 * em  # a line can end up to a character short where it is not justified

    def centred(row: tuple) -> bool:
        margins = row[0] - left, right - row[1]
        return min(margins) > 1.5 * em and abs((row[0] + row[1]) / 2 - middle) < 1.5 * em

    paragraphs: list[str] = []
    previous: tuple | None = None
    for row in rows:
        text = row[4]
        if previous is None:
            paragraphs.append(text)
        else:
            height_changed = abs((row[3] - row[2]) - (previous[3] - previous[2])) > 0.25 * (previous[3] - previous[2])
            gap = step and row[2] - previous[2] > 1.8 * step
            title_goes_on = centred(previous) and centred(row) and not height_changed and not gap
            new = not title_goes_on and (indented(row) or short(previous) or centred(previous) or height_changed
                                         or bool(gap))
            if new:
                paragraphs.append(text)
            else:
                paragraphs[-1] += text
        previous = row
    return paragraphs, not indented(rows[0]), not short(rows[-1])


def _join(line: list[_Box]) -> str:
    """The boxes of one printed line as one string (a space only across a wide gap between Latin text)."""
    out = line[0].text
    for before, box in itertools.pairwise(line):
        wide_gap = box.x0 - before.x1 > box.height
        latin = before.text[-1:].isascii() and box.text[:1].isascii()
        out += (" " if wide_gap and latin else "") + box.text
    return out


def join_pages(pages: Sequence[OcrPage]) -> str:
    """The pages' text; a paragraph running over a page break is joined again."""
    out = ""
    previous: OcrPage | None = None
    for page in pages:
        if not page.text:
            continue
        if previous is not None:
            out += "" if previous.open_end and page.open_start else "\n\n"
        out += page.text
        previous = page
    return out


# ---------------------------------------------------------------- files


class _Clock:
    """The OCR budget of one file: seconds since the start, checked between pages."""

    def __init__(self, limits: Limits, shown: str) -> None:
        self.start = time.monotonic()
        self.limits = limits
        self.shown = shown
        from .prepare import grant_more_time

        grant_more_time(limits.ocr_seconds)

    def check(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.start
        if elapsed > self.limits.ocr_seconds:
            raise OcrError(f"扫描件识别超时：{self.limits.ocr_seconds:g} 秒内只识别了 {done}/{total} 页"
                           "（见 NOTICE_LIMITS 的 ocr_seconds）")


def _check_pages(count: int, limits: Limits, what: str) -> None:
    if count > limits.max_ocr_pages:
        raise OcrError(f"扫描页太多：{what}有 {count} 页需要识别（上限 {limits.max_ocr_pages} 页，"
                       "见 NOTICE_LIMITS 的 max_ocr_pages）")


def ocr_pdf_pages(data: bytes, numbers: Sequence[int], limits: Limits, shown: str = "") -> list[OcrPage]:
    """Render and recognise the pages ``numbers`` (1-based) of the PDF ``data``, in order."""
    _check_pages(len(numbers), limits, "PDF ")
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise OcrError("无法识别扫描件：未安装 pypdfium2（请运行 make setup）") from exc
    engine()
    clock = _Clock(limits, shown)
    hook = progress_hook()
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError for what pypdf read
        raise OcrError(f"无法渲染 PDF 页面：{type(exc).__name__}: {exc}") from exc
    pages: list[OcrPage] = []
    try:
        for done, number in enumerate(numbers):
            clock.check(done, len(numbers))
            page = pdf[number - 1]
            try:
                w, h = page.get_size()
                scale = RENDER_DPI / 72
                if w * h * scale * scale > limits.max_page_pixels:
                    scale = math.sqrt(limits.max_page_pixels / max(w * h, 1.0))
                image = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
            pages.append(ocr_image(np.asarray(image), number))
            pages[-1].image = stored_jpeg(image)
            if hook:
                hook(done + 1, len(numbers))
    finally:
        pdf.close()
    return pages


def open_image(data: bytes, limits: Limits) -> PILImage.Image:
    """The image in ``data``, checked against the pixel limit before it is decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise OcrError("不是可识别的图像文件（文件损坏或格式不对）") from exc
    except Image.DecompressionBombError as exc:
        raise OcrError(f"图像太大：{exc}") from exc
    except Exception as exc:  # PIL raises many types for broken headers
        raise OcrError(f"图像文件损坏：{type(exc).__name__}: {exc}") from exc
    w, h = image.size
    if w * h > limits.max_page_pixels:
        raise OcrError(f"图像太大：{w}×{h} 像素（上限 {limits.max_page_pixels:,} 像素，见 NOTICE_LIMITS 的 "
                       "max_page_pixels）")
    if w < 16 or h < 16:
        raise OcrError(f"图像太小：{w}×{h} 像素，无法识别文字")
    return image


def ocr_image_file(data: bytes, limits: Limits, shown: str = "") -> list[OcrPage]:
    """Recognise every frame of an image file (PNG, JPEG, TIFF, BMP); a multi-page TIFF gives several pages."""
    from PIL import ImageOps, ImageSequence

    image = open_image(data, limits)
    frames = getattr(image, "n_frames", 1)
    _check_pages(frames, limits, "图像文件")
    engine()
    clock = _Clock(limits, shown)
    hook = progress_hook()
    pages: list[OcrPage] = []
    try:
        for done, frame in enumerate(ImageSequence.Iterator(image)):
            clock.check(done, frames)
            rgb = ImageOps.exif_transpose(frame.convert("RGB"))
            pages.append(ocr_image(np.asarray(rgb), done + 1))
            pages[-1].image = stored_jpeg(rgb)
            if hook:
                hook(done + 1, frames)
    except OcrError:
        raise
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt image data
        raise OcrError(f"图像文件损坏，无法解码：{type(exc).__name__}: {exc}") from exc
    return pages


def stored_jpeg(image: PILImage.Image) -> bytes:
    """The page as kept for the notice view: at most :data:`STORED_WIDTH` wide, JPEG."""
    from PIL import Image

    if image.width > STORED_WIDTH:
        image = image.resize((STORED_WIDTH, round(image.height * STORED_WIDTH / image.width)),
                             Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=STORED_QUALITY, optimize=True)
    return buffer.getvalue()


def meaningful_chars(text: str) -> int:
    """How many Han characters, letters and digits ``text`` holds (what makes a text layer real)."""
    return len(_MEANINGFUL.findall(text))


def ocr_meta(pages: Sequence[OcrPage]) -> dict:
    """What a document records about its OCR: ``ocr`` (True), ``ocr_pages`` (per page confidence)."""
    return {"ocr": True, "ocr_pages": [p.summary() for p in pages]}


# ---------------------------------------------------------------- stored page images


def pages_folder(root: Path, content_hash: str) -> Path:
    """Where the page images of the document with ``content_hash`` are kept under the index ``root``."""
    return Path(root) / PAGES_DIR / content_hash


def save_page_images(root: Path, content_hash: str, images: dict[int, bytes]) -> None:
    """Write the page images (page number → JPEG) for the notice view; same content, same folder."""
    if not images or not content_hash:
        return
    folder = pages_folder(root, content_hash)
    folder.mkdir(parents=True, exist_ok=True)
    for number, jpeg in sorted(images.items()):
        target = folder / f"{number:04d}.jpg"
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(jpeg)
            os.replace(tmp, target)


def page_images(root: Path, content_hash: str) -> list[tuple[int, Path]]:
    """(page number, file) of the stored page images of a document, in page order."""
    folder = pages_folder(root, content_hash)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.jpg")):
        if path.stem.isdigit():
            out.append((int(path.stem), path))
    return out


def render_original(path: str, numbers: Sequence[int]) -> Iterator[tuple[int, bytes]]:
    """(page number, JPEG) of the pages ``numbers`` rendered again from the original file, if it is still there.

    For a notice whose page images were not stored (indexed into Milvus); yields nothing when the file is gone or
    cannot be read.
    """
    file = Path(path) if path else None
    if file is None or not file.is_file() or not numbers:
        return
    try:
        data = file.read_bytes()
        if file.suffix.lower() == ".pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(data)
            try:
                for number in numbers:
                    if 1 <= number <= len(pdf):
                        yield number, stored_jpeg(pdf[number - 1].render(scale=RENDER_DPI / 72).to_pil())
            finally:
                pdf.close()
        else:
            from PIL import ImageSequence

            image = open_image(data, Limits())
            for number, frame in enumerate(ImageSequence.Iterator(image), 1):
                if number in numbers:
                    yield number, stored_jpeg(frame.convert("RGB"))
    except Exception:  # the view shows a caption instead
        return


def prune_page_images(root: Path, keep: set[str]) -> None:
    """Remove the page images of documents no longer in the index (content hashes not in ``keep``)."""
    folder = Path(root) / PAGES_DIR
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name not in keep:
            for path in child.iterdir():
                with contextlib.suppress(OSError):
                    path.unlink()
            with contextlib.suppress(OSError):
                child.rmdir()
