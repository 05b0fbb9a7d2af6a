"""Chinese for the user, and the notice's own words.

* Every page view (Streamlit AppTest) and the CLI's outputs — normal output,
  every ``--help``, usage and index errors — hold no English words outside
  ``--json`` keys, option names, choice values, command names, URLs, e-mail
  addresses, file names and model names (the allowed names are listed below,
  each with why).
* What is quoted from a notice keeps the notice's characters: a real notice
  written with full-width punctuation (``，`` ``（`` ``：``) shows it unchanged in
  the answer, the passages, the reader and the CLI, though the index folds it;
  a real notice's ``……`` is not shown as ``......``.

The index is real (real ingest, real model) and made of real notices of the
development corpus that hold no Latin letters themselves, so any English on
the page or in the CLI is the program's own.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest
from helpers_index import page_opener
from shared_data import NOTICES, SEED
from streamlit.testing.v1 import AppTest

from index.cli import main as index_cli
from index.records import Document
from ingest import __main__ as ingest_cli
from ingest.clean import clean, clean_shown
from ingest.raw import RawDocument
from ui import highlight, related, state

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 180

#: Real notices of the development corpus, none with a Latin letter in its title or text.
NOTICE_IDS = ("n0016", "n0242", "n0135", "n0012", "n0005", "n0087", "n0090", "n0026", "n0039", "n0065", "n0145")
#: The real notice written out as published, with full-width punctuation (the corpus copy is folded).
FULL_WIDTH_ID = "n0001"
#: Its question (d001 of the labelled questions) and the answer the index finds.
FULL_WIDTH_QUESTION = "十二届区委第二轮巡察反馈的697个问题，总体整改完成率是多少？"
#: n0016 writes ``……`` (NFKC folds it to ``......``, six characters for two).
ELLIPSIS_ID = "n0016"
#: The bundled sample notice (tests/data/shared/corpus/seed.txt), with numbered findings.
SEED_ID = "seed"
#: The folded box that alone may hold technical details (index path, generation, model path).
TECHNICAL = "技术信息"

# ----------------------------------------------------------------------------- what is not English

_URL = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: absolute and ./ paths, file extensions (.pdf), environment variables (NOTICE_LLM_URL)
_PATH = re.compile(r"(?<![\w.])(?:~|\.{1,2})?/\S*|(?<![\w.])\.[A-Za-z][A-Za-z0-9]*\b"
                   r"|\$?\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_'][A-Za-z0-9]+)*")

#: Names that are not English prose, and why each may appear.
ALLOWED = {
    # the commands a user types: python -m index SUBCOMMAND, python -m ingest, make setup
    "python", "index", "ingest", "doc", "search", "ask", "evaluate", "compare", "related", "themes",
    "export-milvus", "check", "make", "setup", "model_setup",
    # the values options take (--kind, --unit, --backend, --device, --index-type): typed as they are
    "rectification_progress", "feedback", "announcement", "other", "finding", "passage", "auto", "folder",
    "milvus", "cpu", "cuda", "HNSW", "FLAT", "IVF_FLAT",
    # field names of the JSON Lines a user hands in (qid, query; id, title, url, text) and of NOTICE_LIMITS
    "qid", "query", "id", "title", "url", "text", "file_seconds", "notices", "null",
    # file formats, encodings, units and products, written as their makers write them
    "JSON", "Lines", "JSONL", "PDF", "HTML", "XML", "CSV", "UTF-8", "GB18030", "GBK", "Big5", "Word", "docx",
    "txt", "md", "pdf", "html", "htm", "jsonl", "db", "PNG", "JPG", "JPEG", "TIFF", "BMP", "png", "jpg", "jpeg",
    "tif", "tiff", "bmp", "MB", "MiB", "NUL", "FAISS", "BM25", "Milvus", "Lite",
    "OpenAI", "NVIDIA", "GPU", "fp16", "sentence-transformers", "host",
    # the id of the bundled sample notice (corpus/seed.txt), the example in help texts (seed:问题3)
    "seed",
    # the two sides of a comparison, as the compare page and command name them (通报A, 仅 A 有)
    "A", "B",
    # the prefix of an error line, which scripts rely on (README: one `error:` line)
    "error",
}


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The English words of ``text`` once URLs, e-mails, paths, option names and allowed names are left out."""
    text = html.unescape(text)
    for pattern in (_URL, _PATH, _OPTION):
        text = pattern.sub(" ", text)
    known = ALLOWED | set(allowed)
    return [word for word in _WORD.findall(text) if word not in known and not re.fullmatch(r"[nN]\d+", word)]


