"""A table row read as one sentence of an answer (assistant/answer/rows.py), from literal rows
in the shape the loaders write them: the first cell is the subject, the other cells follow
as phrases made of their headers, the caption names the table, and every value is kept
verbatim so the row itself still supports the sentence as its citation's quote."""

from __future__ import annotations

import pytest

from assistant.rows import caption_phrase, row_sentence
from assistant.types import Chunk, Sentence
from assistant.verify.citations import find_quote, split_answer, supports


@pytest.mark.parametrize(
    ("row", "caption", "sentence"),
    [
        (
            "Country: United States; Pledge: New humanitarian and development assistance; "
            "Figure: $314 million",
            "",
            "For United States, the pledge is New humanitarian and development assistance "
            "and the figure is $314 million.",
        ),
        (  # a running number is no subject; values with commas are listed with semicolons
            "No.: 5; Action package: Labor mobility; Lead: Mexico; "
            "Other participants: Haiti, United States",
            "Table 1. Action packages agreed at the Lima meeting",
            "In “Action packages agreed at the Lima meeting”, for Labor mobility (No. 5), "
            "the lead is Mexico; and the other participants are Haiti, United States.",
        ),
        (  # a header ending in a preposition leads in; counts read as counts
            "As of: 30 September 2024; Applications: 214,900; Referred to USRAP: 38,700",
            "Table 2: Offices: cumulative figures",
            "In “Offices: cumulative figures”, as of 30 September 2024, the number of "
            "applications is 214,900 and 38,700 referred to USRAP.",
        ),
        (  # a date as the subject; a participle header and a lead-in header keep their value
            "Opened: June 2023; Host: Costa Rica; Presence required by: 12 June 2023",
            "",
            "In June 2023, the host is Costa Rica and presence required by 12 June 2023.",
        ),
        (  # a cell whose value held "; " is one cell again; a question-like header
            "Date: 6 October 2022; What was agreed: Leads named; three committees; Note: x",
            "",
            "On 6 October 2022, what was agreed is Leads named; three committees; and the "
            "note is x.",
        ),
    ],
)
def test_a_row_reads_as_one_sentence(row: str, caption: str, sentence: str) -> None:
    said = row_sentence(row, caption)
    assert said == sentence
    assert len(split_answer(said)) == 1  # one claim: the citation check reads it whole
    assert supports(row, said, caption)  # every number and name is in the row or caption


def test_rows_without_headers_or_with_one_cell_are_given_as_they_are() -> None:
    assert row_sentence("Chile | Peru | 2023", "Table 3. Pairs") == (
        "In “Pairs”: Chile | Peru | 2023."
    )
    assert row_sentence("Lead: Peru") == "Lead: Peru."
    assert caption_phrase("Figure 2: Arrivals — South America") == "Arrivals — South America"


def test_the_citation_of_a_row_sentence_quotes_the_row_not_its_caption() -> None:
    caption = "Table 1. Ministerial meetings, 2022 to 2024"
    row = "Meeting: Third ministerial meeting; Date: 7 May 2024; Place: Guatemala City"
    text = f"{caption}\n\n{row}"
    units = (
        Sentence(0, len(caption), caption, "caption"),
        Sentence(len(caption) + 2, len(text), row, "table_row", caption),
    )
    chunk = Chunk("c:0", "d.pdf", 0, text, 0, len(text), sentences=units)
    said = row_sentence(row, caption)
    assert "2022" in said  # from the caption, not the row ...
    quote = find_quote(f"{said} [1]", chunk)
    assert quote is not None and quote.text == row  # ... yet the row is what is quoted
    # a claim naming what neither the row nor its caption says is still not supported
    assert find_quote("The third ministerial meeting was in Lima, Peru [1]", chunk) is None


def test_a_row_sentence_quotes_its_own_row_not_a_run_of_two_rows() -> None:
    """A run of two rows shares more small words with the sentence than its row alone; the
    sentence is still recognised as its own row's, so the card quotes that row only."""
    rows = [
        "Country: United States; Pledge: Refugees resettled, FY2023 to FY2024; Figure: 20,000",
        "Country: United States; Pledge: New humanitarian and development assistance; "
        "Figure: $314 million",
    ]
    text = "\n".join(rows)
    second = len(rows[0]) + 1
    units = (
        Sentence(0, len(rows[0]), rows[0], "table_row"),
        Sentence(second, len(text), rows[1], "table_row"),
    )
    chunk = Chunk("c:0", "d.md", 0, text, 0, len(text), date="2022-06-10", sentences=units)
    for row in rows:
        quote = find_quote(f"As of 10 June 2022: {row_sentence(row)} [1]", chunk)
        assert quote is not None and quote.text == row
