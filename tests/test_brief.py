"""The brief: a conversation as a Markdown memo, from literal Answers."""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt

from assistant.brief import (
    REFUSAL_REASONS,
    answer_text,
    build_brief,
    language_hint,
    missing_names,
    refusal_sentence,
    refused_sentence,
    source_location,
)
from assistant.types import Answer, Chunk, Citation, Hit

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
    reason: str = "",
) -> Answer:
    return Answer(
        question=question,
        query=question if query is None else query,
        text=text,
        citations=citations,
        hits=(),
        refused=refused,
        notice=notice,
        refusal_reason=reason,
    )


CBP = answer(f"{QUOTE_1} [1] {QUOTE_2} [2]", (cite(1, QUOTE_1), cite(2, QUOTE_2, page=3)))
REFUSED = answer(
    "I could not find this in the documents.",
    question="Capital of Mongolia?",
    refused=True,
    reason="name_not_in_passages",
)


def test_each_answer_is_followed_by_its_numbered_sources() -> None:
    brief = build_brief([("How many people used CBP One?", CBP)])
    assert brief.startswith("# Brief")
    assert "## 1. How many people used CBP One?" in brief
    body = brief.split("## 1.")[1]
    assert body.index(f"{QUOTE_1} [1] {QUOTE_2} [2]") < body.index("**Sources**")
    assert f"1. *{TITLE}*, 8 May 2024, section “Legal pathways”" in brief
    assert f"2. *{TITLE}*, 8 May 2024, section “Legal pathways”, p. 3" in brief
    assert f"   > {QUOTE_1}" in brief and f"   > {QUOTE_2}" in brief
    assert f"(document `{DOC}`)" in brief
    assert body.index("1. *") < body.index("2. *")


def test_questions_are_numbered_in_order() -> None:
    brief = build_brief([("First?", CBP), ("Capital of Mongolia?", REFUSED)])
    assert brief.index("## 1. First?") < brief.index("## 2. Capital of Mongolia?")


def test_a_refusal_says_not_found_once_with_its_reason_and_lists_no_sources() -> None:
    brief = build_brief([("Capital of Mongolia?", REFUSED)])
    # the name the documents never mention is named, in the brief as on the page
    assert "**Not found in the documents: the documents never mention “Mongolia”.**" in brief
    assert brief.count("find") + brief.count("Not found") == 1  # one sentence, not two
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
    assert source_location(cite(1, "q", section="", page=None)) == "8 May 2024"
    bare = Citation(1, "c", DOC, TITLE, "", "", 7, "q", 0, 1)
    assert source_location(bare) == "p. 7"


# --- what came from documents cannot turn into markup -------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src="http://evil.example/x.png" onerror="alert(2)">'
LINK = "[click here](javascript:alert(3))"
MD_IMAGE = "![tracker](http://evil.example/t.png)"
AUTOLINK = "<javascript:alert(4)>"
DEFINITION = "[1]: javascript:alert(5)"
HOSTILE = f"{SCRIPT} {IMAGE} {LINK} {MD_IMAGE} {AUTOLINK}"


def rendered(markdown: str) -> str:
    """The brief as a Markdown viewer shows it (CommonMark with GFM tables and strikethrough
    and linkified bare URLs)."""
    return (
        MarkdownIt("commonmark", {"linkify": False})
        .enable(["table", "strikethrough"])
        .render(markdown)
    )


def hostile_answer() -> Answer:
    quote = f"Quoted {HOSTILE}\n{DEFINITION}\n# not a heading\n    not code"
    c = Citation(1, "c:1", f"doc`{IMAGE}", f"{MD_IMAGE} title", "2024", f"{LINK}", 2, quote, 0, 9)
    return answer(
        f"Answer {HOSTILE} [1]\n{DEFINITION}\n[1](javascript:alert(6))\n- not a list",
        (c,),
        question=f"{SCRIPT} {LINK}?",
        query=f"{IMAGE} searched",
        notice=f"{MD_IMAGE} note",
    )


