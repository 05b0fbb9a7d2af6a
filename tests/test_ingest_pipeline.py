"""The ingest pipeline end to end: incremental runs, duplicates, removal, bad files, atomicity."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOTICES, REPO, SEED

from index.errors import IndexLocked, IndexMismatch
from index.store import folder as store
from ingest.pipeline import ingest

DATA = Path(__file__).parent / "data"


def _real_notices(n: int, kind: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in NOTICES.open(encoding="utf-8")]
    return [r for r in rows if kind is None or r["kind"] == kind][:n]


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    """Four real notices as .txt files (title on the first line) plus the seed."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for row in _real_notices(4, "rectification_progress"):
        (folder / f"{row['id']}.txt").write_text(f"{row['title']}\n{row['text']}", encoding="utf-8")
    shutil.copy(SEED, folder / "seed.txt")
    return folder


def test_incremental_runs(small_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    first = ingest([small_corpus], root, progress=False)
    assert first.written and len(first.indexed) == 5 and not first.rejected
    generation = store.current_generation(root)

    again = ingest([small_corpus], root, progress=False)
    assert not again.written and len(again.unchanged) == 5
    assert store.current_generation(root) == generation  # nothing written

    changed = sorted(small_corpus.glob("n*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一段:整改工作持续推进。", encoding="utf-8")
    third = ingest([small_corpus], root, progress=False)
    assert third.replaced == [changed.stem] and len(third.unchanged) == 4
    data = store.load(root)
    assert "整改工作持续推进" in data.documents[changed.stem].text
    assert sum(c.doc_id == changed.stem and "持续推进" in c.text for c in data.chunks) == 1
    assert len(data.chunks) == len(data.chunk_vectors)

    copy = small_corpus / "copy-of-seed.txt"
    shutil.copy(SEED, copy)
    fourth = ingest([copy], root, progress=False)
    assert fourth.duplicates == [("copy-of-seed", "seed")] and not fourth.written

    fifth = ingest([], root, remove=["seed"], progress=False)
    assert fifth.removed == ["seed"]
    data = store.load(root)
    assert "seed" not in data.documents and all(c.doc_id != "seed" for c in data.chunks)
    assert len(data.finding_keys) == sum(len(d.findings) for d in data.documents.values())


def test_bad_files_reported_gbk_indexed_nothing_lost(small_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    ingest([small_corpus], root, progress=False)
    before = store.load(root, vectors=False)
    seen: list[tuple[str, str, str]] = []
    report = ingest([DATA / "bad", DATA / "gbk_notice.txt"], root, progress=False,
                    on_item=lambda *item: seen.append(item))
    rejected = {Path(source).name: reason for source, reason in report.rejected}
    assert {"empty.txt", "binary.pdf", "truncated.pdf", "unknown.xyz", "undecodable.txt",
            "corrupt.docx"} <= set(rejected), rejected
    assert all(reason for reason in rejected.values())
    assert report.indexed == ["gbk_notice"]
    after = store.load(root, vectors=False)
    assert set(after.documents) == set(before.documents) | {"gbk_notice"}
    gbk_text = (DATA / "gbk_notice.txt").read_bytes().decode("gbk")
    assert gbk_text.strip().splitlines()[-1].strip()[:20] in after.documents["gbk_notice"].text


def test_crash_mid_write_keeps_previous_index(small_corpus: Path, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "index"
    ingest([small_corpus], root, progress=False)
    before = store.load(root, vectors=False)

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt  # what Ctrl-C does half-way through writing

    monkeypatch.setattr(store, "_seal_rest", crash)
    extra = tmp_path / "more"
    extra.mkdir()
    row = _real_notices(1, "feedback")[0]
    (extra / "new.txt").write_text(row["text"], encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        ingest([extra], root, progress=False)
    monkeypatch.undo()
    after = store.load(root)
    assert set(after.documents) == set(before.documents)
    assert len(after.chunks) == len(after.chunk_vectors)
    report = ingest([extra], root, progress=False)  # a later run cleans up and succeeds
    assert report.indexed == ["new"]
    assert not [p for p in root.iterdir() if p.name.startswith(".tmp-")]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    root = tmp_path / "index"
    with store.writer_lock(root), pytest.raises(IndexLocked):
        ingest([SEED], root, progress=False)


def test_mismatched_model_or_version_fails_clearly(small_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    ingest([SEED], root, progress=False)
    manifest = store.read_manifest(root)
    with pytest.raises(IndexMismatch, match="model"):
        store.check_compatible(manifest, root, model="sentence-transformers/all-MiniLM-L6-v2")
    gen = store.current_generation(root)
    data = json.loads((gen / store.MANIFEST).read_text(encoding="utf-8"))
    data["config"]["chunker_version"] = "0"
    (gen / store.MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="重新导入"):
        store.load(root)
    result = subprocess.run([sys.executable, "-m", "index", "search", "巡察", "--index", str(root)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "重新导入" in result.stderr and "Traceback" not in result.stderr


def test_ingest_cli_exit_codes(tmp_path: Path) -> None:
    root = tmp_path / "index"
    ok = subprocess.run([sys.executable, "-m", "ingest", str(SEED), str(DATA / "bad" / "empty.txt"),
                         "--index", str(root), "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "empty.txt" in ok.stderr and "已索引 1" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "ingest", str(DATA / "bad"), "--index", str(tmp_path / "other")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_doc_command_on_seed(shared_index: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "index", "doc", "seed", "--index", str(shared_index), "--json"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"doc_id", "title", "url", "org", "date", "kind", "text", "original", "findings"} <= set(doc)
    assert doc["org"] == "中共张家界市委宣传部"
    assert [f["label"] for f in doc["findings"]] == [f"问题{i}" for i in range(1, 27)]
    assert "(dāng)" in doc["original"] and "(dāng)" not in doc["text"]
    missing = subprocess.run([sys.executable, "-m", "index", "doc", "nope", "--index", str(shared_index)],
                             cwd=REPO, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "索引中没有编号为 'nope' 的通报" in missing.stderr
