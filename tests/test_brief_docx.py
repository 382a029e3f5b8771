"""The brief as .docx: opened again with python-docx, it holds each question, the answer with
its markers, the refusal in words, and numbered sources with their verbatim quotes."""

from __future__ import annotations

import io

from docx import Document

from assistant.brief_docx import build_brief_docx
from assistant.types import Answer, Citation

QUOTE = "More than 547,000 individuals used CBP One."
ANSWER = Answer(
    question="How many people used CBP One?",
    query="How many people used CBP One?",
    text=f"{QUOTE} [1]",
    citations=(
        Citation(
            1, "abc:5", "fact-sheet.txt", "Fact Sheet", "2024-05-08", "Results", None, QUOTE, 3, 46
        ),
    ),
    hits=(),
    refused=False,
)
REFUSED = Answer("Capital?", "Capital?", "", (), (), True, refusal_reason="")


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    doc = Document(io.BytesIO(data))
    return [(p.style.name if p.style else "", p.text) for p in doc.paragraphs]


def test_questions_answers_and_numbered_sources_with_quotes() -> None:
    data = build_brief_docx(
        [("How many people used CBP One?", ANSWER), ("Capital?", REFUSED)],
        prepared="2026-12-04 10:00 UTC",
    )
    assert data[:2] == b"PK"  # a zip: what Word opens
    got = paragraphs(data)
    texts = [t for _, t in got]
    assert got[0] == ("Title", "Brief: questions on the Los Angeles Declaration documents")
    assert texts[1].startswith("Prepared 2026-12-04 10:00 UTC.")
    assert ("Heading 1", "1. How many people used CBP One?") in got
    assert f"{QUOTE} [1]" in texts
    assert ("Heading 2", "Sources") in got
    assert "[1] Fact Sheet, 8 May 2024, section “Results”" in texts
    assert ("Quote", f"“{QUOTE}”") in got
    assert ("Heading 1", "2. Capital?") in got
    assert "Not found in the documents." in texts
    assert texts.count("Sources") == 1  # the refusal has none


def test_text_from_documents_goes_in_as_text_even_with_control_characters() -> None:
    odd = Answer("q", "q", "A <b>bold</b> claim\x00\x0b [1]", ANSWER.citations, (), False)
    texts = [t for _, t in paragraphs(build_brief_docx([("Why\x07 <i>?", odd)]))]
    assert "1. Why <i>?" in texts and "A <b>bold</b> claim [1]" in texts


def test_an_empty_conversation_says_so() -> None:
    assert "No questions were asked." in [t for _, t in paragraphs(build_brief_docx([]))]
