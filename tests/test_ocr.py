"""OCR of scanned notices, on real notice text printed and scanned (tests/data/make_scans.py).

The pages are the cleaned text of real notices of the bundled corpus (the
complete ``seed`` notice over ten pages with a red header and a seal, one
page each of ``n0001`` and ``n0050``), rendered with a system Chinese font at
150 dpi with rotation, blur, noise and JPEG compression, then read back by the
real recogniser through the real loader, cleaning, structure and index.

Slow (about 5–30 s a page on 2 cores): every page is recognised once per
module; a second reading of the same pixels (the same PDF ingested again)
takes the first one's result.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
from make_scans import Layout, char_accuracy, corpus_text, render_pages, save_pdf

from index.config import Limits
from ingest import ocr
from ingest.load import LoadError, load_file
from ingest.prepare import prepare
from ingest.raw import RawDocument

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
TEXT_PDF = DATA / "notice.pdf"  # a real notice (n0061) with a text layer
SEED_LEADER = "张家界市委宣传部落实巡察反馈意见整改工作领导小组的组长是谁？"
HEADER = "中共张家界市委宣传部文件"
SEAL = "中共张家界市委宣传部"

_RESULTS: dict[str, ocr.OcrPage] = {}
CALLS: list[int] = []  # page numbers handed to the recogniser, in order (cached or not)


@pytest.fixture(scope="module", autouse=True)
def _recognise_each_page_once():
    """The real recogniser, its result kept per page image (the same pixels are read once per module)."""
    real = ocr.ocr_image
    patch = pytest.MonkeyPatch()

    def recognise(rgb: np.ndarray, number: int = 1) -> ocr.OcrPage:
        CALLS.append(number)
        key = f"{hashlib.sha1(np.ascontiguousarray(rgb).tobytes()).hexdigest()}:{number}"
        if key not in _RESULTS:
            _RESULTS[key] = real(rgb, number)
        return copy.deepcopy(_RESULTS[key])

    patch.setattr(ocr, "ocr_image", recognise)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The scanned files: ``seed.pdf`` (image-only, 10 pages), ``n0001.png``, ``n0050.jpg``, ``mixed.pdf``."""
    folder = tmp_path_factory.mktemp("scans")
    seed_pages = render_pages(corpus_text("seed"), Layout(red_header=HEADER, stamp=SEAL), seed=1)
    assert len(seed_pages) == 10
    out = {"seed": save_pdf(seed_pages, folder / "seed.pdf")}
    for doc_id, suffix, seed in (("n0001", "png", 2), ("n0050", "jpg", 3)):
        (page,) = render_pages(corpus_text(doc_id), seed=seed)
        out[doc_id] = folder / f"{doc_id}.{suffix}"
        page.save(out[doc_id], quality=85) if suffix == "jpg" else page.save(out[doc_id])
    out["mixed"] = _mixed_pdf(folder, out["n0001"])
    return out


def _mixed_pdf(folder: Path, scan: Path) -> Path:
    """The text-layer notice.pdf's pages, then the scanned n0001 page, then notice.pdf's first page again."""
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    image_pdf = folder / "n0001-scan.pdf"
    save_pdf([Image.open(scan).convert("RGB")], image_pdf)
    writer = PdfWriter()
    text_pages = PdfReader(TEXT_PDF).pages
    for page in text_pages:
        writer.add_page(page)
    writer.add_page(PdfReader(image_pdf).pages[0])
    writer.add_page(text_pages[0])
    path = folder / "mixed.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _load(path: Path, limits: Limits | None = None) -> RawDocument:
    (item,) = list(load_file(path, limits))
    assert not isinstance(item, LoadError), item
    return item


@pytest.fixture(scope="module")
def scanned(scans: dict[str, Path]) -> dict[str, RawDocument]:
    """Each scanned notice as the loader reads it."""
    return {doc_id: _load(scans[doc_id]) for doc_id in ("seed", "n0001", "n0050")}


# ------------------------------------------------------------------ accuracy


def test_character_accuracy_on_ten_and_more_pages_of_real_notices(scanned: dict[str, RawDocument]) -> None:
    pages = sum(len(raw.meta["ocr_pages"]) for raw in scanned.values())
    assert pages >= 10
    errors = chars = 0
    for doc_id, raw in scanned.items():
        got, want = prepare(raw).text, corpus_text(doc_id)
        accuracy = char_accuracy(got, want)
        assert accuracy >= 0.97, (doc_id, accuracy)
        length = len("".join(want.split()))
        errors += round((1 - accuracy) * length)
        chars += length
    assert 1 - errors / chars >= 0.97


def test_red_header_seal_and_page_numbers_are_left_out(scanned: dict[str, RawDocument]) -> None:
    text = prepare(scanned["seed"]).text
    source = corpus_text("seed")
    assert HEADER not in text
    assert text.count(SEAL) == source.count(SEAL)  # the seal's name is not read a second time
    assert not re.search(r"^\W{0,3}\d{1,2}\W{0,3}$", text, re.MULTILINE)  # no line that is a page number
    assert text.splitlines()[0] == source.splitlines()[0]  # the notice's own title comes first


def test_ocr_is_recorded_with_per_page_confidence(scanned: dict[str, RawDocument]) -> None:
    raw = scanned["seed"]
    assert raw.meta["format"] == "pdf" and raw.meta["pages"] == 10
    doc = prepare(raw)
    assert doc.meta["ocr"] is True
    pages = doc.meta["ocr_pages"]
    assert [p["page"] for p in pages] == list(range(1, 11))
    assert all(0.9 < p["confidence"] <= 1 and p["lines"] > 0 for p in pages), pages
    assert sorted(raw.page_images) == list(range(1, 11))
    assert all(image[:3] == b"\xff\xd8\xff" for image in raw.page_images.values())  # JPEG
    assert scanned["n0001"].meta["format"] == "image"


