"""Regenerate the loader test fixtures from real corpus text.

Run once from the repository root (``.venv/bin/python tests/data/make_fixtures.py``);
the generated files are committed, so the tests need neither this script nor
its extra dependency, reportlab (``pip install reportlab``), which writes the
PDFs with the built-in STSong-Light CID font.

Every good fixture carries the text of a real notice of
``shared/corpus/notices.jsonl``; the bad ones are broken on purpose:

* ``gbk_notice.txt``  – the first rectification-progress notice, GBK-encoded
* ``notice.html``     – a published notice page, GB2312-declared, with breadcrumb,
  source line, font widget and footer around the article
* ``notice.pdf``      – a rectification-progress notice (title + paragraphs)
* ``notice.docx``     – a notice with a signature and a two-column table
* ``bad/``            – empty, random-bytes ``.pdf``, truncated PDF, encrypted PDF,
  PDF without text, unknown extension, undecodable bytes, corrupt ``.docx``
"""

from __future__ import annotations

import html
import io
import json
import sys
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests"))
from shared_data import NOTICES  # noqa: E402

#: Which real documents each fixture is made from (the tests read these too).
GBK_DOC = "n0001"  # first rectification_progress document of the corpus
HTML_DOC = "n0093"
PDF_DOC = "n0061"
DOCX_DOC = "n0171"


def corpus() -> dict[str, dict]:
    """The shared corpus by document id."""
    with NOTICES.open(encoding="utf-8") as fh:
        return {rec["id"]: rec for rec in map(json.loads, fh)}


def make_gbk(doc: dict) -> None:
    """The notice text, encoded in GBK."""
    (HERE / "gbk_notice.txt").write_bytes(doc["text"].encode("gbk"))


def make_html(doc: dict) -> None:
    """A GB2312-declared page: navigation and widgets around the real article."""
    lines = doc["text"].split("\n")
    crumb, source, widget, _dash, *body = lines
    esc = html.escape
    paragraphs = "\n".join(f"      <p>{esc(line)}</p>" for line in body if line.strip())
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset=gb2312">
  <title>{esc(doc["title"])}</title>
  <meta property="og:title" content="{esc(doc["title"])}">
  <meta name="PubDate" content="2022-12-08">
  <link rel="canonical" href="{esc(doc["url"])}">
  <style>body {{ font-family: SimSun; }}</style>
  <script>var _hmt = _hmt || [];</script>
</head>
<body>
  <div class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/hdjl/">互动交流</a></div>
  <div class="crumb">{esc(crumb)}</div>
  <div class="article">
    <h1>{esc(doc["title"])}</h1>
    <div class="info">{esc(source)} <span class="font">{esc(widget)}</span></div>
    <div class="content">
{paragraphs}
    </div>
    <div class="tools">【打印】 【关闭窗口】</div>
  </div>
  <div class="footer">主办单位:广州市南沙区人民政府办公室 版权所有</div>
</body>
</html>
"""
    (HERE / "notice.html").write_bytes(page.encode("gb18030"))


def pdf_bytes(title: str, paragraphs: list[str]) -> bytes:
    """A simple A4 PDF of the paragraphs, wrapped at 38 characters a line."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1)
    pdf.setTitle(title)
    y = 790
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), 38):
            if y < 60:
                pdf.showPage()
                y = 790
            pdf.setFont("STSong-Light", 12)
            pdf.drawString(50, y, paragraph[start : start + 38])
            y -= 18
        y -= 8
    pdf.save()
    return buffer.getvalue()


def make_pdf(doc: dict) -> bytes:
    """The notice as a PDF: its title line, then its paragraphs."""
    data = pdf_bytes(doc["title"], [doc["title"], *doc["text"].split("\n")])
    (HERE / "notice.pdf").write_bytes(data)
    return data


def make_docx(doc: dict) -> bytes:
    """The notice as Word: paragraphs, then its ``组:单位`` lines as a table."""
    import docx

    lines = doc["text"].split("\n")
    rows = [line.split(":", 1) for line in lines if line.startswith("省委第") and ":" in line]
    paragraphs = [line for line in lines if not (line.startswith("省委第") and ":" in line)]
    document = docx.Document()
    document.core_properties.title = doc["title"]
    document.add_heading(doc["title"], level=1)
    for line in paragraphs:
        document.add_paragraph(line)
    table = document.add_table(rows=0, cols=2)
    for group, units in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = group, units
    buffer = io.BytesIO()
    document.save(buffer)
    (HERE / "notice.docx").write_bytes(buffer.getvalue())
    return buffer.getvalue()


def make_bad(docs: dict[str, dict], pdf: bytes, docx_bytes: bytes) -> None:
    """The broken files of ``bad/``."""
    from pypdf import PdfReader, PdfWriter

    bad = HERE / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.pdf").write_bytes(random.Random(20201015).randbytes(4096))
    paragraph = docs[GBK_DOC]["text"].split("\n")[0]
    whole = pdf_bytes(docs[GBK_DOC]["title"], [paragraph])
    (bad / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (bad / "unknown.xyz").write_text(paragraph, encoding="utf-8")
    # real text whose every third byte is lost (0xFF is invalid in UTF-8, GB18030 and Big5)
    broken = bytearray(paragraph.encode("utf-8"))
    broken[::3] = b"\xff" * len(broken[::3])
    (bad / "undecodable.txt").write_bytes(bytes(broken))
    (bad / "corrupt.docx").write_bytes(docx_bytes[: len(docx_bytes) // 2])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="xuncha", owner_password="xuncha-owner", algorithm="RC4-128")
    with (bad / "encrypted.pdf").open("wb") as fh:
        writer.write(fh)
    blank = PdfWriter()
    blank.add_blank_page(width=595, height=842)
    with (bad / "no_text.pdf").open("wb") as fh:
        blank.write(fh)


def main() -> None:
    """Write every fixture next to this script."""
    docs = corpus()
    make_gbk(docs[GBK_DOC])
    make_html(docs[HTML_DOC])
    pdf = make_pdf(docs[PDF_DOC])
    docx_bytes = make_docx(docs[DOCX_DOC])
    make_bad(docs, pdf, docx_bytes)
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.suffix != ".py":
            print(f"{path.relative_to(HERE)}\t{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
