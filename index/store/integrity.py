"""``python -m index check --index DIR [--json]``: verify every file of an index.

Checks ``CURRENT`` against the generations on disk, every file's size and
SHA-256 against the manifest, every JSON line, the counts, and the vectors
(finite, unit length).  Prints one Chinese line per damaged file naming it and
what to do and exits 1; exits 0 on a healthy index.  On Milvus it checks the
counts (documents, chunks, findings, sentences) and that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.errors import IndexCorrupt, IndexMissing
from index.store import folder as store
from index.store.folder import Damage

#: A vector whose length is further than this from 1 is damaged (the encoder writes unit vectors).
NORM_TOLERANCE = 1e-2
_BLOCK = 100_000


@dataclass
class CheckReport:
    """What :func:`check_index` found."""

    root: str
    generation: str = ""
    damages: list[Damage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing is damaged."""
        return not self.damages

    def to_dict(self) -> dict:
        """JSON form of ``check --json``."""
        return {"ok": self.ok, "index": self.root, "generation": self.generation, "counts": self.counts,
                "problems": [d.to_dict() for d in self.damages], "notes": self.notes}


def _bad_norms(vectors: np.ndarray | None) -> tuple[int, int, float]:
    """(how many vectors are not finite unit vectors, the first such row, its length)."""
    if vectors is None or len(vectors) == 0:
        return 0, -1, 0.0
    bad, first, length = 0, -1, 0.0
    for start in range(0, len(vectors), _BLOCK):
        block = np.asarray(vectors[start:start + _BLOCK], dtype=np.float64)
        with np.errstate(all="ignore"):
            norms = np.sqrt(np.einsum("ij,ij->i", block, block))
        wrong = ~np.isfinite(norms) | (np.abs(norms - 1.0) > NORM_TOLERANCE)
        if wrong.any():
            if first < 0:
                first = start + int(np.flatnonzero(wrong)[0])
                length = float(norms[first - start])
            bad += int(wrong.sum())
    return bad, first, length


def check_index(root: Path | str) -> CheckReport:
    """Verify the index folder at ``root`` (raises IndexMissing when there is no index at all)."""
    root = Path(root)
    report = CheckReport(root=str(root))
    on_disk = store.generations_on_disk(root)
    named = store.named_generation(root)
    if named is None:
        if not on_disk:
            raise IndexMissing(f"没有找到索引：{root}；请先运行 `python -m ingest 文件或文件夹 --index {root}`")
        good = next((g for g in on_disk if not store.verify_generation(root, g, full=True)), None)
        if good is None:
            report.damages.append(Damage(root / store.CURRENT, "缺失或无效，且没有一个版本通过校验",
                                         store.rebuild_hint(root)))
            gen = on_disk[0]
        else:
            report.damages.append(Damage(root / store.CURRENT, f"缺失或无效（最新的完好版本是 {good.name}，"
                                                                "读取时会自动使用它）",
                                         f"运行 python -m ingest --index {root} --repair 恢复 CURRENT"))
            gen = good
    else:
        gen = named
    report.generation = gen.name
    for leftover in sorted(root.glob(".tmp-gen-*")):
        report.notes.append(f"{leftover}：上次中断的写入留下的临时文件夹（下次导入会删除）")
    try:
        manifest = store.manifest_of(root, gen)
    except IndexCorrupt as exc:
        report.damages.extend(exc.damages)
        return report
    if manifest.get("files") is None:
        report.notes.append(f"{gen / store.MANIFEST}：旧格式，没有记录文件大小与校验和，只检查了内容与数量；"
                            f"重新导入（--rebuild）后可完整校验")
    damages = store.verify_generation(root, gen, full=True, manifest=manifest)
    report.damages.extend(damages)
    if damages:
        return report
    try:
        store.check_compatible(manifest, root)
        data = store.load_generation(root, gen, manifest, vectors=True, lazy=False)
    except IndexCorrupt as exc:
        report.damages.extend(exc.damages)
        return report
    report.counts = {"documents": len(data.documents), "chunks": len(data.chunks),
                     "findings": len(data.finding_keys),
                     "sentences": 0 if data.sentence_vectors is None else len(data.sentence_vectors)}
    for name, vectors in ((store.CHUNK_VECTORS, data.chunk_vectors), (store.FINDING_VECTORS, data.finding_vectors),
                          (store.SENTENCE_VECTORS, data.sentence_vectors)):
        bad, first, length = _bad_norms(vectors)
        if bad:
            report.damages.append(Damage(gen / name, f"{bad} 个向量已损坏（不是单位向量，如第 {first + 1} 个长度为 "
                                                     f"{length:.3g}）", store.repair_hint(root)))
    known = set(data.documents)
    orphans = sorted({c.doc_id for c in data.chunks} - known)
    if orphans:
        report.damages.append(Damage(gen / store.CHUNKS, f"{len(orphans)} 个段落属于不存在的通报（如 {orphans[0]!r}）",
                                     store.repair_hint(root)))
    return report


def check_milvus(uri: str) -> CheckReport:
    """The counts of a Milvus index: every chunk's document exists, every document has chunks."""
    from index.store.milvus import MilvusStore

    milvus = MilvusStore(uri, create=False)
    report = CheckReport(root=uri, generation=milvus.prefix)
    data = milvus.load_data(vectors=False)
    counts = {what: milvus.count(what) for what in ("documents", "chunks", "findings", "sentences")}
    report.counts = counts
    where = f"{uri} ({milvus.prefix}_*)"
    remedy = f"请重新导出或导入：python -m index export-milvus --index DIR --milvus-uri {uri}"
    if counts["documents"] != len(data.documents):
        report.damages.append(Damage(Path(f"{milvus.prefix}_documents"),
                                     f"{where} 通报数不符（{counts['documents']} 行，读出 {len(data.documents)} 篇）",
                                     remedy))
    with_chunks = {c.doc_id for c in data.chunks}
    missing = sorted(set(data.documents) - with_chunks)
    orphans = sorted(with_chunks - set(data.documents))
    if missing:
        report.damages.append(Damage(Path(f"{milvus.prefix}_chunks"),
                                     f"{where} {len(missing)} 篇通报没有段落（如 {missing[0]!r}）", remedy))
    if orphans:
        report.damages.append(Damage(Path(f"{milvus.prefix}_chunks"),
                                     f"{where} {len(orphans)} 个通报编号只有段落没有通报（如 {orphans[0]!r}）", remedy))
    return report
