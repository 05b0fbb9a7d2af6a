"""An index that never loses a notice: damage is named by ``check``, refused or repaired, never silent.

A small real index (five real notices and the seed, real model, real FAISS and
bm25s) is damaged one way per test — ``CURRENT`` missing, ``manifest.json``
garbage, ``documents.jsonl`` / ``chunks.jsonl`` cut to half, the vector file
missing, 4 KB flipped inside it, its header flipped — then ``check``, the
readers and an ingest are run on it through the real CLIs.  A full disk is a
real ``ulimit -f`` (two sizes) and, where the machine allows a mount, a 3 MB tmpfs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOTICES, REPO, SEED

from index.cli.main import main as index_main
from index.store import folder as store
from ingest.__main__ import main as ingest_main

QUERY = "巡察整改 问题清单"


def _run(main, argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _notices(first: int, count: int, folder: Path, name: str) -> Path:
    lines = NOTICES.read_text(encoding="utf-8").splitlines()[first:first + count]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("integrity-inputs")
    base = _notices(0, 5, folder, "base.jsonl")
    more = _notices(5, 2, folder, "more.jsonl")
    return {"base": base, "more": more}


@pytest.fixture(scope="module")
def healthy(inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base index: five real notices and the seed."""
    root = tmp_path_factory.mktemp("integrity") / "index"
    code, _, err = _run(ingest_main, [str(inputs["base"]), str(SEED), "--index", str(root), "--quiet"])
    assert code == 0, err
    return root


