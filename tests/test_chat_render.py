"""The chat's renderers and its scope, from literal inputs (and, marked slow, the scope of the
shipped corpus with the real assistant): one card per passage, refusals said once, the viewer at
the quote, the copy text, and the first screen built from the documents."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from replay_server import ReplayServer

from assistant.brief import REFUSAL_REASONS
from assistant.documents import DocumentFile, DocumentView
from assistant.service import Assistant
from assistant.text.dates import human_date
from assistant.types import Answer, Chunk, Citation, DocRecord, Hit, RemovedSentence, Sentence
from assistant.web.chat import ChatHandlers
from assistant.web.examples import FORMS, example_candidates, pick_varied
from assistant.web.openai_compat import reply_text
from assistant.web.render import (
    about_markdown,
    answer_html,
    chat_messages,
    close_hits,
    display_text,
    document_html,
    download_href,
    esc,
    refusal_hint,
    scope_html,
    scope_sentence,
    sources_html,
    status_markdown,
)
from assistant.web.scope import (
    Scope,
    ScopeCache,
    build_scope,
    candidate_topics,
    document_order,
    names_in,
)

DOC = "reports/2024-05-08 fact sheet.txt"
TITLE = "Fact Sheet <b>Third</b> Ministerial"
PASSAGE = (
    "date 2024-05-08\n\nThe United States will expand CBP One. More than 547,000 people used "
    "CBP One. Over 21,000 were approved."
)
CHUNK = Chunk("c:1", DOC, 0, PASSAGE, 100, 100 + len(PASSAGE), TITLE, "2024-05-08", "Pathways")
Q1 = "More than 547,000 people used CBP One."
Q2 = "Over 21,000 were approved."


def cite(n: int, quote: str, chunk: Chunk = CHUNK) -> Citation:
    start = chunk.start + chunk.text.index(quote)
    return Citation(
        n,
        chunk.id,
        chunk.doc_id,
        chunk.title,
        chunk.date,
        chunk.section,
        None,
        quote,
        start,
        start + len(quote),
    )


def answer(
    text: str, citations: tuple[Citation, ...], hits: tuple[Hit, ...], **kw: object
) -> Answer:
    return Answer("Q?", "Q?", text, citations, hits, refused=False, **kw)  # type: ignore[arg-type]


HITS = (Hit(CHUNK, 0.03, 1, dense_score=0.6, lexical_score=2.0),)
TWO = answer(f"{Q1} [1] {Q2} [2]", (cite(1, Q1), cite(2, Q2)), HITS)


def refused(reason: str, hits: tuple[Hit, ...] = ()) -> Answer:
    return Answer(
        "Capital of Mongolia?",
        "Capital of Mongolia?",
        "I could not find this in the documents.",
        (),
        hits,
        True,
        refusal_reason=reason,
    )


def record(doc_id: str, title: str, day: str) -> DocRecord:
    return DocRecord(doc_id, title, day, "sha", 3, "2026-01-01T00:00:00")


SCOPE = Scope(
    (record("b.txt", "Second report", "2024-05-08"), record("a.txt", "First report", "2023-01-03")),
    ("How many people used CBP One?",),
    ("CBP One", "Safe Mobility Offices"),
)


# --- sources -------------------------------------------------------------------------------------


def test_two_numbers_quoting_one_passage_make_one_card_with_both_quotes_highlighted() -> None:
    out = sources_html([("Q?", TWO)])
    assert out.count('class="src-card"') == 1
    assert 'id="src-1-1"' in out and 'id="src-1-2"' in out  # [2] still has an anchor
    assert '<span class="src-n">[1, 2]</span>' in out
    assert f'<mark data-n="1">{Q1}</mark>' in out and f'<mark data-n="2">{Q2}</mark>' in out
    assert "&lt;b&gt;Third&lt;/b&gt;" in out and "<b>" not in out


def test_a_leading_metadata_line_is_not_shown_in_passages() -> None:
    out = sources_html([("Q?", TWO)])
    assert "date 2024-05-08" not in out
    assert "The United States will expand CBP One." in out
    assert display_text(PASSAGE).startswith("The United States")
    assert display_text("Dated text starts here.") == "Dated text starts here."


def test_sources_run_in_the_chat_order_and_a_refusal_cites_nothing() -> None:
    out = sources_html([("first?", TWO), ("second?", refused("low_support"))])
    assert out.index('id="turn-1"') < out.index('id="turn-2"')
    assert 'class="src-group latest" id="turn-2"' in out
    assert re.search(r'id="turn-2"[^>]*>.*src-none', out)


def test_a_card_opens_its_document_by_id_and_downloads_it_by_id() -> None:
    out = sources_html([("Q?", TWO)])
    start = CHUNK.start + PASSAGE.index(Q1)
    assert f'data-doc="{DOC}" data-start="{start}" data-end="{start + len(Q1)}"' in out
    href = "/api/v1/documents/reports%2F2024-05-08%20fact%20sheet.txt/file"
    assert download_href(DOC) == href and f'href="{href}"' in out
    assert "Show in document" in out and "Download original" in out


# --- messages ------------------------------------------------------------------------------------


def test_an_answer_links_its_markers_and_carries_its_plain_copy_text() -> None:
    out = answer_html(TWO, turn=2)
    assert '<a class="cite" href="#src-2-1">1</a>' in out
    assert '<button type="button" class="copy-answer">' in out
    copy = re.search(r'<div class="copy-text" hidden>(.*?)</div>', out)
    assert copy
    text = html.unescape(copy.group(1))
    assert text.startswith(f"{Q1} [1] {Q2} [2]\n\nSources:\n[1] Fact Sheet <b>Third</b>")
    assert f"    “{Q2}”" in text
    assert "<b>" not in copy.group(1)  # escaped in the page, plain once read
    assert "\n" not in out  # one HTML block: Markdown leaves it alone
    assert 'href="#turn-2">Show the source</a>' in out  # one passage: one card


def test_a_removed_sentence_is_said_under_the_answer_and_viewable_with_its_reason() -> None:
    """Issue 26: what the streamed preview showed and the check removed does not vanish
    silently: a short note under the answer, the sentence and its reason behind it; the
    OpenAI-compatible reply says it too (the sentences are in its `answer` field)."""
    gone = RemovedSentence("Pay the agent <b>in cash</b>.", "not supported by its sources")
    out = answer_html(replace(TWO, removed=(gone,)), turn=1)
    note = re.search(r'<details class="removed"><summary>(.*?)</summary>(.*?)</details>', out)
    assert note and note.group(1) == "1 sentence removed: not supported by its sources"
    assert "<q>Pay the agent &lt;b&gt;in cash&lt;/b&gt;.</q> — not supported" in note.group(2)
    assert "removed" not in answer_html(TWO, turn=1)
    content = reply_text(replace(TWO, removed=(gone, gone)))
    assert "_Note: 2 sentences removed: not supported by its sources._" in content
    assert "in cash" not in content


def test_a_refusal_says_it_once_with_its_reason_and_close_passages() -> None:
    out = answer_html(refused("name_not_in_answer", HITS), turn=1)
    out = re.sub(r'<div class="copy-text" hidden>.*?</div>', "", out)  # what the page shows
    assert out.count("Not found in the documents") == 1
    assert "could not find" not in out  # the chain's refusal text is not repeated
    assert REFUSAL_REASONS["name_not_in_answer"] in out
    assert "closest passages" in out and "<li>" in out
    assert "date 2024-05-08" not in out
    assert out.count("Fact Sheet") == 1  # the title once, not per passage
    assert "sources-cue" not in out


def test_a_refusals_close_passages_open_in_their_document_with_whole_titles() -> None:
    long_title = "A report on labour pathways with a title far longer than sixty characters in all"
    other = Chunk("d:1", "other.txt", 0, "CBP One was used by many people.", 5, 37, long_title)
    hits = (*HITS, Hit(other, 0.02, 3, dense_score=0.7, lexical_score=2.0))
    out = answer_html(refused("name_not_in_answer", hits), turn=1)
    links = re.findall(r'<a class="closest-open" href="([^"]+)">Show in document</a>', out)
    assert len(links) == len(close_hits(hits)) >= 2
    assert "#open-doc?doc=reports%2F2024-05-08%20fact%20sheet.txt&start=100&end=" in links[0]
    assert "#open-doc?doc=other.txt&start=5&end=37" in links
    assert esc(long_title) in out  # whole, not cut mid-word


def test_a_question_in_another_language_is_refused_with_a_hint() -> None:
    spanish = replace(refused("low_support", ()), question="¿Cuántas personas usaron CBP One?")
    assert "Questions are read in English" in answer_html(spanish, turn=1)
    assert "Questions are read in English" not in answer_html(refused("low_support", ()), 1)


def test_far_passages_are_left_out_and_the_hint_says_what_the_documents_cover() -> None:
    far = (Hit(CHUNK, 0.016, 1, dense_score=0.1, lexical_score=None),)
    hint = refusal_hint(SCOPE)
    out = answer_html(refused("some_renamed_check", far), turn=1, hint=hint)
    assert "closest" not in out and "<li>" not in out
    assert "<strong>Not found in the documents</strong>.</p>" in out  # unknown reason: no why
    assert "The documents cover: Second report; First report." in out
    assert "You could ask about CBP One or Safe Mobility Offices." in out
    messages = chat_messages([("Capital of Mongolia?", refused("low_support", far))], hint)
    assert "The documents cover" in messages[1]["content"]


def test_the_pending_answer_says_at_once_that_it_is_searching() -> None:
    from assistant.web.render import streaming_html

    assert "Searching the documents" in streaming_html("")
    assert "Partial &lt;answer" in streaming_html("Partial <answer")


# --- viewer --------------------------------------------------------------------------------------


def view(text: str, pages: tuple[tuple[int, int, int], ...] = ()) -> DocumentView:
    file = DocumentFile(DOC, Path("/nowhere") / "x.pdf", "x.pdf", "application/pdf")
    return DocumentView(DOC, TITLE, "2024-05-08", text, pages, (), file)


def test_the_viewer_shows_the_whole_document_with_the_quote_marked() -> None:
    text = "date 2024-05-08\nIntro <script>.\n\n" + "Filler. " * 50 + Q1 + " The end."
    start = text.index(Q1)
    out = document_html(view(text), start, start + len(Q1))
    assert f'<mark id="viewer-quote">{Q1}</mark>' in out
    assert "Intro &lt;script&gt;." in out and "<script>" not in out
    assert "date 2024-05-08" not in out and "The end." in out
    assert "8 May 2024" in out and download_href(DOC) in out
    assert "Fact Sheet &lt;b&gt;Third&lt;/b&gt;" in out


def test_a_pdf_viewer_marks_its_pages_and_names_the_quoted_one() -> None:
    text = "Page one text. " + Q1 + " Page two text."
    cut = text.index(Q1) - 1
    pages = ((1, 0, cut), (2, cut, len(text)))
    start = text.index(Q1)
    out = document_html(view(text, pages), start, start + len(Q1))
    assert '<span class="page-no" id="page-1">Page 1</span>' in out
    assert '<span class="page-no" id="page-2">Page 2</span>' in out
    assert "page 2 quoted" in out
    assert out.index('id="page-2"') < out.index('id="viewer-quote"')


def test_a_span_outside_the_document_is_said_and_nothing_is_marked() -> None:
    out = document_html(view("Short text."), 5, 500)
    assert "viewer-quote" not in out and "could not be located" in out


def test_a_very_long_document_is_shown_around_the_quote() -> None:
    text = "x " * 400_000 + Q1 + " y" * 100
    start = text.index(Q1)
    out = document_html(view(text), start, start + len(Q1))
    assert 'id="viewer-quote"' in out and "download the original for the whole" in out
    assert len(out) < 500_000


def test_the_viewer_handler_reads_by_id_only(tmp_path: Path) -> None:
    class NoDocuments:
        def document(self, doc_id: str) -> DocumentView:
            from assistant.documents import DocumentNotFoundError

            raise DocumentNotFoundError(f"no document with id {doc_id!r} is indexed")

    handlers = ChatHandlers(NoDocuments(), None, None, None, None)  # type: ignore[arg-type]
    assert "not in the index" in handlers.show_document("../../etc/passwd", 0, 5)
    assert "No document was named" in handlers.show_document(["list"], 0, 5)
    assert "No document was named" in handlers.show_document("", "a", None)


# --- scope ---------------------------------------------------------------------------------------


def test_names_are_counted_once_per_sentence_without_sentence_openers_or_months() -> None:
    names = names_in(
        [
            "The Labor Department launched a project in May with Costa Rica.",
            "Costa Rica and the Labor Department met.",
            "Already, over 21,000 people used CBP One through USAID and the UN.",
        ]
    )
    assert names.counts["Costa Rica"] == 2 and names.counts["Labor Department"] == 2
    assert names.phrase("Labor Department") == "the Labor Department"
    assert names.phrase("Costa Rica") == "Costa Rica"
    assert "Already" not in names.counts and "May" not in names.counts
    assert "USAID" in names.counts and "UN" not in names.counts  # two letters: too ambiguous


def chunk_of(doc_id: str, sentences: list[str]) -> Chunk:
    text = " ".join(sentences)
    spans, at = [], 0
    for s in sentences:
        spans.append(Sentence(at, at + len(s), s))
        at += len(s) + 1
    return Chunk(f"{doc_id}:0", doc_id, 0, text, 0, len(text), sentences=tuple(spans))


def test_topics_alternate_between_documents_and_skip_title_words_first() -> None:
    a = chunk_of(
        "a",
        [
            "We met Safe Mobility Offices staff in Guatemala City.",
            "Then Safe Mobility Offices grew in Guatemala City.",
            "It reached Quito.",
        ],
    )
    b = chunk_of("b", ["The Pilot Fund paid.", "Later the Pilot Fund closed in Ecuador."])
    topics = candidate_topics([a, b], ["Guatemala City report"], limit=5)
    # one per document in turn; a name made only of a title's words comes after the others
    assert topics == [
        "Safe Mobility Offices",
        "the Pilot Fund",
        "Quito",
        "Ecuador",
        "Guatemala City",
    ]


def test_documents_are_listed_newest_first_and_the_scope_is_in_plain_words() -> None:
    undated = record("c.txt", "Undated note", "")
    ordered = document_order([SCOPE.documents[1], undated, SCOPE.documents[0]])
    assert [d.doc_id for d in ordered] == ["b.txt", "a.txt", "c.txt"]
    scope = Scope(ordered, SCOPE.examples, SCOPE.topics)
    assert scope_sentence(scope) == (
        "Answers come only from 3 documents, dated 3 January 2023 to 8 May 2024 (1 undated), "
        "each quoted and cited."
    )
    assert "No documents are indexed yet" in scope_sentence(Scope((), (), ()))
    out = scope_html(scope)
    assert out.index("Second report") < out.index("First report") < out.index("Undated note")
    assert '<button type="button" class="example">How many people used CBP One?' in out
    assert "Embedding" not in out and "chunk" not in out  # no jargon on the first screen
    many = Scope(tuple(record(f"{i}.txt", f"Doc {i}", "2024-01-01") for i in range(8)), (), ())
    assert "… and 3 more: see the Documents tab." in scope_html(many)


def test_long_dates_and_the_technical_status_line() -> None:
    assert human_date("2024-05-08") == "8 May 2024" and human_date("2024-05") == "2024-05"
    assert human_date("2024-13-01") == "2024-13-01"  # impossible: shown as written, no error
    status = status_markdown("offline composer", "all-MiniLM-L6-v2", 1, 14)
    assert "Embedding model" in status and "1 document, 14 passages" in status
    assert "no language model" in status  # words a reader knows, not the component's name
    for jargon in ("chunk", "composer", "k ="):
        assert jargon not in status and jargon not in about_markdown("offline composer", True, 5)


ROW = "table_row"


def test_example_questions_of_several_forms_are_written_from_the_units_shapes() -> None:
    """From literal units: a count that opens a sentence, a name doing something, a date
    that opens one, a table row with a date and one with countries, a glossary term, a FAQ
    question; every form once before any twice."""
    sentences = [
        Sentence(0, 1, "Since 2023, more than 5,000 nurses joined the Harbour Scheme."),
        Sentence(2, 3, "Minister Ana Lopez opened the new office in the port."),
        Sentence(4, 5, "On 3 March 2025, the council met again."),
        Sentence(6, 7, "Meeting: Second harbour meeting; Date: 4 May 2025; Host: Belize", ROW),
        Sentence(8, 9, "Action package: Port safety; Lead: Chile and Peru", ROW),
        Sentence(10, 11, "A person who works at sea.", "definition", "Seafarer"),
        Sentence(12, 13, "Who pays for the scheme?", "faq_question"),
        Sentence(14, 15, "In 2024, 300 people were moved by bus, rather than by car."),
        Sentence(16, 17, "Officials helped people in Chile, Peru, and Panama."),
    ]
    chunk = Chunk("d:0", "d.md", 0, "x" * 20, 0, 20, sentences=tuple(sentences))
    found = example_candidates([chunk], ["the Harbour Scheme"])
    assert [(e.form, e.question) for e in found] == [
        ("how many", "How many nurses joined the Harbour Scheme?"),
        ("how many", "How many people were moved by bus?"),
        ("who", "Who opened the new office in the port?"),
        ("when", "When was the second harbour meeting?"),
        ("which", "Which country is the host for the second harbour meeting?"),
        ("which", "Which countries are the lead for the action package “Port safety”?"),
        ("what happened", "What happened on 3 March 2025?"),
        ("what is", "What is the Harbour Scheme?"),
        ("meaning", "What does “seafarer” mean?"),
        ("faq", "Who pays for the scheme?"),
    ]
    varied = pick_varied(found, 4)
    assert len({e.form for e in varied}) == 4 and [e.form for e in varied] == list(FORMS[:4])


@pytest.mark.slow
def test_the_shipped_corpus_gets_varied_example_questions_it_answers(shipped: Assistant) -> None:
    scope = build_scope(shipped)
    assert len(scope.examples) == 4
    openings = {" ".join(q.split()[:2]) for q in scope.examples}
    assert len(openings) >= 3, scope.examples  # varied forms, not one template
    assert not any(q.startswith("What do the documents say") for q in scope.examples)
    for question in scope.examples:
        answer = shipped.ask(question)
        assert not answer.refused and answer.citations, question  # answered, with a citation
    text = " ".join(c.text for c in shipped.store.iter_chunks())
    for topic in scope.topics:
        assert topic.removeprefix("the ") in text  # drawn from the documents, not made up
    assert scope.date_range == ("2024-05-08", "2024-05-08")


HARBOUR = """# Harbour meetings

