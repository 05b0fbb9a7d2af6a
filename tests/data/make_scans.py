"""Scan-like page images of real notices, for the OCR tests and benchmark.

The text is a real notice of the bundled corpus (``seed.txt`` or a line of
``notices.jsonl``), cleaned by the project's own cleaning (the corpus is
mojibake and Traditional script), then laid out as a printed notice (A4,
2-character paragraph indent, full-width punctuation, page numbers
``— n —``) with a Simplified Chinese font of the system (``fc-list :lang=zh``;
``apt-get install fonts-noto-cjk`` or ``make browser`` installs one), and made
to look scanned: paper tint, a slight rotation, blur, noise and JPEG
compression.  Optionally a red header (红头) on the first page and a red stamp
over the signature, which the OCR is meant to leave out.

Nothing is committed: the tests write the pages into a temporary folder.
Run by hand to look at them:
``.venv/bin/python tests/data/make_scans.py seed /tmp/scans`` (writes
``seed.pdf`` — an image-only PDF — and ``seed-1.png``, ``seed-2.jpg`` …).
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
for _path in (str(REPO), str(REPO / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from shared_data import NOTICES, SEED  # noqa: E402

#: Half-width punctuation a printed Chinese notice sets full-width (the cleaning turns it back).
_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"})


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int]:
    """(font file, face index) of a Simplified Chinese font; Serif (宋体-like) preferred.

    Raises FileNotFoundError when the system has none.
    """
    try:
        listing = subprocess.run(["fc-list", ":lang=zh", "--format=%{file}|%{index}|%{family}|%{style}\n"],
                                 capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    faces = []
    for line in listing.splitlines():
        parts = line.split("|")
        if len(parts) != 4:
            continue
        file, index, family, style = parts
        if "Regular" not in style and "Book" not in style:
            continue
        rank = (0 if "SC" in family or "CN" in family else 1, 0 if "Serif" in family else 1, "Mono" in family)
        faces.append((rank, file, int(index.split(",")[0] or 0)))
    if not faces:
        raise FileNotFoundError("没有中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk 或 make browser）")
    _, file, index = min(faces)
    return file, index


def corpus_text(doc_id: str) -> str:
    """The cleaned text of a real notice: ``seed`` (seed.txt) or an id of notices.jsonl."""
    from ingest.clean import clean
    from ingest.raw import RawDocument

    if doc_id == "seed":
        raw = RawDocument(doc_id="seed", text=SEED.read_text(encoding="utf-8"), source=str(SEED))
    else:
        with NOTICES.open(encoding="utf-8") as handle:
            record = next(r for r in map(json.loads, handle) if r["id"] == doc_id)
        raw = RawDocument(doc_id=doc_id, text=record["text"], source=str(NOTICES), title=record.get("title", ""))
    text, _ = clean(raw)
    return text


@dataclass
class Layout:
    """How the pages look: size, type, and how much scanning damage."""

    dpi: int = 150
    font_pt: float = 12.0
    line_spacing: float = 1.65
    margin_mm: tuple[float, float] = (25.0, 28.0)  # left/right, top/bottom
    rotate_max: float = 0.8  # degrees, either way
    noise: float = 7.0  # standard deviation of the grey noise (0–255)
    blur: float = 0.5
    jpeg_quality: int = 80
    red_header: str = ""  # e.g. 中共张家界市委宣传部文件 on the first page
    stamp: str = ""  # e.g. 中共张家界市委宣传部: a red seal over the end of the last page
    page_numbers: bool = True


def _wrap(paragraph: str, font: ImageFont.FreeTypeFont, width: float, indent: float) -> list[tuple[float, str]]:
    """(x offset, text) of each printed line of one paragraph."""
    lines: list[tuple[float, str]] = []
    current, used, offset = "", indent, indent
    for ch in paragraph:
        w = font.getlength(ch)
        if current and used + w > width:
            lines.append((offset, current))
            current, used, offset = "", 0.0, 0.0
        current += ch
        used += w
    if current:
        lines.append((offset, current))
    return lines


def render_pages(text: str, layout: Layout | None = None, seed: int = 0) -> list[Image.Image]:
    """The notice ``text`` printed and scanned: one RGB image per A4 page."""
    layout = layout or Layout()
    rng = random.Random(seed)
    font_file, font_index = cjk_font()
    px = layout.font_pt / 72 * layout.dpi
    font = ImageFont.truetype(font_file, round(px), index=font_index)
    title_font = ImageFont.truetype(font_file, round(px * 1.35), index=font_index)
    page_w, page_h = round(8.27 * layout.dpi), round(11.69 * layout.dpi)
    mm = layout.dpi / 25.4
    left, top = layout.margin_mm[0] * mm, layout.margin_mm[1] * mm
    width, bottom = page_w - 2 * left, page_h - layout.margin_mm[1] * mm
    step = px * layout.line_spacing

    # every printed line: (font, x, text); a paragraph break is just the next line
    printed: list[tuple[ImageFont.FreeTypeFont, float, str]] = []
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    for number, paragraph in enumerate(paragraphs):
        paragraph = paragraph.translate(_FULL_WIDTH)
        if number == 0:  # the title, centred
            for _, line in _wrap(paragraph, title_font, width * 0.9, 0.0):
                printed.append((title_font, left + (width - title_font.getlength(line)) / 2, line))
            continue
        for offset, line in _wrap(paragraph, font, width, 2 * px):
            printed.append((font, left + offset, line))

    pages: list[Image.Image] = []
    header_h = 3.2 * px if layout.red_header else 0.0
    y = top + header_h
    image, draw = _blank(page_w, page_h)
    if layout.red_header:
        _draw_red_header(draw, layout.red_header, font_file, font_index, px, left, top, width)
    for line_font, x, line in printed:
        if y + step > bottom:
            pages.append(image)
            image, draw = _blank(page_w, page_h)
            y = top
        draw.text((x, y), line, font=line_font, fill=(25, 25, 25))
        y += step * (1.3 if line_font is title_font else 1.0)
    pages.append(image)
    if layout.stamp:
        _draw_stamp(pages[-1], layout.stamp, font_file, font_index, px, left + width - 5 * px, min(y, bottom) - 2 * px)
    if layout.page_numbers:
        for number, page in enumerate(pages, 1):
            ImageDraw.Draw(page).text((page_w / 2 - 2 * px, bottom + px), f"— {number} —", font=font, fill=(25, 25, 25))
    return [_scan(page, layout, rng) for page in pages]


def _blank(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (w, h), (250, 248, 243))
    return image, ImageDraw.Draw(image)


def _draw_red_header(draw: ImageDraw.ImageDraw, header: str, font_file: str, index: int, px: float,
                     left: float, top: float, width: float) -> None:
    """The red title of an official document and the red rule under it."""
    size = px * 2.0
    font = ImageFont.truetype(font_file, round(size), index=index)
    while font.getlength(header) > width and size > px:
        size *= 0.9
        font = ImageFont.truetype(font_file, round(size), index=index)
    draw.text((left + (width - font.getlength(header)) / 2, top), header, font=font, fill=(210, 20, 25))
    rule_y = top + size * 1.35
    draw.line([(left, rule_y), (left + width, rule_y)], fill=(210, 20, 25), width=max(2, round(px / 6)))


def _draw_stamp(page: Image.Image, name: str, font_file: str, index: int, px: float, cx: float, cy: float) -> None:
    """A round red seal: a ring, a star and the organisation's name, drawn over the page."""
    seal = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    radius = 3.2 * px
    red = (215, 30, 35, 190)
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=red, width=max(3, round(px / 5)))
    turns = [np.pi / 2 + k * 4 * np.pi / 5 for k in range(5)]
    star = [(cx + 0.9 * px * np.cos(t), cy - 0.9 * px * np.sin(t)) for t in turns]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(font_file, round(px * 0.75), index=index)
    label = name[:10]
    draw.text((cx - font.getlength(label) / 2, cy + 1.1 * px), label, font=font, fill=red)
    page.paste(Image.alpha_composite(page.convert("RGBA"), seal).convert("RGB"))


