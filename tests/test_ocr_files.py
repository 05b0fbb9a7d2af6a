"""Scans that are refused before any recognition, and PDFs with text that never reach the recogniser (fast tier)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from index.config import Limits
from ingest.load import SUPPORTED_EXTENSIONS, LoadError, load_file
from ingest.ocr import IMAGE_EXTENSIONS
from ui import upload

REPO = Path(__file__).resolve().parent.parent
TEXT_PDF = REPO / "tests" / "data" / "notice.pdf"


def test_text_pdf_never_loads_the_recogniser() -> None:
    """A PDF with a text layer is read as before: the OCR package is not even imported."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from ingest.load import load_file\n"
        f"(doc,) = list(load_file(Path({str(TEXT_PDF)!r})))\n"
        "heavy = ('rapidocr', 'cv2', 'pypdfium2')\n"
        "print(json.dumps({'ocr': 'ocr' in doc.meta, 'chars': len(doc.text),\n"
        "                  'loaded': sorted(m for m in sys.modules if m.startswith(heavy))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"ocr": False, "chars": result["chars"], "loaded": []}, result
    assert result["chars"] > 300


def test_the_upload_view_accepts_every_type_the_loader_reads() -> None:
    assert {f".{ext}" for ext in upload.ACCEPTED} == set(SUPPORTED_EXTENSIONS)
    assert set(IMAGE_EXTENSIONS) <= set(SUPPORTED_EXTENSIONS)


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("random.png", bytes(range(256)) * 8, "不是可识别的图像文件"),
    ("fake.jpg", b"\xff\xd8\xff\xe0" + b"not a jpeg" * 50, "图像文件损坏"),
    ("tiny.bmp", None, "图像太小"),
    ("huge.png", None, "图像太大"),
    ("empty.tif", b"", "空文件"),
])
def test_unreadable_images_give_one_line(tmp_path: Path, name: str, data: bytes | None, reason: str) -> None:
    if data is None:
        if name == "tiny.bmp":
            buffer = io.BytesIO()
            Image.new("RGB", (8, 8), "white").save(buffer, "BMP")
            data = buffer.getvalue()
        else:  # 7000 × 7000 white pixels: a few KB of PNG, 49 megapixels once decoded
            data = _png(7_000, 7_000)
    path = tmp_path / name
    path.write_bytes(data)
    (item,) = list(load_file(path, Limits()))
    assert isinstance(item, LoadError), item
    assert reason in item.reason and "\n" not in item.reason, item.reason
    assert item.source == str(path)


def test_ocr_can_extend_the_time_budget_of_its_file() -> None:
    """The OCR grants itself ``ocr_seconds`` inside the file's budget; without it the budget stops the reading."""
    import time

    from ingest.prepare import BudgetExceeded, grant_more_time, time_budget

    with time_budget(0.2):
        grant_more_time(1.0)
        time.sleep(0.4)
    with pytest.raises(BudgetExceeded), time_budget(0.2):
        time.sleep(0.4)
    grant_more_time(1.0)  # outside any budget: nothing to extend
