"""The brief: a conversation as a Markdown memo, from literal Answers."""

from __future__ import annotations

from assistant.brief import build_brief, source_location
from assistant.types import Answer, Citation

TITLE = "Fact Sheet: Third Ministerial Meeting"
DOC = "2024-05-08-fact-sheet.txt"
QUOTE_1 = "More than 547,000 individuals used CBP One."
QUOTE_2 = "Already, over 21,000 individuals have been approved."


def cite(n: int, quote: str, section: str = "Legal pathways", page: int | None = None) -> Citation:
    return Citation(n, f"abc:{n}", DOC, TITLE, "2024-05-08", section, page, quote, 10, 50)


def answer(
    text: str,
    citations: tuple[Citation, ...] = (),
    *,
    question: str = "How many people used CBP One?",
    query: str | None = None,
    refused: bool = False,
    notice: str = "",
) -> Answer:
    return Answer(
        question=question,
        query=question if query is None else query,
        text=text,
        citations=citations,
        hits=(),
        refused=refused,
        notice=notice,
    )


CBP = answer(f"{QUOTE_1} [1] {QUOTE_2} [2]", (cite(1, QUOTE_1), cite(2, QUOTE_2, page=3)))
REFUSED = answer(
    "I could not find this in the documents.", question="Capital of Mongolia?", refused=True
)


def test_each_answer_is_followed_by_its_numbered_sources() -> None:
    brief = build_brief([("How many people used CBP One?", CBP)])
    assert brief.startswith("# Brief")
    assert "## 1. How many people used CBP One?" in brief
    body = brief.split("## 1.")[1]
    assert body.index(f"{QUOTE_1} [1] {QUOTE_2} [2]") < body.index("**Sources**")
    assert f"1. *{TITLE}*, 2024-05-08, section “Legal pathways”" in brief
    assert f"2. *{TITLE}*, 2024-05-08, section “Legal pathways”, p. 3" in brief
    assert f"   > {QUOTE_1}" in brief and f"   > {QUOTE_2}" in brief
    assert f"(document `{DOC}`)" in brief
    assert body.index("1. *") < body.index("2. *")


def test_questions_are_numbered_in_order() -> None:
    brief = build_brief([("First?", CBP), ("Capital of Mongolia?", REFUSED)])
    assert brief.index("## 1. First?") < brief.index("## 2. Capital of Mongolia?")


def test_a_refusal_says_not_found_and_lists_no_sources() -> None:
    brief = build_brief([("Capital of Mongolia?", REFUSED)])
    assert "**Not found in the documents.** I could not find this in the documents." in brief
    assert "**Sources**" not in brief


def test_the_searched_query_and_the_notice_are_kept_when_present() -> None:
    follow = answer(
        f"{QUOTE_2} [1]",
        (cite(1, QUOTE_2),),
        question="And approved?",
        query="approved Safe Mobility Offices",
        notice="The LLM failed; the offline answer is shown.",
    )
    brief = build_brief([("And approved?", follow)])
    assert "_Searched for: approved Safe Mobility Offices_" in brief
    assert "_Note: The LLM failed; the offline answer is shown._" in brief
    assert "Searched for" not in build_brief([("How many people used CBP One?", CBP)])


def test_multiline_text_cannot_break_headings_or_quotes() -> None:
    quote = "First line of the quote.\nSecond line."
    odd = answer("Two lines. [1]", (cite(1, quote),), question="What\n# injected heading?")
    brief = build_brief([("What\n# injected heading?", odd)])
    assert "## 1. What # injected heading?" in brief
    assert "\n# injected" not in brief
    assert "   > First line of the quote.\n   > Second line." in brief


def test_prepared_line_empty_conversation_and_purity() -> None:
    assert "_No questions were asked._" in build_brief([])
    brief = build_brief([("Q?", CBP)], prepared="2026-11-28 10:00 UTC")
    assert "Prepared 2026-11-28 10:00 UTC." in brief
    assert brief == build_brief([("Q?", CBP)], prepared="2026-11-28 10:00 UTC")
    assert brief.endswith("\n") and not brief.endswith("\n\n")


def test_source_location_leaves_out_what_is_unknown() -> None:
    assert source_location(cite(1, "q", section="", page=None)) == "2024-05-08"
    bare = Citation(1, "c", DOC, TITLE, "", "", 7, "q", 0, 1)
    assert source_location(bare) == "p. 7"
