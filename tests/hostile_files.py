"""Seeded generator of hostile and odd input files for ingest (fuzz test and benchmark).

Each class of :data:`CLASSES` writes files into its own folder and returns a
:class:`Plan`: which files must be rejected and named (``bad``), which must be
indexed (``good``: real notices, possibly under odd names or mixed into a bad
JSONL file), and which may go either way but must be named in the output
(``either``: pathological text just under the limits).  ``scale`` is 1 for
the fuzz test and 10+ for the benchmark (the sizes the issue describes).

Real notices come from ``tests/data/shared/corpus/notices.jsonl`` (see tests/shared_data.py).
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

EXTENSIONS = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl", ".xyz")
_DOCX_TEMPLATE = Path(__file__).parent / "data" / "notice.docx"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@dataclass
class Plan:
    """What a generated folder must give."""

    bad: list[str] = field(default_factory=list)  # sources that must be rejected (shown names)
    good: dict[str, str] = field(default_factory=dict)  # doc id (relative to the class folder) → notice id
    either: list[str] = field(default_factory=list)  # sources that must be named, indexed or rejected


def real_notices(path: Path) -> list[dict]:
    """The real notices of the shared corpus."""
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def notice_text(row: dict) -> str:
    """A real notice as a .txt file holds it (title on the first line)."""
    return f"{row['title']}\n{row['text']}\n"


def _write(path: Path | bytes, data: bytes | str) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with open(path, "wb") as handle:
        handle.write(raw)


# ---------------------------------------------------------------- classes


def gen_names(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Names that are not valid UTF-8: a GBK name (Windows zip), random bytes, GBK name + bad content."""
    plan = Plan()
    base = os.fsencode(folder)
    gbk = "巡察整改通报".encode("gbk")
    _write(base + b"/" + gbk + b".txt", notice_text(notices[0]))
    plan.good["巡察整改通报"] = notices[0]["id"]
    odd = b"\xff\xfe\x80odd"
    _write(base + b"/" + odd + b".txt", notice_text(notices[1]))
    plan.good["\\xff\\xfe\\x80odd"] = notices[1]["id"]
    _write(base + b"/" + "坏文件".encode("gbk") + b".txt", bytes(rng.randrange(256) for _ in range(2000)) + b"\0")
    plan.bad.append("坏文件.txt")
    return plan


