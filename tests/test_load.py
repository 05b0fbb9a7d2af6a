"""ingest.load on the real corpus and on fixtures made from it (tests/data)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from shared_data import NOTICES, SEED, missing_message

from index.config import Config
from index.store import folder as store
from index.text.repair import strip_pinyin
from ingest import load as load_module
from ingest.load import LoadError, decode_bytes, is_index_dir, load_paths
from ingest.raw import RawDocument

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict]:
    """The shared corpus records by id."""
    if not NOTICES.is_file():
        pytest.fail(missing_message())
    with NOTICES.open(encoding="utf-8") as fh:
        return {rec["id"]: rec for rec in map(json.loads, fh)}


def _one(path: Path) -> RawDocument | LoadError:
    results = list(load_paths([path]))
    assert len(results) == 1, results
    return results[0]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------- bad input

BAD_FILES = [
    ("empty.txt", "空文件"),
    ("binary.pdf", "不是 PDF 文件"),
    ("truncated.pdf", "PDF 文件不完整"),
    ("encrypted.pdf", "加密的 PDF"),
    ("no_text.pdf", "没有可提取的文字"),
    ("unknown.xyz", "不支持的文件类型 .xyz"),
    ("undecodable.txt", "无法解码的字节"),
    ("corrupt.docx", "已损坏"),
]


@pytest.mark.parametrize(("name", "reason"), BAD_FILES)
def test_bad_file_gives_load_error_naming_it(name: str, reason: str) -> None:
    result = _one(BAD / name)
    assert isinstance(result, LoadError)
    assert Path(result.source).name == name
    assert reason in result.reason


def test_bad_folder_walk_never_raises_and_is_sorted() -> None:
    results = list(load_paths([BAD]))
    assert all(isinstance(r, LoadError) for r in results)
    assert [Path(r.source).name for r in results] == sorted(name for name, _ in BAD_FILES)


def test_missing_path_is_a_load_error(tmp_path: Path) -> None:
    result = _one(tmp_path / "absent.txt")
    assert isinstance(result, LoadError)
    assert "不存在" in result.reason


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes((BAD / "binary.pdf").read_bytes())
    result = _one(path)
    assert isinstance(result, LoadError)
    assert "二进制" in result.reason


def test_truncated_real_pdf_was_a_real_pdf() -> None:
    data = (BAD / "truncated.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" not in data


# ---------------------------------------------------------------- encodings


def test_gbk_notice_decodes_to_the_corpus_text(corpus: dict[str, dict]) -> None:
    data = (DATA / "gbk_notice.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = _one(DATA / "gbk_notice.txt")
    assert isinstance(doc, RawDocument)
    first_progress = next(rec for rec in corpus.values() if rec["kind"] == "rectification_progress")
    assert doc.text == first_progress["text"]
    assert doc.doc_id == "gbk_notice"
    assert doc.meta["encoding"] == "gb18030"


def test_every_corpus_text_round_trips_through_gb18030(corpus: dict[str, dict]) -> None:
    for rec in corpus.values():
        text, codec = decode_bytes(rec["text"].encode("gb18030"))
        assert (text, codec) == (rec["text"], "gb18030"), rec["id"]


def test_traditional_pages_round_trip_through_big5(corpus: dict[str, dict]) -> None:
    tested = 0
    for rec in corpus.values():
        if not rec["mojibake"]:
            continue
        traditional = strip_pinyin(rec["text"])
        try:
            data = traditional.encode("big5")
        except UnicodeEncodeError:
            continue
        tested += 1
        assert decode_bytes(data)[0] == traditional, rec["id"]
    assert tested >= 10


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(corpus: dict[str, dict], codec: str, tmp_path: Path) -> None:
    path = tmp_path / "n0001.txt"
    path.write_bytes(corpus["n0001"]["text"].encode(codec))
    doc = _one(path)
    assert isinstance(doc, RawDocument)
    assert doc.text == corpus["n0001"]["text"]


# ---------------------------------------------------------------- formats


def test_seed_txt_loads_as_scraped() -> None:
    doc = _one(SEED)
    assert isinstance(doc, RawDocument)
    assert doc.doc_id == "seed"
    assert doc.text.startswith("當(dāng)前位置")
    assert doc.meta["format"] == "txt"


def test_html_main_text_title_url_and_date(corpus: dict[str, dict]) -> None:
    rec = corpus["n0093"]
    doc = _one(DATA / "notice.html")
    assert isinstance(doc, RawDocument)
    assert doc.title == rec["title"]
    assert doc.url == rec["url"]
    assert doc.meta["published"] == "2022-12-08"
    assert doc.meta["encoding"] == "gb18030"
    body = [line for line in rec["text"].split("\n")[4:] if line.strip()]
    lines = doc.text.split("\n")
    positions = [lines.index(line) for line in body]  # each paragraph on its own line
    assert positions == sorted(positions)
    assert "_hmt" not in doc.text and "SimSun" not in doc.text


def test_html_plain_fallback_keeps_lines(corpus: dict[str, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "_main_text", lambda html: "")
    doc = _one(DATA / "notice.html")
    assert isinstance(doc, RawDocument)
    lines = doc.text.split("\n")
    for line in corpus["n0093"]["text"].split("\n")[4:]:
        if line.strip():
            assert line in lines
    assert "_hmt" not in doc.text


def test_pdf_text_in_order(corpus: dict[str, dict]) -> None:
    rec = corpus["n0061"]
    doc = _one(DATA / "notice.pdf")
    assert isinstance(doc, RawDocument)
    assert doc.title == rec["title"]
    squashed = _squash(doc.text)
    offsets = [squashed.index(_squash(paragraph)) for paragraph in rec["text"].split("\n")]
    assert offsets == sorted(offsets)


def test_docx_paragraphs_then_table_cells(corpus: dict[str, dict]) -> None:
    rec = corpus["n0171"]
    doc = _one(DATA / "notice.docx")
    assert isinstance(doc, RawDocument)
    assert doc.title == rec["title"]
    lines = doc.text.split("\n")
    assert lines[0] == rec["title"]
    rows = [line.replace(":", "\t", 1) for line in rec["text"].split("\n") if line.startswith("省委第")]
    paragraphs = [line for line in rec["text"].split("\n") if not line.startswith("省委第")]
    assert lines[1 : 1 + len(paragraphs)] == paragraphs
    assert lines[1 + len(paragraphs) :] == rows


def test_jsonl_corpus(corpus: dict[str, dict]) -> None:
    docs = list(load_paths([NOTICES]))
    assert all(isinstance(d, RawDocument) for d in docs)
    assert [d.doc_id for d in docs] == list(corpus)
    first = docs[0]
    assert first.source == f"{NOTICES}:1"
    assert (first.kind, first.url, first.title) == (
        corpus[first.doc_id]["kind"],
        corpus[first.doc_id]["url"],
        corpus[first.doc_id]["title"],
    )
    assert first.meta["mojibake"] is corpus[first.doc_id]["mojibake"]
    assert all(d.url == "" for d in docs if corpus[d.doc_id]["url"] is None)


def test_jsonl_bad_lines_are_reported_and_others_load(tmp_path: Path) -> None:
    real = NOTICES.read_text(encoding="utf-8").splitlines()[:3]
    no_text, no_id = json.loads(real[2]), json.loads(real[2])
    del no_text["text"], no_id["id"]
    lines = [
        real[0],
        real[1][: len(real[1]) // 2],
        "",
        json.dumps(no_text, ensure_ascii=False),
        real[0],
        json.dumps(no_id, ensure_ascii=False),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(load_paths([path]))
    errors = {r.source: r.reason for r in results if isinstance(r, LoadError)}
    docs = [r for r in results if isinstance(r, RawDocument)]
    assert [d.doc_id for d in docs] == [json.loads(real[0])["id"], "batch-6"]
    assert "无效的 JSON" in errors[f"{path}:2"]
    assert "缺少 'text'" in errors[f"{path}:4"]
    assert "编号重复" in errors[f"{path}:5"]
    assert len(errors) == 3


def test_walk_skips_hidden_files_and_index_folders(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "seed.txt")
    shutil.copy(SEED, tmp_path / ".seed.txt")
    (tmp_path / ".cache").mkdir()
    shutil.copy(SEED, tmp_path / ".cache" / "seed.txt")
    generation = store.write_generation(tmp_path / "index", store.IndexData(config=Config(dimension=4)))
    shutil.copy(NOTICES, generation / "documents.jsonl")
    nested = tmp_path / "more" / "deeper"
    nested.mkdir(parents=True)
    shutil.copy(DATA / "gbk_notice.txt", nested / "gbk_notice.txt")
    assert is_index_dir(generation) and is_index_dir(tmp_path / "index") and not is_index_dir(tmp_path)
    results = list(load_paths([tmp_path, tmp_path / "seed.txt"]))
    assert [(r.doc_id, Path(r.source).parent.name) for r in results] == [
        ("more/deeper/gbk_notice", "deeper"),  # the path under the ingested folder: unique per file
        ("seed", tmp_path.name),
    ]


def test_a_few_damaged_utf8_bytes_are_tolerated(tmp_path: Path) -> None:
    data = bytearray(SEED.read_bytes())
    middle = data.index("市委第三巡察組".encode()) + 1  # inside the first character
    data[middle] = 0xFF
    path = tmp_path / "seed.txt"
    path.write_bytes(bytes(data))
    doc = _one(path)
    assert isinstance(doc, RawDocument)
    assert doc.meta["encoding"] == "utf-8"
    assert "\ufffd" in doc.text and "委第三巡察組對市委宣傳部" in doc.text
