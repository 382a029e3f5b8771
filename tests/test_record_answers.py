"""Questions about a document itself are read as such, and only those."""

from __future__ import annotations

import pytest

from assistant.query.record import DATE, TITLE, record_field


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("When was this fact sheet published?", DATE),
        ("What date does the fact sheet carry?", DATE),
        ("On what date was the readout released?", DATE),
        ("What is the date of the document?", DATE),
        ("What is the title of the document about the Lima meeting?", TITLE),
        ("What is the fact sheet called?", TITLE),
        ("When was the joint technical secretariat designated?", ""),
        ("On what date was the Los Angeles Declaration adopted?", ""),
        ("When was the declaration issued?", ""),
        ("Who issued the Los Angeles Declaration?", ""),
    ],
)
def test_record_field(question: str, field: str) -> None:
    assert record_field(question) == field