def test_findings_are_recovered_as_from_the_text(scanned: dict[str, RawDocument]) -> None:
    from shared_data import SEED

    text = prepare(RawDocument(doc_id="seed", text=SEED.read_text(encoding="utf-8"), source=str(SEED)))
    scan = prepare(scanned["seed"])
    assert len(text.findings) == 26
    assert [f.label for f in scan.findings] == [f.label for f in text.findings]
    for ours, theirs in zip(scan.findings, text.findings, strict=True):
        assert char_accuracy(ours.heading, theirs.heading) >= 0.9, (ours.heading, theirs.heading)
    assert (scan.title, scan.org, scan.signed_date) == (text.title, text.org, text.signed_date)


# ------------------------------------------------------------------ which pages


def test_text_pdf_is_not_ocrd() -> None:
    before = len(CALLS)
    raw = _load(TEXT_PDF)
    assert len(CALLS) == before
    assert "ocr" not in raw.meta and not raw.page_images


def test_mixed_pdf_ocrs_only_the_pages_without_text(scans: dict[str, Path]) -> None:
    from pypdf import PdfReader

    text_pages = len(PdfReader(TEXT_PDF).pages)
    before = len(CALLS)
    raw = _load(scans["mixed"])
    scan_page = text_pages + 1
    assert CALLS[before:] == [scan_page]
    assert [p["page"] for p in raw.meta["ocr_pages"]] == [scan_page]
    assert sorted(raw.page_images) == [scan_page]
    text_only = _load(TEXT_PDF).text
    assert raw.text.startswith(text_only[:200])
    n0001 = corpus_text("n0001")
    assert n0001.splitlines()[0][:20] in prepare(raw).text


# ------------------------------------------------------------------ limits


def test_page_and_time_limits(scans: dict[str, Path]) -> None:
    (item,) = list(load_file(scans["seed"], Limits(max_ocr_pages=5)))
    assert isinstance(item, LoadError) and "扫描页太多" in item.reason and "10 页" in item.reason
    (item,) = list(load_file(scans["seed"], Limits(ocr_seconds=0.001)))
    assert isinstance(item, LoadError) and "识别超时" in item.reason, item
    (item,) = list(load_file(scans["n0001"], Limits(max_page_pixels=1_000_000)))
    assert isinstance(item, LoadError) and "图像太大" in item.reason
    # a PDF page over the pixel limit is rendered smaller instead, and still read
    raw = _load(scans["mixed"], Limits(max_page_pixels=1_200_000))
    assert raw.meta["ocr_pages"][0]["chars"] > 300


# ------------------------------------------------------------------ index, ask, page


def test_ask_answers_from_the_scanned_copy_as_from_the_text(shared_index: Path, scans: dict[str, Path],
                                                            tmp_path: Path) -> None:
    from index.answer.reader import Answerer
    from index.retrieve.searcher import Searcher
    from ingest.pipeline import ingest

    text_answer = Answerer(Searcher(shared_index)).ask(SEED_LEADER)
    root = tmp_path / "scanned-index"
    shutil.copytree(shared_index, root, ignore=shutil.ignore_patterns(".lock"))
    report = ingest([scans["seed"]], root, remove=[], progress=False)  # seed.pdf replaces the text seed
    assert report.replaced == ["seed"] and not report.rejected, report
    searcher = Searcher(root)
    doc = searcher.documents["seed"]
    assert doc.meta["ocr"] is True
    scan_answer = Answerer(searcher).ask(SEED_LEADER)
    assert text_answer.short_answer == scan_answer.short_answer == "郭天保"
    assert scan_answer.citations[scan_answer.sentence_hit].doc_id == "seed"
    assert len(ocr.page_images(root, doc.content_hash)) == 10


def test_upload_a_scan_and_read_it_beside_its_pages(scans: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import state

    root = tmp_path / "upload-index"
    monkeypatch.setenv(state.INDEX_ENV, str(root))
    app = Path(__file__).resolve().parent.parent / "app.py"
    at = AppTest.from_file(str(app), default_timeout=300).run()
    assert at.radio(key="view").value == "upload"
    at.file_uploader(key="uploads").set_value([("整改通报扫描件.png", scans["n0001"].read_bytes(), "image/png"),
                                               ("损坏.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg")])
    at.run()
    next(b for b in at.button if b.label == "导入到索引").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    results = dict(zip(table["文件"], table["结果"], strict=True))
    assert results == {"整改通报扫描件.png": "已索引", "损坏.jpg": "拒绝"}, results
    reasons = dict(zip(table["文件"], table["说明"], strict=True))
    assert re.search(r"[\u4e00-\u9fff]", reasons["损坏.jpg"]) and "\n" not in reasons["损坏.jpg"]
    at.radio(key="view").set_value("notice").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("扫描件经文字识别得到" in i.value for i in at.info), [i.value for i in at.info]
    assert len(at.get("image")) == 1  # the scanned page beside the text
    body = next(h.value for h in at.html if "ns-passage" in h.value)
    # the page shows the scan's own (full-width) punctuation; the corpus text is the folded, indexed form
    text = re.sub(r"<[^>]+>", "", body)  # the notice card's anchors (ns-anchor spans) sit inside the passage
    assert corpus_text("n0001").splitlines()[0][:20] in unicodedata.normalize("NFKC", text)


def test_stored_page_image_is_small(scanned: dict[str, RawDocument]) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(scanned["seed"].page_images[1]))
    assert image.width == ocr.STORED_WIDTH
    assert len(scanned["seed"].page_images[1]) < 400_000