def _scan(page: Image.Image, layout: Layout, rng: random.Random) -> Image.Image:
    """Rotate slightly, blur, add noise, pass through JPEG: what a flatbed scan of a print looks like."""
    angle = rng.uniform(-layout.rotate_max, layout.rotate_max)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(250, 248, 243))
    if layout.blur:
        page = page.filter(ImageFilter.GaussianBlur(layout.blur))
    if layout.noise:
        pixels = np.asarray(page, dtype=np.float32)
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, layout.noise, pixels.shape[:2])[..., None]
        page = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=layout.jpeg_quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def save_pdf(pages: list[Image.Image], path: Path, dpi: int = 150) -> Path:
    """An image-only PDF (no text layer), one page per image, as a scanner writes it."""
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi), quality=80)
    return path


def main(argv: list[str]) -> int:
    """``make_scans.py DOC_ID OUT_DIR``: write DOC_ID.pdf and one PNG/JPG per page."""
    if len(argv) != 2:
        print(__doc__)
        return 2
    doc_id, out = argv[0], Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    pages = render_pages(corpus_text(doc_id))
    save_pdf(pages, out / f"{doc_id}.pdf")
    for number, page in enumerate(pages, 1):
        page.save(out / f"{doc_id}-{number}.{'png' if number % 2 else 'jpg'}")
    print(f"{len(pages)} 页 → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between ``a`` and ``b`` (insertions, deletions, substitutions), row by row in numpy."""
    if not a or not b:
        return len(a) + len(b)
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.arange(len(b) + 1, dtype=np.int64)
    row = offsets.copy()
    for i, ch in enumerate(a, 1):
        cost = (codes_b != ord(ch)).astype(np.int64)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[:-1] + cost, row[1:] + 1)
        # a run of insertions along the row: best[j] = min over k <= j of best[k] + (j - k)
        row = np.minimum.accumulate(best - offsets) + offsets
    return int(row[-1])


def comparable(text: str) -> str:
    """Text as compared for accuracy: the project's width normalisation, whitespace removed (punctuation kept)."""
    from index.text.repair import normalise_width

    return "".join(normalise_width(text).split())


def char_accuracy(recognised: str, source: str) -> float:
    """1 − edit distance / source length, on :func:`comparable` text."""
    got, want = comparable(recognised), comparable(source)
    return 1.0 - edit_distance(got, want) / max(len(want), 1)
