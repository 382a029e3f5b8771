"""Answers on the realistic corpus (evals/realistic): one synced assistant for the module,
answers per category, dated conflicts, cross-document parts, no heading or table header ever
offered as an answer, and the realistic gate: the dev split (the whole set since the old test
split, selected on, was merged into it) does not fall below its committed baseline by more than
the tolerance the public gate uses. The held-out set is never a gate here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.evaluation.metrics import load_items, score_run, select_split
from assistant.evaluation.report import compare_metrics, report_to_dict
from assistant.evaluation.run import run_eval
from assistant.index.embedding import Embedder
from assistant.service import Assistant, build_assistant
from assistant.text.dates import human_date

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SET = REPO / "evals" / "realistic"
TOLERANCE = 0.02  # as tests/test_eval_run.py


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    tmp = tmp_path_factory.mktemp("realistic")
    shutil.copytree(SET / "corpus", tmp / "corpus")
    settings = Settings(
        corpus_dir=tmp / "corpus",
        index_dir=tmp / "index",
        data_dir=tmp / "data",
        chroma_host=None,
        llm_base_url=None,
    )
    assistant = build_assistant(settings, embedder=embedder)
    assert not assistant.sync().failed
    return assistant


@pytest.fixture(scope="module")
def reports(realistic: Assistant) -> dict[str, dict[str, Any]]:
    items = load_items(SET / "questions.jsonl")
    return {
        split: report_to_dict(score_run(run_eval(realistic, select_split(items, split), 5)))
        for split in ("dev",)
    }


@pytest.mark.parametrize("split", ["dev"])
def test_no_metric_fell_below_the_realistic_baseline(
    reports: dict[str, dict[str, Any]], split: str
) -> None:
    path = SET / "reports" / f"baseline-{split}" / "report.json"
    baseline = json.loads(path.read_text(encoding="utf-8"))["metrics"]
    deltas = compare_metrics(baseline, reports[split]["metrics"], TOLERANCE)
    worse = [f"{d.metric}: {d.old:.3f} -> {d.new:.3f}" for d in deltas if d.regressed]
    assert not worse, f"{split} below its baseline by more than {TOLERANCE}: {'; '.join(worse)}"


def test_no_answer_quotes_a_heading_a_table_header_a_caption_or_a_bare_question(
    reports: dict[str, dict[str, Any]], realistic: Assistant
) -> None:
    headings = {title.strip().lower() for doc in realistic.documents() for title in [doc.title]}
    for split, report in reports.items():
        for q in report["questions"]:
            for c in q["answer"]["citations"]:
                quote = c["quote"].strip()
                assert not quote.endswith("?"), (split, q["id"], quote)
                assert not quote.endswith(":"), (split, q["id"], quote)
                assert quote.lower() not in headings, (split, q["id"], quote)


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Who chaired the Washington meeting for Belize?", "Courtenay"),  # fact
        ("Which organizations run the joint technical secretariat?", "Pan American"),  # list
        ("Who leads the action package on combatting xenophobia?", "Peru"),  # table
        ("When was the joint technical secretariat designated?", "September 2024"),  # temporal
        ("How much new assistance did Secretary Blinken announce at the Lima meeting?", "240"),
        # the month and year are the document's date, not words the sentence must repeat
        ("How many endorsing governments took part in the Washington meeting in June 2023?", "21"),
    ],
)
def test_answers_by_category_carry_the_fact_with_a_citation(
    realistic: Assistant, question: str, fact: str
) -> None:
    answer = realistic.ask(question)
    assert not answer.refused, answer.refusal_reason
    assert fact in answer.text and any(fact in c.quote for c in answer.citations), answer.text


@pytest.mark.xfail(
    strict=True, reason="an action-package table row still outranks the Lima sentence"
)
def test_a_named_event_prefers_the_units_of_that_event(realistic: Assistant) -> None:
    """At the Lima meeting the figure is more than $240 million, not Guatemala's $578 million,
    though the Guatemala sentence shares more words with the question."""
    answer = realistic.ask("How much assistance did the United States announce in Lima?")
    assert "240" in answer.text.split("[")[0], answer.text


def test_a_glossary_entry_answers_with_the_term_it_defines(realistic: Assistant) -> None:
    answer = realistic.ask("What does statelessness mean?")
    assert answer.text.startswith("Statelessness: The situation of a person"), answer.text
    (cited,) = answer.citations
    # the definition, verbatim; its term is the unit's context, shown with it in the card
    assert cited.quote.startswith(("Statelessness\nThe situation", "The situation")), cited.quote
    reverse = realistic.ask("What is the term for someone whom no government accepts?")
    assert "Statelessness" in reverse.text, reverse.text


def test_short_list_items_answer_under_their_lead_in_but_group_names_do_not(
    realistic: Assistant,
) -> None:
    answer = realistic.ask("Which South American countries endorsed the declaration at its launch?")
    assert not answer.refused, answer.refusal_reason
    quotes = [c.quote for c in answer.citations]
    assert {"Argentina", "Brazil", "Chile"} <= set(quotes), quotes
    assert not {"South America", "North America", "Central America"} & set(quotes), quotes
    # an item that only repeats the question's name is no answer
    pledge = realistic.ask("What did Ecuador commit to at the launch of the declaration?")
    assert "Ecuador" not in [c.quote for c in pledge.citations], pledge.text


def test_dated_figures_from_different_documents_are_each_given_with_their_date(
    realistic: Assistant,
) -> None:
    answer = realistic.ask("How many countries have endorsed the declaration?")
    assert not answer.refused
    dated = [c for c in answer.citations if c.date]
    if len({c.date for c in dated}) > 1 and "As of" in answer.text:
        shown = [d for d in (human_date(c.date) for c in dated) if d in answer.text]
        assert shown == sorted(shown, key=lambda d: d[-4:], reverse=True)


@pytest.mark.xfail(strict=True, reason="one part's passage is not retrieved yet (issue 14 item 6)")
def test_a_multi_part_question_is_answered_part_by_part_across_documents(
    realistic: Assistant,
) -> None:
    answer = realistic.ask(
        "Who led the US delegation at the third ministerial meeting, and which country leads "
        "the action package on labor mobility?"
    )
    assert not answer.refused
    assert "Blinken" in answer.text and "Mexico" in answer.text, answer.text
    assert len({c.doc_id for c in answer.citations}) >= 2


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(
            "What is the interest rate of the loan to Cosami?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="the rule that refused it served evaluation items and was removed "
                "(issue 22); telling the figure given from the figure asked needs a reader",
            ),
        ),
        "How do I bake sourdough bread?",
        "What was the budget of the Ninth Summit of the Americas?",  # money, none stated
        "Who was Peru's foreign minister at the Lima meeting?",  # a post: no person named
    ],
)
def test_near_misses_are_refused_with_a_named_reason(realistic: Assistant, question: str) -> None:
    answer = realistic.ask(question)
    assert answer.refused and answer.refusal_reason, answer.text


def test_a_table_row_answers_for_the_column_the_question_asks_about(
    realistic: Assistant,
) -> None:
    """Ecuador leads one action package and takes part in another: the row with "Lead:
    Ecuador" answers, not the one with Ecuador among the "Other participants". The answer
    reads the row as a sentence; its citation quotes the row as the document has it."""
    answer = realistic.ask("Which action package does Ecuador lead?")
    assert not answer.refused, answer.refusal_reason
    first = answer.text.split(" [1]")[0]
    assert "the lead is Ecuador" in first and "International financing" in first, answer.text
    assert first.startswith("In “Action packages agreed at the Lima ministerial meeting")
    assert "the lead is Colombia" not in answer.text, answer.text
    assert answer.citations[0].quote.startswith("No.: 3; Action package: International")


@pytest.mark.xfail(
    strict=True,
    reason="the asked-terms floor that refused these served evaluation items and was removed "
    "(issue 22); telling the figure given from the figure asked needs a reader",
)
@pytest.mark.parametrize(
    "question",
    [
        "How many kilometres long is the border between Mexico and Guatemala?",
        "What is the population of Colombia?",
    ],
)
def test_a_figure_about_something_else_does_not_answer_how_many(
    realistic: Assistant, question: str
) -> None:
    """The passages name Mexico, Guatemala and Colombia and give figures about them, but not
    the length or the population asked for (both were answered with such a figure before the
    asked terms had to be covered)."""
    answer = realistic.ask(question)
    assert answer.refused and answer.refusal_reason, answer.text


def test_explain_shows_the_plan_the_candidates_and_the_deciding_check(
    realistic: Assistant,
) -> None:
    lines = realistic.chain.explain("How many people had been approved through the offices?")
    text = "\n".join(lines)
    assert "plan:" in text and "answer:   number" in text
    assert "candidate units" in text and "decided by:" in text


def test_a_question_about_a_document_is_answered_from_its_record(realistic: Assistant) -> None:
    answer = realistic.ask("When was the document on the Safe Mobility Offices published?")
    assert not answer.refused, answer.refusal_reason
    (cited,) = answer.citations
    assert "safe mobility offices" in cited.title.lower()
    assert cited.section == "document record" and cited.date
    assert human_date(cited.date) in answer.text
    titled = realistic.ask("What is the title of the document about Safe Mobility Offices?")
    assert not titled.refused and titled.citations[0].title in titled.text
    # The fact sheet is not retrieved for this wording (docs/evaluation.md: record answers):
    # no other document's date is given for it.
    missed = realistic.ask("When was the fact sheet on the third ministerial meeting published?")
    assert missed.refused or "Third Ministerial" in missed.text, missed.text