def test_html_links_and_images_from_documents_are_shown_as_text_in_the_brief() -> None:
    brief = build_brief([(f"{SCRIPT} {LINK}?", hostile_answer())], prepared=LINK)
    html = rendered(brief)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "javascript:" not in " ".join(re.findall(r'(?:href|src)="[^"]*"', html))
    # no heading, list or code block came out of the answer or the quote
    answer_part = html.split("</h2>", 1)[1].split("<strong>Sources</strong>")[0]
    assert not re.search(r"<(?:h\d|ul|ol|li|pre)\b", answer_part)
    quote_part = html.split("<blockquote>", 1)[1].split("</blockquote>")[0]
    assert not re.search(r"<(?:h\d|ul|ol|li|pre)\b", quote_part)
    # ... and every piece is still there to read, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click here](javascript:alert(3))" in html
    assert "![tracker](http://evil.example/t.png)" in html
    assert "[1]: javascript:alert(5)" in html
    assert "# not a heading" in html


def test_the_answer_keeps_its_markers_but_no_marker_becomes_a_link() -> None:
    brief = build_brief([("Q?", hostile_answer())])
    assert "[1]\n" in brief  # the marker itself is plain
    assert "\\[1\\](javascript" in brief and "\\[1\\]: javascript" in brief
    assert "<a " not in rendered(brief)


def test_a_document_id_with_backticks_stays_inside_its_code_span() -> None:
    brief = build_brief([("Q?", hostile_answer())])
    line = next(x for x in brief.splitlines() if "(document " in x)
    assert line == f"   (document ``doc`{IMAGE}``)"
    assert "<img" not in rendered(brief)


# --- plain text for the clipboard --------------------------------------------------------------


def test_an_answer_copies_as_plain_text_with_its_numbered_sources() -> None:
    text = answer_text(CBP)
    assert text.startswith(f"{QUOTE_1} [1] {QUOTE_2} [2]\n\nSources:\n")
    assert f"[1] {TITLE}, 8 May 2024, section “Legal pathways”\n    “{QUOTE_1}”" in text
    assert f"[2] {TITLE}, 8 May 2024, section “Legal pathways”, p. 3\n    “{QUOTE_2}”" in text
    assert "<" not in text and "**" not in text and "#" not in text


def test_a_refusal_copies_as_one_sentence_with_its_reason() -> None:
    assert answer_text(REFUSED) == (
        "Not found in the documents: the documents never mention “Mongolia”."
    )
    # without a name to point at, the reason as it is
    unnamed = answer(
        "", question="what is the capital?", refused=True, reason=REFUSED.refusal_reason
    )
    assert answer_text(unnamed) == refusal_sentence("name_not_in_passages")


def test_a_name_found_in_the_passages_is_not_said_to_be_missing() -> None:
    hit = Hit(Chunk("c:1", DOC, 1, "Brazil pledged support.", 0, 23, TITLE), 0.1, 1)
    refused = replace(REFUSED, question="What did Brazil and Mongolia pledge?", hits=(hit,))
    assert missing_names(refused) == ["Mongolia"]
    assert refused_sentence(refused).endswith("never mention “Mongolia”.")


def test_a_question_in_another_language_gets_a_hint() -> None:
    for question in (
        "¿Cuántas personas usaron CBP One?",
        "Combien de personnes ont utilisé CBP One ?",
        "Quantas pessoas usaram o CBP One?",
        "Wie viele Menschen haben CBP One genutzt?",
    ):
        assert language_hint(question).startswith("Questions are read in English"), question
    for question in (
        "How many people used CBP One?",
        "What did El Salvador and Costa Rica announce?",
        "What is the Los Angeles Declaration?",
    ):
        assert language_hint(question) == "", question


def test_an_unknown_refusal_reason_is_left_out_not_shown_as_a_code_name() -> None:
    assert refusal_sentence("some_new_check") == "Not found in the documents."
    assert refusal_sentence("") == "Not found in the documents."
    assert refusal_sentence("low_support") == (
        f"Not found in the documents: {REFUSAL_REASONS['low_support']}."
    )