| Meeting | Date | Host |
|---|---|---|
| First harbour meeting | 4 March 2025 | Belize |
| Second harbour meeting | 9 June 2025 | Panama |
"""


@pytest.mark.slow
def test_the_examples_follow_the_documents_added_and_removed(
    make_assistant: Callable[..., Assistant], tmp_path: Path
) -> None:
    """Cached per index version: asked again without a change, nothing is rebuilt; a document
    added brings examples written from it, and removing it brings the first ones back."""
    assistant = make_assistant()
    assistant.sync()
    cache = ScopeCache(assistant)
    before = cache.get()
    assert cache.get() is before  # the same version: not rebuilt
    doc = tmp_path / "harbour-meetings.md"
    doc.write_text(HARBOUR, encoding="utf-8")
    report, errors = assistant.add_files([doc])
    assert not errors and report.added
    added = cache.get()
    assert added is not before and added.examples != before.examples
    new = [q for q in added.examples if "harbour meeting" in q]
    assert new, added.examples  # "When was the first harbour meeting?" and the like
    for question in new:
        answer = assistant.ask(question)
        assert not answer.refused and answer.citations[0].doc_id == "harbour-meetings.md"
    assert assistant.remove("harbour-meetings.md")
    assert cache.get().examples == before.examples


@pytest.mark.slow
def test_the_examples_are_vetted_without_calling_a_language_model(
    make_assistant: Callable[..., Assistant],
) -> None:
    with ReplayServer() as llm:
        assistant = make_assistant(llm_base_url=llm.base_url, llm_model="replay-model")
        assistant.sync()
        scope = build_scope(assistant)
        assert scope.examples  # vetted by the offline composer ...
        assert llm.requests == []  # ... and nothing was sent to the model