def test_english_words_finds_english_and_passes_the_allowed_names() -> None:
    # "query" passes: it is a JSON field name users write
    assert english_words("查询只有标点 / the query has only punctuation") == ["the", "has", "only", "punctuation"]
    assert english_words("Select all") == ["Select", "all"]
    assert english_words("Add: 三沙") == ["Add"]
    assert english_words("unit: finding (A: finding, B: item), threshold 0.96") == ["unit", "item", "threshold"]
    assert english_words("error: 索引中没有编号为 'n9999' 的通报；见 `python -m index search`，--top 数量") == []
    assert english_words("来源：https://www.gov.cn/a?b=1 邮箱 jb@ccdi.gov.cn 文件 /tmp/index/notices.txt") == []


# ----------------------------------------------------------------------------- the index


def full_width(text: str) -> str:
    """ASCII punctuation next to Chinese text written full-width, as Chinese notices are published."""
    table = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
    han = r"[\u3400-\u9fff“”、。《》]"
    return re.sub(rf"(?<={han})[,:;()!?]|[,:;()!?](?={han})", lambda m: table[m.group()], text)


@pytest.fixture(scope="module")
def notices() -> dict[str, dict]:
    """The development corpus records by id."""
    with NOTICES.open(encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


@pytest.fixture(scope="module")
def full_width_text(notices: dict[str, dict]) -> str:
    """n0001 as a notice page writes it: title line, then the text with full-width punctuation."""
    row = notices[FULL_WIDTH_ID]
    return full_width(f"{row['title']}\n{row['text']}")


@pytest.fixture(scope="module")
def zh_index(tmp_path_factory: pytest.TempPathFactory, notices: dict[str, dict], full_width_text: str) -> Path:
    """A real index of the seed, eleven real notices and n0001 with its full-width punctuation."""
    from ingest.pipeline import ingest

    corpus = tmp_path_factory.mktemp("zh-corpus")
    rows = [notices[doc_id] for doc_id in NOTICE_IDS]
    assert not any(re.search("[A-Za-z]", (r["title"] or "") + r["text"]) for r in rows)
    (corpus / "notices.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                          encoding="utf-8")
    (corpus / f"{FULL_WIDTH_ID}.txt").write_text(full_width_text, encoding="utf-8")
    shutil.copy(SEED, corpus / f"{SEED_ID}.txt")
    root = tmp_path_factory.mktemp("zh-index")
    report = ingest([corpus], root, progress=False)
    assert report.written and not report.rejected, report.rejected
    return root


@pytest.fixture(scope="module")
def zh_documents(zh_index: Path) -> dict[str, Document]:
    from index.store import folder as store

    return dict(store.load(zh_index, vectors=False).documents.items())


@pytest.fixture(scope="module")
def quoted(zh_documents: dict[str, Document]) -> set[str]:
    """What may be shown because the notices themselves hold it: their ids, and the few Latin letters the seed's
    damaged scrape keeps (``h委``, a lost byte; the other notices were chosen without any)."""
    words = {w for doc in zh_documents.values() for w in _WORD.findall(_URL.sub(" ", doc.text + doc.title))}
    assert words - set(zh_documents) <= {"h", "N", "SWXCB8888"}, words  # the index really is without English of its own
    return set(zh_documents) | words


# ----------------------------------------------------------------------------- the notice's own words


def test_full_width_notice_is_folded_for_the_index_and_kept_for_showing(zh_documents: dict[str, Document],
                                                                        full_width_text: str) -> None:
    doc = zh_documents[FULL_WIDTH_ID]
    assert "，" not in doc.text and "," in doc.text  # indexed form: folded
    assert doc.shown.count("，") == full_width_text.count("，") > 10
    body = full_width_text.split("\n", 1)[1]
    assert body.splitlines()[0] in doc.shown  # a whole line of the notice, character for character


def _passage(card: str) -> str:
    """The text of the passage in an answer box or result card, as a reader sees it."""
    body = re.search(r'class="ns-passage">(.*?)</div>', card, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_answer_and_passage_show_the_notices_punctuation(zh_index: Path, monkeypatch: pytest.MonkeyPatch,
                                                         full_width_text: str,
                                                         zh_documents: dict[str, Document]) -> None:
    from index.shown import fold_chars

    monkeypatch.setenv(state.INDEX_ENV, str(zh_index))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.text_input(key="question").set_value(FULL_WIDTH_QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    box = next(h.value for h in at.html if "ns-answer-box" in h.value)
    answer = html.unescape(re.search(r'class="ns-answer-text">(.*?)</div>', box).group(1))
    assert "98.71%" in answer and "，" in answer, answer
    assert answer in full_width_text  # the sentence as the notice writes it
    passage = _passage(box)
    assert passage in full_width_text and "，" in passage and answer in passage
    indexed = zh_documents[FULL_WIDTH_ID].text
    cards = [_passage(h.value) for h in at.html if 'class="ns-hit"' in h.value]
    own = [p for p in cards if fold_chars(p) in indexed]  # the result cards that quote n0001
    assert own and all(p in full_width_text for p in own) and any("，" in p for p in own)


def test_cli_answer_and_search_show_the_notices_punctuation(zh_index: Path, full_width_text: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert index_cli.main(["ask", FULL_WIDTH_QUESTION, "--index", str(zh_index)]) == 0
    out = capsys.readouterr().out
    sentence = re.search(r"答案：【(.*?)】", out).group(1)
    assert "，" in sentence and sentence in full_width_text, out
    assert index_cli.main(["search", "做深做实巡察后半篇文章 维西县", "--index", str(zh_index), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "……" in out and "......" not in out, out  # n0016's own ellipsis
    assert index_cli.main(["doc", FULL_WIDTH_ID, "--index", str(zh_index)]) == 0
    out = capsys.readouterr().out
    assert full_width_text.split("\n", 1)[1].splitlines()[0] in out  # the reader: the notice's own line


def test_navigation_breadcrumb_and_repeated_title_are_dropped(notices: dict[str, dict]) -> None:
    row = notices["n0076"]  # 要闻动态Navigation, then the title twice
    assert row["text"].startswith("要闻动态Navigation\n")
    text, _ = clean(RawDocument(doc_id="n0076", text=row["text"], source="n0076"))
    lines = text.splitlines()
    assert "Navigation" not in text and lines[0] == row["title"] and lines[1] != row["title"]


def test_shown_text_folds_back_to_the_indexed_text(notices: dict[str, dict], full_width_text: str) -> None:
    from index.shown import ShownMap, fold_chars

    for doc_id, raw in ((FULL_WIDTH_ID, full_width_text), (ELLIPSIS_ID, notices[ELLIPSIS_ID]["text"])):
        text, shown, _ = clean_shown(RawDocument(doc_id=doc_id, text=raw, source=doc_id))
        assert shown and fold_chars(shown) == text
        mapping = ShownMap(text, shown)
        start = text.find("......") if doc_id == ELLIPSIS_ID else text.find(",")
        assert mapping.span(start - 5, start + 6).count("……" if doc_id == ELLIPSIS_ID else "，") == 1


# ----------------------------------------------------------------------------- the page


def _page_strings(at: AppTest) -> list[str]:
    """Every string the page shows: element bodies and widget labels, options, placeholders and help."""
    out: list[str] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for name in ("body", "label", "placeholder", "help", "options", "display_value", "value", "caption",
                     "text", "title"):
            if not any(f.name == name for f in proto.DESCRIPTOR.fields):
                continue
            value = getattr(proto, name)
            values = list(value) if not isinstance(value, str | bytes) and hasattr(value, "__iter__") else [value]
            out += [v for v in values if isinstance(v, str)]
    return out


def _walk(node: object) -> Iterable[object]:
    """The page's elements, except inside the folded 技术信息 box (paths, index generation: for maintainers)."""
    yield node
    if type(node).__name__ == "Expander" and getattr(node, "label", "") == TECHNICAL:
        return
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _visible(strings: Iterable[str]) -> str:
    """The page text without style blocks, scripts, tags and attribute values."""
    text = "\n".join(s for s in strings if not s.lstrip().startswith(("<style>", "<script>")))
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r":material/\w+:", " ", text)


@pytest.fixture
def page(zh_index: Path, monkeypatch: pytest.MonkeyPatch):
    return page_opener(zh_index, monkeypatch, TIMEOUT)


def _check(at: AppTest, where: str, allowed: Iterable[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    words = english_words(_visible(_page_strings(at)), allowed)
    assert not words, f"{where}: English on the page: {sorted(set(words))}"


def test_every_page_view_is_chinese(page, quoted: set[str]) -> None:
    allowed = quoted  # notice ids (n0016, seed) and the notices' own letters are shown as they are
    at = page()
    _check(at, "提问检索（空）", allowed)
    for question in (FULL_WIDTH_QUESTION, "   ", "？？！……", "巡察" * 2500, "广东省委巡视组 统一受理举报 邮政信箱",
                     "火星上的巡察组有几个人"):
        at.text_input(key="question").set_value(question).run()
        _check(at, f"提问检索：{question[:12]!r}", allowed)
    for view, params in (("notice", {"doc": FULL_WIDTH_ID}), ("notice", {"doc": SEED_ID}),
                         ("compare", {"a": SEED_ID, "b": "n0242"}), ("compare", {"a": "n0016", "b": "n0005"}),
                         ("related", {"ref": f"{SEED_ID}:问题3"}), ("related", {"ref": "n9999:问题1"}),
                         ("related", {}), ("themes", {}), ("overview", {}), ("upload", {})):
        at = page(view=view, **params)
        _check(at, f"{view} {params}", allowed)


def test_page_widgets_offer_no_english_bulk_or_create_options(page) -> None:
    """Streamlit draws “Select all” (multiselect) and “Add: …” (a selectbox taking new options) itself."""
    for view in ("ask", "notice", "compare", "related", "themes", "upload"):
        at = page(view=view)
        assert all(m.proto.select_all == 0 for m in at.multiselect), view
        assert not any(s.proto.accept_new_options for s in at.selectbox), view


def test_empty_question_gets_a_hint(page) -> None:
    at = page()
    at.text_input(key="question").set_value("   ").run()
    assert any("问题是空的" in i.value for i in at.info)
    assert not [h for h in at.html if 'class="ns-hit"' in h.value]


def test_related_page_shows_label_and_unit_not_the_reference(page, zh_documents: dict[str, Document]) -> None:
    at = page(view="related", ref=f"{SEED_ID}:问题3")
    box = at.text_input(key=related.KEY_QUERY).value
    seed = zh_documents[SEED_ID]
    unit = seed.inspected_unit or seed.org
    assert box.startswith("问题3 ") and unit and box.endswith(f"（{unit}）") and "seed" not in box, box
    ref_box = next(h.value for h in at.html if "ns-ref-box" in h.value)
    assert "seed:" not in ref_box and "问题3" in ref_box
    assert any("ns-hit" in h.value for h in at.html)  # still looked up as the finding


def test_highlight_leaves_out_the_words_of_every_notice(zh_documents: dict[str, Document]) -> None:
    texts = [doc.text for doc in zh_documents.values()]
    terms = highlight.query_terms("张家界市委宣传部整改工作领导小组的组长是谁？")
    kept = highlight.rare_terms(terms, texts)
    assert "张家界" in kept and not {"整改", "工作"} & set(kept), kept
    share = {t: sum(t in x for x in texts) / len(texts) for t in terms}
    assert all(share[t] < highlight.COMMON_SHARE for t in kept)
    assert highlight.rare_terms(["工作"], texts) == ["工作"]  # all common: the rarest is still marked


# ----------------------------------------------------------------------------- the CLI


def _subcommands() -> list[str]:
    parser = index_cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(sub.choices)


def _run(main, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # --help and usage errors
        code = exc.code
    captured = capsys.readouterr()
    return int(code or 0), captured.out + captured.err


def test_every_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = [_run(index_cli.main, ["--help"], capsys), _run(ingest_cli.main, ["--help"], capsys)]
    outputs += [_run(index_cli.main, [name, "--help"], capsys) for name in _subcommands()]
    for code, out in outputs:
        assert code == 0 and "用法：" in out and "选项" in out
        assert not english_words(out), (english_words(out), out)
    helped = [line for _, out in outputs for line in out.splitlines() if line.strip().startswith("--")]
    assert all(re.search(r"[\u4e00-\u9fff]", line) or line.strip().endswith(("}", "数量", "目录")) for line in helped)


def test_cli_outputs_and_errors_are_chinese(zh_index: Path, quoted: set[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--index", str(zh_index)]
    runs = {
        "ask": (index_cli.main, ["ask", FULL_WIDTH_QUESTION, *where]),
        "ask none": (index_cli.main, ["ask", "火星上的巡察组有几个人", *where]),
        "search": (index_cli.main, ["search", "统一受理举报 邮政信箱", *where, "--kind", "announcement"]),
        "doc": (index_cli.main, ["doc", SEED_ID, *where]),
        "compare": (index_cli.main, ["compare", SEED_ID, "n0242", *where]),
        "compare passages": (index_cli.main, ["compare", "n0016", "n0005", *where]),
        "related": (index_cli.main, ["related", f"{SEED_ID}:问题3", *where]),
        "themes": (index_cli.main, ["themes", *where, "--min-notices", "1", "--top", "3"]),
        "themes none": (index_cli.main, ["themes", *where, "--min-notices", "50"]),
    }
    errors = {
        "related seed:问题99": (index_cli.main, ["related", f"{SEED_ID}:问题99", *where]),
        "related n9999": (index_cli.main, ["related", "n9999", *where]),
        "--top 0": (index_cli.main, ["search", "整改", "--top", "0", *where]),
        "--top x": (index_cli.main, ["search", "整改", "--top", "x", *where]),
        "no query": (index_cli.main, ["ask", *where]),
        "punctuation": (index_cli.main, ["ask", "？？！", *where]),
        "too long": (index_cli.main, ["search", "整改" * 600, *where]),
        "no such doc": (index_cli.main, ["doc", "NOSUCH", *where]),
        "no index": (index_cli.main, ["search", "整改", "--index", str(zh_index / "nothing")]),
        "bad command": (index_cli.main, ["bogus"]),
        "compare passage-only": (index_cli.main, ["compare", "n0016", "n0005", "--unit", "finding", *where]),
        "ingest nothing": (ingest_cli.main, ["--index", str(zh_index)]),
    }
    allowed = quoted | {"NOSUCH", "bogus", "x"}  # ids and values the user typed, echoed back
    for name, (main, argv) in runs.items():
        code, out = _run(main, argv, capsys)
        assert code == 0 and out.strip(), (name, out)
        assert not english_words(out, allowed), (name, english_words(out, allowed), out)
    for name, (main, argv) in errors.items():
        code, out = _run(main, argv, capsys)
        assert code == 2 and "Traceback" not in out, (name, code, out)
        last = out.strip().splitlines()[-1]
        assert last.startswith("error: ") and re.search(r"[\u4e00-\u9fff]", last), (name, out)
        assert not english_words(out, allowed), (name, english_words(out, allowed), out)


def test_ingest_output_is_chinese(tmp_path: Path, notices: dict[str, dict], capsys: pytest.CaptureFixture[str]) -> None:
    """Per-file lines, rejections (the bundled broken files) and the summary, after a real ingest."""
    bad = Path(__file__).resolve().parent / "data" / "bad"
    good = tmp_path / "n0242.txt"
    row = notices["n0242"]
    good.write_text(f"{row['title']}\n{row['text']}", encoding="utf-8")
    index = tmp_path / "index"
    code, out = _run(ingest_cli.main, [str(good), str(bad), str(tmp_path / "missing.txt"), "--index", str(index),
                                       "--quiet"], capsys)
    assert code == 0 and "已索引 1" in out and "拒绝" in out, out
    assert not english_words(out), (english_words(out), out)
    code, out = _run(ingest_cli.main, [str(good), "--index", str(index), "--remove", "n9999"], capsys)
    assert "未变化" in out and "索引中没有这篇通报" in out and not english_words(out), out