@pytest.fixture(scope="module")
def clean_after(inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a clean build of the base notices plus the two more gives (the target of every repair)."""
    root = tmp_path_factory.mktemp("integrity-clean") / "index"
    code, _, err = _run(ingest_main, [str(inputs["base"]), str(SEED), str(inputs["more"]), "--index", str(root),
                                      "--quiet"])
    assert code == 0, err
    return root


def _search(root: Path) -> tuple[int, list, str]:
    code, out, err = _run(index_main, ["search", QUERY, "--index", str(root), "--json"])
    return code, (json.loads(out) if code == 0 else []), err


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path → SHA-256 (to prove nothing was changed)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def _flip(path: Path, offset: int, length: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + length] = bytes(b ^ 0xFF for b in data[offset:offset + length])
    path.write_bytes(bytes(data))


def _cut_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damage(root: Path, case: str) -> Path:
    """Damage ``root`` one way; return the file ``check`` must name."""
    gen = store.current_generation(root)
    assert gen is not None
    if case == "current_missing":
        (root / store.CURRENT).unlink()
        return root / store.CURRENT
    target = {"manifest_garbage": store.MANIFEST, "documents_half": store.DOCUMENTS, "chunks_half": store.CHUNKS,
              "vectors_missing": store.CHUNK_VECTORS, "vectors_4k_flipped": store.CHUNK_VECTORS,
              "vectors_header_flipped": store.CHUNK_VECTORS}[case]
    path = gen / target
    if case == "manifest_garbage":
        path.write_bytes(b'{"config": {"model": \x00\xff garbage')
    elif case.endswith("_half"):
        _cut_half(path)
    elif case == "vectors_missing":
        path.unlink()
    elif case == "vectors_4k_flipped":
        size = path.stat().st_size
        assert size > 12_000
        _flip(path, size // 2 - 2048, 4096)
    elif case == "vectors_header_flipped":
        _flip(path, 0, 16)
    return path


CASES = ["current_missing", "manifest_garbage", "documents_half", "chunks_half", "vectors_missing",
         "vectors_4k_flipped", "vectors_header_flipped"]
#: Cases whose text (documents or the manifest) is gone: an ingest must refuse and change nothing.
REFUSED = {"manifest_garbage", "documents_half"}


def test_healthy_index_checks_clean(healthy: Path) -> None:
    code, out, err = _run(index_main, ["check", "--index", str(healthy)])
    assert code == 0, out + err
    assert out.startswith("索引完好")
    code, out, _ = _run(index_main, ["check", "--index", str(healthy), "--json"])
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["problems"] == []
    manifest = store.read_manifest(healthy)
    assert report["counts"]["documents"] == manifest["counts"]["documents"] == 6
    # every file of the generation is listed with its size and checksum
    gen = store.current_generation(healthy)
    on_disk = {p.relative_to(gen).as_posix() for p in gen.rglob("*") if p.is_file()} - {store.MANIFEST}
    assert set(manifest["files"]) == on_disk
    for name, info in manifest["files"].items():
        assert info["size"] == (gen / name).stat().st_size
        assert info["sha256"] == hashlib.sha256((gen / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES)
def test_damage_is_named_refused_or_repaired(case: str, healthy: Path, clean_after: Path, inputs: dict[str, Path],
                                             tmp_path: Path) -> None:
    _, healthy_hits, _ = _search(healthy)
    assert healthy_hits
    root = tmp_path / "index"
    shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
    damaged = _damage(root, case)

    # check names the damaged file (one line, with what to do) and exits 1
    code, out, err = _run(index_main, ["check", "--index", str(root)])
    assert code == 1, out + err
    lines = [line for line in out.splitlines() if line.startswith("损坏：")]
    assert len(lines) == 1 and str(damaged) in lines[0], out
    assert "python -m ingest" in lines[0]
    code, out, _ = _run(index_main, ["check", "--index", str(root), "--json"])
    assert code == 1 and [p["file"] for p in json.loads(out)["problems"]] == [str(damaged)]

    # readers: the healthy index's answer, or one error line naming the file
    code, hits, err = _search(root)
    if case == "current_missing":
        assert code == 0 and hits == healthy_hits
    else:
        assert code == 2 and hits == []
        assert err.count("\n") == 1 and err.startswith("error: ") and str(damaged) in err, err
    code, out, err = _run(index_main, ["doc", "seed", "--index", str(root), "--json"])
    if case in REFUSED | {"chunks_half"}:  # doc reads the documents and the chunks, not the vectors
        assert code == 2 and err.startswith("error: ") and str(damaged) in err
    else:
        assert code == 0 and json.loads(out)["doc_id"] == "seed"

    # an ingest refuses (changing nothing) or ends with what a clean build gives
    before = _snapshot(root)
    code, out, err = _run(ingest_main, [str(inputs["more"]), "--index", str(root), "--quiet"])
    if case in REFUSED:
        assert code == 2, out + err
        assert err.startswith("error: ") and str(damaged) in err and "导入已拒绝" in err
        assert "Traceback" not in err and _snapshot(root) == before
        return
    assert code == 0, err
    assert "已索引 2" in out
    code, out, err = _run(index_main, ["check", "--index", str(root)])
    assert code == 0, out + err
    repaired, clean = store.load(root), store.load(clean_after)
    assert list(repaired.documents) == list(clean.documents)
    assert [c.to_dict() for c in repaired.chunks] == [c.to_dict() for c in clean.chunks]
    assert repaired.finding_keys == clean.finding_keys
    assert _search(root)[1] == _search(clean_after)[1]


def test_current_naming_a_missing_generation_is_recovered(healthy: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
    (root / store.CURRENT).write_text("gen-000009", encoding="utf-8")
    assert store.current_generation(root) == root / "gen-000001"
    assert len(store.load(root).documents) == 6


def test_current_missing_and_every_generation_damaged_is_refused(healthy: Path, inputs: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
    _cut_half(store.current_generation(root) / store.DOCUMENTS)
    (root / store.CURRENT).unlink()
    before = _snapshot(root)
    code, out, err = _run(ingest_main, [str(inputs["more"]), "--index", str(root), "--quiet"])
    assert code == 2 and err.startswith("error: ") and "CURRENT" in err, out + err
    assert _snapshot(root) == before  # never taken for an empty index: nothing renamed or deleted


def test_older_index_without_checksums_still_opens(healthy: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
    path = store.current_generation(root) / store.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["files"]
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert _search(root)[1] == _search(healthy)[1]
    code, out, err = _run(index_main, ["check", "--index", str(root)])
    assert code == 0 and "旧格式" in err, out + err
    _cut_half(path.parent / store.CHUNKS)  # damage is still found, by parsing and counting
    code, out, err = _run(index_main, ["check", "--index", str(root)])
    assert code == 1 and str(path.parent / store.CHUNKS) in out
    code, _, err = _search(root)
    assert code == 2 and err.startswith("error: ") and store.CHUNKS in err


def _ingest_limited(command: str, root: Path, more: Path) -> subprocess.CompletedProcess:
    script = f'{command}; exec "$0" -m ingest "$1" --index "$2" --quiet'
    return subprocess.run(["bash", "-c", script, sys.executable, str(more), str(root)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def _assert_failed_cleanly(result: subprocess.CompletedProcess, root: Path, before: dict[str, str],
                           reason: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not [p for p in root.iterdir() if p.name.startswith(".")
                and p.name != ".lock"], list(root.iterdir())  # no temporary generation left
    assert _snapshot(root) == before  # the previous generation is unchanged and live
    assert index_main(["check", "--index", str(root)]) == 0


@pytest.mark.parametrize("kilobytes", [16, 64])
def test_file_size_limit_gives_one_line_and_leaves_nothing(kilobytes: int, healthy: Path, inputs: dict[str, Path],
                                                           tmp_path: Path) -> None:
    root = tmp_path / "index"
    shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
    before = _snapshot(root)
    result = _ingest_limited(f"ulimit -f {kilobytes}", root, inputs["more"])
    _assert_failed_cleanly(result, root, before, "文件超过允许的大小")


def test_full_disk_gives_one_line_and_leaves_nothing(healthy: Path, inputs: dict[str, Path], tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"this machine allows no tmpfs mount: {made.stderr.decode(errors='replace').strip()}")
    try:
        root = mount / "index"
        shutil.copytree(healthy, root, ignore=shutil.ignore_patterns(".lock"))
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * max(0, free - 40_000))  # leave less than one generation
        before = _snapshot(root)
        result = _ingest_limited("true", root, inputs["more"])
        _assert_failed_cleanly(result, root, before, "磁盘空间不足")
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
