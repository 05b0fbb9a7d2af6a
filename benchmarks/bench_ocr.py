"""Seconds and peak memory per page of the OCR, on real notices printed and scanned.

``.venv/bin/python benchmarks/bench_ocr.py [--pages N] [--dpi 150]``

Renders the complete seed notice (10 pages at 150 dpi, as tests/data/make_scans.py does; ``--pages``
takes the first N), writes them as an image-only PDF, and reads it with the real loader page by page:
render (pypdfium2) + recognise (RapidOCR) + rebuild the text, timed per page.  Peak memory is the
process's resident high-water mark (``VmHWM``, reset before each page through
``/proc/self/clear_refs``) minus its size before that page: what one page costs on top of the loaded
models.  Also prints the character accuracy against the source text, and the time to read the text-layer
``tests/data/notice.pdf`` (never OCR'd) for comparison.  Note that the machine's other work shares the
CPU: run it when the machine is otherwise idle for figures to quote.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "data")]

from make_scans import Layout, char_accuracy, corpus_text, render_pages, save_pdf  # noqa: E402


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> int:
    """Run the benchmark and print one line per page and a summary."""
    parser = argparse.ArgumentParser(description="OCR 每页耗时与内存")
    parser.add_argument("--pages", type=int, default=10, help="pages of the seed notice to read (at most 10)")
    parser.add_argument("--dpi", type=int, default=150, help="scan resolution of the rendered pages")
    args = parser.parse_args()

    import numpy as np
    import pypdfium2 as pdfium

    from ingest import ocr
    from ingest.load import load_file
    from ingest.prepare import prepare
    from ingest.raw import RawDocument

    text = corpus_text("seed")
    pages = render_pages(text, Layout(dpi=args.dpi), seed=1)[: args.pages]
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = save_pdf(pages, Path(tmp) / "seed.pdf", args.dpi)
        data = pdf_path.read_bytes()

        start = time.perf_counter()
        ocr.engine()
        load_s = time.perf_counter() - start
        rss_models = _status_kb("VmRSS")
        print(f"机器：{platform.machine()}，{os.cpu_count()} 核；{platform.python_version()}；"
              f"模型加载 {load_s:.2f} s，加载后常驻内存 {rss_models / 1024:.0f} MiB")

        pdf = pdfium.PdfDocument(data)
        seconds: list[float] = []
        peaks: list[float] = []
        recognised = []
        for number in range(1, len(pdf) + 1):
            can_reset = _reset_peak()
            before = _status_kb("VmRSS")
            start = time.perf_counter()
            page = pdf[number - 1]
            image = page.render(scale=ocr.RENDER_DPI / 72).to_pil().convert("RGB")
            page.close()
            recognised.append(ocr.ocr_image(np.asarray(image), number))
            seconds.append(time.perf_counter() - start)
            peak = (_status_kb("VmHWM") - before) / 1024 if can_reset else float("nan")
            peaks.append(peak)
            print(f"第 {number:2d} 页：{seconds[-1]:6.2f} s，峰值内存 +{peak:6.1f} MiB，"
                  f"{recognised[-1].lines} 行，置信度 {recognised[-1].confidence:.3f}")
        pdf.close()
        got = prepare(RawDocument(doc_id="seed", text=ocr.join_pages(recognised), source=str(pdf_path))).text
        accuracy = char_accuracy(got, text) if len(pages) == 10 else float("nan")

    start = time.perf_counter()
    for _ in range(5):
        list(load_file(REPO / "tests" / "data" / "notice.pdf"))
    text_pdf_ms = (time.perf_counter() - start) / 5 * 1000
    print(f"每页耗时：平均 {statistics.mean(seconds):.2f} s，中位数 {statistics.median(seconds):.2f} s，"
          f"最长 {max(seconds):.2f} s；每页峰值内存：最大 +{max(peaks):.1f} MiB；"
          f"字符准确率 {accuracy:.2%}（{len(pages)} 页）；有文字层的 notice.pdf 读取 {text_pdf_ms:.0f} ms（不做 OCR）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
