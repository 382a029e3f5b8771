"""Citation checking is pure: literal chunks, literal answers."""

from __future__ import annotations

from assistant.types import Chunk, Sentence
from assistant.verify.citations import find_quote, key_terms, split_answer, supports, verify

TEXT = (
    "Canada is also investing C$75 million over six years to fund projects. "
    "From January 2023 through the end of March 2024, more than 547,000 individuals used CBP One."
)


def chunk(text: str = TEXT, start: int = 100, cid: str = "c1") -> Chunk:
    sentences, pos = [], 0
    for part in text.split(". "):
        piece = part if part.endswith(".") else part + "."
        i = text.index(piece, pos)
        sentences.append(Sentence(start + i, start + i + len(piece), piece))
        pos = i + len(piece)
    return Chunk(
        cid,
        "doc.txt",
        0,
        text,
        start,
        start + len(text),
        "Title",
        "2024-05-08",
        "Section",
        None,
        tuple(sentences),
    )


def test_split_answer_keeps_markers_with_their_sentence() -> None:
    parts = split_answer("First claim here. [1] Second claim [2, 3]. Third.")
    assert parts == ["First claim here. [1]", "Second claim [2, 3].", "Third."]


def test_split_answer_does_not_cut_at_initials_or_abbreviations() -> None:
    parts = split_answer(
        "Secretary of State Antony J. Blinken met Dr. Smith in the U.S. Capitol. [1] "
        "The No. 5 item passed. [2]"
    )
    assert parts == [
        "Secretary of State Antony J. Blinken met Dr. Smith in the U.S. Capitol. [1]",
        "The No. 5 item passed. [2]",
    ]


def test_key_terms_are_numbers_and_names() -> None:
    assert key_terms("Canada invests C$75 million over six years.") >= {"75", "canada"} - {"canada"}
    assert "547000" in key_terms("More than 547,000 people used it.")
    assert "canada" in key_terms("So Canada invests.")


def test_supports_requires_every_number_and_name() -> None:
    quote = chunk().sentences[0].text
    assert supports(quote, "Canada invests C$75 million over six years.")
    assert not supports(quote, "Canada invests C$80 million.")
    assert not supports(quote, "So Mexico invests C$75 million.")
    assert not supports(quote, "Mexico is investing C$75 million over six years.")
    assert supports(quote, "Already, Canada is investing C$75 million.")


def test_find_quote_returns_the_exact_sentence_and_span() -> None:
    c = chunk()
    quote = find_quote("More than 547,000 individuals used CBP One. [1]", c)
    assert quote is not None
    assert quote.text == c.sentences[1].text
    assert c.text[quote.start - c.start : quote.end - c.start] == quote.text


def test_verify_keeps_supported_markers_and_renumbers() -> None:
    passages = [chunk(cid="a"), chunk(cid="b")]
    answer = "More than 547,000 individuals used CBP One. [2]"
    checked = verify(answer, passages)
    assert checked.text == "More than 547,000 individuals used CBP One. [1]"
    assert [(c.n, c.chunk_id) for c in checked.citations] == [(1, "b")]
    assert checked.citations[0].quote in passages[1].text
    assert not checked.flagged


def test_verify_drops_markers_out_of_range_and_unsupported_sentences() -> None:
    answer = (
        "Canada is investing C$75 million over six years. [7] "
        "Canada is investing C$99 million. [1] "
        "More than 547,000 individuals used CBP One. [1]"
    )
    checked = verify(answer, [chunk()])
    assert checked.flagged
    assert checked.text == "More than 547,000 individuals used CBP One. [1]"
    assert len(checked.unsupported) == 2
    assert len(checked.citations) == 1


def test_a_sentence_without_markers_is_not_shown() -> None:
    checked = verify("An uncited claim about Canada.", [chunk()])
    assert checked.text == "" and checked.unsupported and not checked.citations


def test_a_claim_about_the_document_record_cites_the_record_not_a_quote() -> None:
    c = chunk()
    out = verify("“Title” is dated 8 May 2024 (2024-05-08). [1]", [c])
    assert out.text == "“Title” is dated 8 May 2024 (2024-05-08). [1]"
    (cited,) = out.citations
    assert cited.section == "document record"
    assert cited.quote == "Title — 8 May 2024"
    assert cited.start == cited.end == c.start


def test_a_wrong_date_or_a_claim_about_the_text_is_not_verified_by_the_record() -> None:
    c = chunk()
    assert verify("“Title” is dated 9 May 2024. [1]", [c]).citations == ()
    long_claim = "As of 8 May 2024: Canada is also investing C$75 million over six years. [1]"
    out = verify(long_claim, [c])
    assert [x.section for x in out.citations] == ["Section"]  # quoted from the text
