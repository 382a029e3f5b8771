"""Chunking is pure: small literal documents, a word-count stand-in for the token counter
(tiktoken itself is checked once, at the end)."""

from __future__ import annotations

import itertools

import pytest

from assistant.ingest.chunking import (
    ChunkingConfig,
    chunk_document,
    pysbd_splitter,
    split_sentences,
    split_units,
    tiktoken_counter,
)
from assistant.types import Block, Sentence, SourceDoc
from assistant.units import decode_units, encode_units, is_answer_unit, unit_display

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


# ---------------------------------------------------------------------------------------------
# sentence splitting: no cut at abbreviations, initials, parentheses or list markers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Secretary of State Antony J. Blinken met Dr. Smith. He left.",
            ["Secretary of State Antony J. Blinken met Dr. Smith.", "He left."],
        ),
        (
            "The U.S. delegation chose No. 5, e.g. the second one. Done.",
            ["The U.S. delegation chose No. 5, e.g. the second one.", "Done."],
        ),
        (
            "Costs were approx. 5 million vs. 3 million. "
            "Vol. 3, cf. Annex B. Table 2, says so. Ok.",
            [
                "Costs were approx. 5 million vs. 3 million.",
                "Vol. 3, cf. Annex B. Table 2, says so.",
                "Ok.",
            ],
        ),
        (
            "The plan (approved in Jan. 2024. Then signed) grew. Next.",
            ["The plan (approved in Jan. 2024. Then signed) grew.", "Next."],
        ),
        (
            "See section (a) and (b). Then (c) the rest followed. Ok.",
            ["See section (a) and (b).", "Then (c) the rest followed.", "Ok."],
        ),
        (
            "Steps:\n1.\nRegister online.\n2.\nWait for a call.",
            ["Steps:", "1.\nRegister online.", "2.\nWait for a call."],
        ),
        (
            "Colombia, through its Department of Social Inclusion, and the Pan American "
            "Development Foundation (PADF),\nwill support returnees. Another.",
            [
                "Colombia, through its Department of Social Inclusion, and the Pan American "
                "Development Foundation (PADF),\nwill support returnees.",
                "Another.",
            ],
        ),
        (
            "The report was approved by the\nGovernment of Guatemala in May. Next one.",
            ["The report was approved by the\nGovernment of Guatemala in May.", "Next one."],
        ),
        (
            "Labour pathways\nThe countries agreed. Fine.",
            ["Labour pathways", "The countries agreed.", "Fine."],
        ),
    ],
    ids=[
        "initials-title",
        "abbreviations",
        "short-forms",
        "parentheses",
        "enumeration-in-text",
        "bare-list-markers",
        "wrapped-line",
        "line-ending-on-a-joining-word",
        "heading-line",
    ],
)
def test_sentence_splitting_keeps_sentences_whole(text: str, expected: list[str]) -> None:
    sentences = split_sentences(text, SPLIT)
    assert [s.text for s in sentences] == expected
    assert all(text[s.start : s.end] == s.text for s in sentences)


# ---------------------------------------------------------------------------------------------
# answer units


def unit(text: str, kind: str = "sentence", context: str = "") -> Sentence:
    return Sentence(0, len(text), text, kind, context)


@pytest.mark.parametrize(
    ("u", "answers"),
    [
        (unit("The offices opened in 2023."), True),
        (unit("Action packages", "heading"), False),
        (unit("Pillar | Action package | Lead", "table_header"), False),
        (unit("Lead: Peru; Participating countries: not yet published", "table_row"), True),
        (unit("What are Safe Mobility Offices?", "faq_question"), False),
        (unit("Q: What are Safe Mobility Offices?"), False),
        (unit("Table 1: Action packages by lead", "caption"), False),
        (unit("Pillar 1", "label"), False),
        (unit("They singled out the following lines of work on statelessness:"), False),
        (unit("through its Department of Social Inclusion, and the PADF,"), False),
        (unit("through its Department of Social Inclusion and the PADF."), False),
        (unit("The program is run by the"), False),
        (unit("date 2024-05-08"), True),  # a label's value, not a fragment
        (unit("birth registration for children born abroad", "list_item", "Work on:"), True),
        (unit("They opened in 2023.", "faq_answer", "What are they?"), True),
    ],
)
def test_which_units_may_answer(u: Sentence, answers: bool) -> None:
    assert is_answer_unit(u) is answers


def test_unit_display_puts_the_context_first() -> None:
    assert unit_display(unit("Plain sentence.")) == "Plain sentence."
    assert unit_display(unit("They opened.", "faq_answer", "When?")) == "Q: When? A: They opened."
    assert unit_display(unit("birth registration", "list_item", "Work on:")) == (
        "Work on: birth registration"
    )
    assert unit_display(unit("Lead: Peru", "table_row", "Action packages")) == (
        "Action packages — Lead: Peru"
    )


def test_units_survive_the_store_encoding() -> None:
    text = "Intro. Lead: Peru\nQ: Why?"
    units = (
        Sentence(0, 6, "Intro."),
        Sentence(7, 17, "Lead: Peru", "table_row", "Action packages — Pillar 1"),
        Sentence(21, 25, "Why?", "faq_question"),
    )
    assert decode_units(encode_units(units), text, 0) == units
    assert decode_units("[[0, 6]]", text, 0) == (Sentence(0, 6, "Intro."),)  # older indexes


def test_a_heading_is_its_own_unit_and_units_keep_their_block() -> None:
    text = "Pillars\n\nThey agreed on:\n\n• first item. It has two sentences.\n• second item"
    d = doc(
        text,
        sections=((0, "Pillars"),),
        blocks=(
            Block(0, 7, "heading"),
            Block(text.index("first"), text.index("\n• second"), "list_item", "They agreed on:"),
            Block(text.index("second"), len(text), "list_item", "They agreed on:"),
        ),
    )
    units = split_units(d, SPLIT)
    assert [(u.kind, u.text, u.context) for u in units] == [
        ("heading", "Pillars", ""),
        ("sentence", "They agreed on:", ""),
        ("list_item", "first item.", "They agreed on:"),
        ("list_item", "It has two sentences.", "They agreed on:"),
        ("list_item", "second item", "They agreed on:"),
    ]
    assert all(text[u.start : u.end] == u.text for u in units)


# ---------------------------------------------------------------------------------------------
# every chunk within the token limit, whatever the text


@pytest.mark.parametrize(
    "text",
    [
        " ".join(f"word{i}" for i in range(20_000)),  # no sentence break at all
        "x" * 120_000,  # not even white space
        "Heading\n\n" + "ab, " * 30_000 + "end.",  # one sentence of 120,000 characters
        "中文没有空格的句子" * 5_000,  # no white space, several tokens per character
    ],
    ids=["no-sentence-break", "no-white-space", "one-huge-sentence", "cjk"],
)
def test_no_chunk_is_over_the_token_limit(text: str) -> None:
    count = tiktoken_counter()
    config = ChunkingConfig(chunk_tokens=160, overlap_tokens=40)
    chunks = chunk_document(doc(text), config, count, SPLIT)
    assert chunks and all(count(c.text) <= 160 for c in chunks)
    pieces = [s for c in chunks for s in c.sentences]
    assert all(text[s.start : s.end] == s.text for s in pieces)
    spans = sorted({(s.start, s.end) for s in pieces})
    gaps = zip([0] + [e for _, e in spans], [s for s, _ in spans] + [len(text)], strict=True)
    assert all(not text[a:b].strip() for a, b in gaps)  # every character is in some piece
