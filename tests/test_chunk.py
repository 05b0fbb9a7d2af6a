"""Chunking invariants over every real notice and the seed, plus the seed's section paths."""

from __future__ import annotations

import itertools
import json
import re
from functools import cache

import pytest
from shared_data import NOTICES, SEED

from index.records import Chunk
from index.text.repair import repair_text
from ingest.chunk import CEILING, MIN_CHARS, chunk_document, pack_spans, sentence_spans
from ingest.structure import Structure, parse_structure

# a piece longer than the limit must be one sentence: no sentence end inside it
_INNER_SENTENCE_END = re.compile(r"[。!?;\n](?!$)")


@cache
def corpus() -> dict[str, str]:
    with NOTICES.open(encoding="utf-8") as fh:
        texts = {row["id"]: repair_text(row["text"]) for row in map(json.loads, fh)}
    return {"seed": repair_text(SEED.read_text(encoding="utf-8")), **texts}


@cache
def parsed(doc_id: str) -> Structure:
    return parse_structure(corpus()[doc_id], doc_id)


@cache
def chunks_of(doc_id: str, max_chars: int = 300) -> list[Chunk]:
    return chunk_document(corpus()[doc_id], parsed(doc_id), doc_id, max_chars)


@pytest.mark.parametrize("max_chars", [300, 120])
def test_chunk_invariants_on_all_documents(max_chars: int) -> None:
    assert len(corpus()) == 230
    for doc_id, text in corpus().items():
        structure = parsed(doc_id)
        chunks = chunks_of(doc_id, max_chars)
        assert chunks, doc_id
        assert [c.chunk_id for c in chunks] == list(range(len(chunks)))
        covered = bytearray(len(text))
        for c in chunks:
            assert c.doc_id == doc_id
            assert text[c.start : c.end] == c.text, (doc_id, c.chunk_id)
            assert c.text and c.text.strip() == c.text, (doc_id, c.chunk_id)
            assert len(c.text) <= max_chars * CEILING, (doc_id, c.chunk_id, len(c.text))
            if len(c.text) > max_chars:
                assert not _INNER_SENTENCE_END.search(c.text.rstrip('。!?;”’"」』)】')), (doc_id, c.text)
            covered[c.start : c.end] = b"\x01" * (c.end - c.start)
            _check_boundaries(doc_id, c, structure)
        lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
        assert not lost, (doc_id, text[lost[0] : lost[0] + 20])
        _check_short_pieces_merged(doc_id, chunks, max_chars)


def _check_boundaries(doc_id: str, c: Chunk, structure: Structure) -> None:
    """The chunk lies inside or outside each finding and never straddles a section start."""
    inside = [f for f in structure.findings if f.start <= c.start and c.end <= f.end]
    for f in structure.findings:
        assert c.end <= f.start or c.start >= f.end or f in inside, (doc_id, c.chunk_id, f.label)
    assert c.finding == (inside[0].label if inside else ""), (doc_id, c.chunk_id)
    for s in structure.sections:
        assert not c.start < s.start < c.end, (doc_id, c.chunk_id, s.label)


def _check_short_pieces_merged(doc_id: str, chunks: list[Chunk], max_chars: int) -> None:
    """A short chunk follows one of the same place only when the two would not fit together."""
    for prev, c in itertools.pairwise(chunks):
        same_place = (prev.section, prev.finding) == (c.section, c.finding)
        if same_place and len(c.text) < MIN_CHARS:
            assert c.end - prev.start > max_chars, (doc_id, c.chunk_id, c.text)


def test_seed_chunks_carry_heading_path_and_finding() -> None:
    chunks = chunks_of("seed")
    by_finding: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_finding.setdefault(c.finding, []).append(c)
    assert [k for k in by_finding if k] == [f"问题{n}" for n in range(1, 27)]
    first = by_finding["问题2"][0]
    assert first.text.startswith("问题2.发挥意识形态工作牵头部门职能不充分。")  # heading in the first chunk
    assert first.section == " > ".join(
        [
            "二、严肃严格抓整改,以钉钉子精神促进问题解决",
            "(一)学习贯彻落实习近平新时代中国特色社会主义思想和党的十…",
            "问题2",
        ]
    )
    assert len(by_finding["问题2"]) > 1  # 1,100 characters
    assert all(c.section == first.section for c in by_finding["问题2"])


def test_seed_sections_opening_and_closing() -> None:
    chunks = chunks_of("seed")
    org = next(c for c in chunks if c.text.startswith("(二)强化组织领导"))
    assert org.section == "一、坚定坚决讲政治,认真组织落实巡察整改工作 > (二)强化组织领导,精心安排部署"
    assert org.finding == ""
    opening = chunks[0]
    assert opening.section == "" and "根据市委统一部署" in opening.text
    closing = chunks[-1]
    assert closing.section == "" and closing.finding == "" and closing.text.startswith("欢迎广大干部群众")


def test_long_sentences_split_at_commas() -> None:
    # the longest real sentence, packed at a limit far below its length
    text, start, end = max(
        ((text, s, e) for text in corpus().values() for s, e in sentence_spans(text, 0, len(text))),
        key=lambda t: t[2] - t[1],
    )
    assert end - start > 200
    pieces = pack_spans(text, start, end, 60)
    assert len(pieces) >= (end - start) // 72
    assert text[pieces[0][0] : pieces[-1][1]] == text[start:end]
    for s, e in pieces:
        assert e - s <= 72
    for s, e in pieces[:-1]:
        assert text[e - 1] in ",;、" or text[e].isspace(), text[s:e]
