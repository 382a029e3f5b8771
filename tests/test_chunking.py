"""Chunking is pure: small literal documents, a word-count stand-in for the token counter
(tiktoken itself is checked once, at the end)."""

from __future__ import annotations

import itertools

import pytest

from assistant.chunking import (
    ChunkingConfig,
    chunk_document,
    pysbd_splitter,
    split_sentences,
    tiktoken_counter,
)
from assistant.types import SourceDoc

SPLIT = pysbd_splitter()


def words(text: str) -> int:
    return len(text.split())


def doc(text: str, **kw: object) -> SourceDoc:
    return SourceDoc(
        id="d.txt", path="/x/d.txt", title="T", date="2024-01-01", text=text, sha256="abc", **kw
    )  # type: ignore[arg-type]


TEXT = (
    "Heading One\n\n"
    "The first sentence has six words. The second one is here too. "
    "Dr. Smith paid $3.5 million on May 7, 2024. A fourth sentence ends it.\n\n"
    "Heading Two\n\n"
    "Another paragraph starts. It has two sentences."
)


def test_sentences_are_exact_spans_and_respect_paragraphs() -> None:
    sentences = split_sentences(TEXT, SPLIT)
    assert all(TEXT[s.start : s.end] == s.text for s in sentences)
    assert [s.text for s in sentences][:2] == ["Heading One", "The first sentence has six words."]
    assert "Dr. Smith paid $3.5 million on May 7, 2024." in [s.text for s in sentences]
    assert all("\n\n" not in s.text for s in sentences)


def test_chunks_end_on_sentence_boundaries_and_fit_the_budget() -> None:
    config = ChunkingConfig(chunk_tokens=14, overlap_tokens=0)
    chunks = chunk_document(doc(TEXT), config, words, SPLIT)
    ends = {s.end for s in split_sentences(TEXT, SPLIT)}
    assert len(chunks) > 2
    for c in chunks:
        assert c.text == TEXT[c.start : c.end]
        assert c.end in ends
        assert words(c.text) <= 14 or len(c.sentences) == 1
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_overlap_repeats_trailing_sentences() -> None:
    config = ChunkingConfig(chunk_tokens=16, overlap_tokens=8)
    chunks = chunk_document(doc(TEXT), config, words, SPLIT)
    for a, b in itertools.pairwise(chunks):
        assert b.start > a.start  # spans are ordered
        assert b.end > a.end  # every chunk brings something new
    assert any(b.start < a.end for a, b in itertools.pairwise(chunks))


def test_a_sentence_longer_than_the_budget_is_cut_at_white_space() -> None:
    long = " ".join(f"w{i}" for i in range(50)) + " end."
    text = f"Short one. {long} Short two."
    chunks = chunk_document(doc(text), ChunkingConfig(10, 0), words, SPLIT)
    assert all(words(c.text) <= 10 for c in chunks)
    pieces = [s.text for c in chunks for s in c.sentences]
    assert " ".join(pieces) == text  # every word kept, in order, none cut inside


def test_sections_and_pages_are_carried() -> None:
    d = doc(
        TEXT,
        sections=((0, "Heading One"), (TEXT.index("Heading Two"), "Heading Two")),
        pages=((1, 0, TEXT.index("Heading Two")), (2, TEXT.index("Heading Two"), len(TEXT))),
    )
    chunks = chunk_document(d, ChunkingConfig(14, 0), words, SPLIT)
    assert chunks[0].section == "Heading One" and chunks[0].page == 1
    last = chunks[-1]
    assert last.section == "Heading Two" and last.page == 2


def test_a_heading_starts_a_new_chunk() -> None:
    d = doc(TEXT, sections=((0, "Heading One"), (TEXT.index("Heading Two"), "Heading Two")))
    chunks = chunk_document(d, ChunkingConfig(500, 100), words, SPLIT)
    assert [c.section for c in chunks] == ["Heading One", "Heading Two"]
    assert chunks[1].text.startswith("Heading Two")


def test_ids_are_stable_and_change_with_content() -> None:
    config = ChunkingConfig(14, 0)
    a = chunk_document(doc(TEXT), config, words, SPLIT)
    b = chunk_document(doc(TEXT), config, words, SPLIT)
    changed = chunk_document(
        SourceDoc("d.txt", "/x", "T", "", TEXT, sha256="other"), config, words, SPLIT
    )
    assert [c.id for c in a] == [c.id for c in b]
    assert not {c.id for c in a} & {c.id for c in changed}


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, 12), (10, -1)])
def test_bad_configuration_fails_early(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        ChunkingConfig(size, overlap)


def test_tiktoken_counts_offline() -> None:
    count = tiktoken_counter()
    assert count("How many people used the CBP One app?") == 10