def gen_same_stem(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """The same file name in different folders: 2023/1.txt, 2024/1.txt, 2024/deep/1.txt."""
    plan = Plan()
    for i, sub in enumerate(("2023", "2024", "2024/deep")):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        _write(folder / sub / "1.txt", notice_text(notices[i]))
        plan.good[f"{sub}/1"] = notices[i]["id"]
    return plan


def gen_symlinks(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Link loops, a long chain, links to folders above, to / and nowhere; in-tree links count once."""
    plan = Plan()
    _write(folder / "real.txt", notice_text(notices[0]))
    plan.good["real"] = notices[0]["id"]
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("self.txt", folder / "self.txt")
    plan.bad += ["loop_a.txt", "loop_b.txt", "self.txt"]
    previous = "real.txt"
    for i in range(40 * scale):
        os.symlink(previous, folder / f"chain{i:04d}.txt")
        previous = f"chain{i:04d}.txt"
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "back")  # a loop inside the tree: not followed
    os.symlink("../..", folder / "up")  # out of the tree
    os.symlink("/", folder / "root")
    os.symlink("/etc/hostname", folder / "outside.txt")
    os.symlink("missing.txt", folder / "broken.txt")
    plan.bad += ["up", "root", "outside.txt", "broken.txt"]
    return plan


def _docx(path: Path, body: str, extra: dict[str, bytes] | None = None) -> None:
    """A .docx made from the test template with ``body`` as the document body XML."""
    with zipfile.ZipFile(_DOCX_TEMPLATE) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                       f"<w:document {_W}><w:body>{body}</w:body></w:document>")
                out.writestr(info.filename, xml)
            else:
                out.writestr(info, src.read(info.filename))
        for name, data in (extra or {}).items():
            out.writestr(name, data)


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(inner: str, span: int = 1) -> str:
    props = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span != 1 else ""
    return f"<w:tc>{props}{inner or _p('')}</w:tc>"


def gen_docx(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Odd Word files: huge gridSpan, very wide, many rows, deeply nested tables, a zip bomb."""
    plan = Plan()
    title = _p("巡察整改进展情况的通报")
    huge = _tc(_p("甲"), 2_000_000_000)
    _docx(folder / "gridspan.docx", title + f"<w:tbl><w:tr>{huge}{_tc(_p('乙'))}</w:tr></w:tbl>")
    wide = "".join(_tc(_p(str(i))) for i in range(5_000 * scale))
    _docx(folder / "wide.docx", title + f"<w:tbl><w:tr>{wide}</w:tr><w:tr>{wide}</w:tr></w:tbl>")
    row = "<w:tr>" + "".join(_tc(_p("整改")) for _ in range(8)) + "</w:tr>"
    _docx(folder / "rows.docx", title + "<w:tbl>" + row * (20_000 * scale) + "</w:tbl>")
    nested = _p("最内层")
    for _ in range(300):
        nested = f"<w:tbl><w:tr>{_tc(nested)}</w:tr></w:tbl>"
    _docx(folder / "nested.docx", title + nested)
    spans = "".join(_tc(_p("宽"), 60_000) for _ in range(50))
    _docx(folder / "spans.docx", title + f"<w:tbl>{('<w:tr>' + spans + '</w:tr>') * 50}</w:tbl>")
    bomb = _p("整改" * 1000) * (2_000 * scale)  # ~60 MB × scale of XML that zips to ~100 KB
    _docx(folder / "bomb.docx", title + bomb)
    plan.bad += ["rows.docx", "nested.docx", "bomb.docx"]
    plan.either += ["gridspan.docx", "wide.docx", "spans.docx"]
    # A Word file made of a real notice in a modest table: must be indexed.
    cells = "".join(f"<w:tr>{_tc(_p(line))}</w:tr>" for line in notice_text(notices[0]).splitlines() if line)
    _docx(folder / "table_notice.docx", f"<w:tbl>{cells}</w:tbl>")
    plan.good["table_notice"] = notices[0]["id"]
    return plan


def gen_jsonl(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """JSONL: a giant line, many broken lines, deep nesting, surrogates, NULs — real records in between."""
    plan = Plan()
    good = notices[:4]
    big = folder / "big_line.jsonl"
    with big.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(good[0], ensure_ascii=False) + "\n")
        handle.write('{"id": "huge", "text": "' + "巡察" * (2_000_000 * scale) + '"}\n')  # 12 MB × scale
        handle.write(json.dumps(good[1], ensure_ascii=False) + "\n")
    plan.bad.append(f"{big.name}:2")
    broken = folder / "broken.jsonl"
    lines = 10_000 * scale
    with broken.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            if i == lines // 2:
                handle.write(json.dumps(good[2], ensure_ascii=False) + "\n")
            handle.write(f'{{"id": "x{i}", "text": "未闭合\n' if i % 2 else f"不是JSON {i}\n")
    plan.either.append(broken.name)  # its many bad lines are summarised once past a cap
    odd = folder / "odd.jsonl"
    with odd.open("w", encoding="utf-8") as handle:
        handle.write('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
        handle.write('{"id": "sur", "title": "\\ud800", "text": "巡察\\udfff整改情况\\u0000通报。"}\n')
        handle.write(json.dumps(good[3], ensure_ascii=False) + "\n")
        handle.write("[1, 2, 3]\n")
        handle.write('{"id": "nul", "text": "a\0b"}\n')
    plan.bad += [f"{odd.name}:1", f"{odd.name}:4"]
    plan.either += [f"{odd.name}:2", f"{odd.name}:5"]
    for row in good:
        plan.good[row["id"]] = row["id"]
    return plan


def gen_text(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Pathological text: a 5 MB line, unclosed brackets, 100,000 findings/headings/dates (and smaller ones)."""
    plan = Plan()
    han = "巡察整改工作推进落实情况反馈意见问题清单责任"
    _write(folder / "long_line.txt", "".join(rng.choice(han) for _ in range(170_000 * scale)))
    _write(folder / "brackets.txt", "(" * (100_000 * scale) + "整改")
    _write(folder / "bracket_pinyin.txt", ("当(" + "dang" * 50) * (2_000 * scale))
    _write(folder / "findings.txt", "".join(f"问题{i}. 落实不到位。\n" for i in range(1, 10_000 * scale)))
    _write(folder / "headings.txt", "".join(f"{i % 9 + 1}. 第{i}项\n(一)不到位\n" for i in range(10_000 * scale)))
    dates = "".join(f"2020年{i % 12 + 1}月{i % 28 + 1}日," for i in range(10_000 * scale))
    _write(folder / "dates.txt", "巡察整改。" + dates)
    _write(folder / "spaces.txt", "1. 不到位 " * (20_000 * scale))
    _write(folder / "labels.txt", "来源:" + "来源" * (50_000 * scale))
    plan.either += ["long_line.txt", "brackets.txt", "bracket_pinyin.txt", "findings.txt", "headings.txt",
                    "dates.txt", "spaces.txt", "labels.txt"]
    _write(folder / "notice.txt", notice_text(notices[0]))  # a real notice beside them
    plan.good["notice"] = notices[0]["id"]
    return plan


def gen_html(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Deeply nested HTML (100,000 levels at scale 10) and a wide one, beside a real notice page."""
    plan = Plan()
    depth = 10_000 * scale
    _write(folder / "deep.html", "<html><body>" + "<div>" * depth + "巡察整改" + "</div>" * depth + "</body></html>")
    _write(folder / "deep_unclosed.htm", "<html><body>" + "<span><b>" * depth + "整改")
    _write(folder / "many_p.html", "<html><body>" + "<p>整改不到位</p>" * (20_000 * scale) + "</body></html>")
    plan.either += ["deep.html", "deep_unclosed.htm", "many_p.html"]
    row = notices[2]
    _write(folder / "page.html", f"<html><head><title>{row['title']}</title></head><body><article>"
           + "".join(f"<p>{line}</p>" for line in row["text"].splitlines()) + "</article></body></html>")
    plan.good["page"] = row["id"]
    return plan


def gen_random(folder: Path, rng: random.Random, notices: list[dict], scale: int) -> Plan:
    """Random bytes under every extension, a random zip as .docx, a PDF shell with junk inside."""
    plan = Plan()
    for ext in EXTENSIONS:
        for i in range(2):
            name = f"random{i}{ext}"
            _write(folder / name, bytes(rng.randrange(256) for _ in range(rng.randrange(64, 4096))))
            plan.bad.append(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", bytes(rng.randrange(256) for _ in range(1000)))
    _write(folder / "zip.docx", buffer.getvalue())
    _write(folder / "shell.pdf", b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(3000)) + b"\n%%EOF\n")
    plan.bad += ["zip.docx", "shell.pdf"]
    _write(folder / "notice.md", notice_text(notices[0]))  # a real notice beside them
    plan.good["notice"] = notices[0]["id"]
    return plan


CLASSES: dict[str, Callable[[Path, random.Random, list[dict], int], Plan]] = {
    "names": gen_names,
    "same_stem": gen_same_stem,
    "symlinks": gen_symlinks,
    "docx": gen_docx,
    "jsonl": gen_jsonl,
    "text": gen_text,
    "html": gen_html,
    "random": gen_random,
}


def generate(name: str, folder: Path, notices: list[dict], seed: int = 11, scale: int = 1) -> Plan:
    """Write class ``name`` into ``folder`` (created) and return its plan."""
    folder.mkdir(parents=True, exist_ok=True)
    offset = 6 * list(CLASSES).index(name)  # distinct real notices per class (no duplicates when mixed)
    return CLASSES[name](folder, random.Random(f"{seed}-{name}"), notices[offset:], scale)


#: Run ``python -m ingest`` in a child process and print its peak resident memory (``MAXRSS_KB n``).
CLI_RUN = (
    "import resource, sys\n"
    "from ingest.__main__ import main\n"
    "rc = main(sys.argv[1:])\n"
    "print(f'MAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(rc)\n"
)
