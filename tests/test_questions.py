"""Reading questions: parts, follow-ups, names, what kind of answer is wanted."""

from __future__ import annotations

from assistant.answer.checks import states_type
from assistant.answer.support import PassageTerms, unmentioned
from assistant.query import questions
from assistant.query.plan import MONEY, NUMBER, PERSON, YESNO, answer_type, asks_for_post
from assistant.text.aliases import Aliases
from assistant.text.names import names_a_person, question_names
from assistant.text.numbers import amounts, quantities
from assistant.types import Turn

GENERAL = Aliases.general()

HISTORY = [Turn("user", "What did Canada commit to?"), Turn("assistant", "Canada ...")]


def test_multi_part_questions_are_split() -> None:
    assert questions.split_parts("Who hosted the meeting and when was it held?") == [
        "Who hosted the meeting",
        "when was it held",
    ]
    assert questions.split_parts("What did Costa Rica and Canada announce?") == [
        "What did Costa Rica and Canada announce"
    ]


def test_follow_ups_carry_the_earlier_subject() -> None:
    query = questions.condense("And how much money over what period?", HISTORY)
    assert "Canada" in query
    assert questions.condense("Who led the US delegation?", HISTORY) == (
        "Who led the US delegation?"
    )
    assert questions.condense("And how much?", []) == "And how much?"


def test_a_question_carries_context_only_when_it_depends_on_it() -> None:
    """Unrelated questions after related ones stand alone, however short; a follow-up is one
    that says so: a connective, a fragment, a pronoun or demonstrative with nothing in the
    question it could stand for, "there" as a place, a general noun ("the money")."""
    funding = [
        Turn("user", "How much funding does the joint technical secretariat receive each year?"),
        Turn("assistant", "..."),
    ]
    standalone = [
        "migration",
        "labor mobility",
        "What is CBP One?",
        "When is the next ministerial meeting?",
        "What are the action packages?",
        "Is there a secretariat?",
        "What does this declaration say about labor pathways?",
        "What did Canada say about its refugee plan?",
        "How do countries protect their borders?",
        "What did countries agree that they would do?",
        "Why was the Declaration adopted?",
    ]
    for question in standalone:
        assert questions.condense(question, funding) == question, question
    follow_ups = [
        "And in 2024?",
        "What about Mexico?",
        "In 2023?",
        "Why?",
        "How much in total?",
        "Who decides it?",
        "Who pays them?",
        "How was that money split?",
        "What will the money be used for?",
        "How many countries were members by then?",
        "Did anyone else contribute?",
        "How many people work there?",
    ]
    for question in follow_ups:
        query = questions.condense(question, funding)
        assert query.startswith(question) and "secretariat" in query, question


def test_sub_queries_keep_the_carried_context() -> None:
    question = "And what did it pledge and when?"
    query = questions.condense(question, HISTORY)
    parts = questions.sub_queries(question, query)
    assert len(parts) == 2 and all("Canada" in p for p in parts)


def test_kinds_of_answer() -> None:
    assert questions.wants_number("How many people used CBP One?")
    assert not questions.wants_number("Who led the delegation?")
    assert questions.wants_list("What are the three pillars?")


def test_quantities_skip_dates_and_years() -> None:
    text = "From January 2023 through March 2024, more than 547,000 used it; $578 million."
    assert quantities(text) == ["547000", "578", "million"]


def test_names_match_loosely_but_not_wrongly() -> None:
    terms = PassageTerms.of(
        ["Cuba, Haiti and Venezuela; the International Labor Organization; Canada."]
    )
    q = "What did Cubans, Venezuelans, the ILO and Canada do? What about Brazil?"
    assert unmentioned(question_names(q), q, terms, GENERAL) == ["Brazil"]
    # a capital is not its government: no metonym aliases (they served evaluation items)
    q = "What did Ottawa do?"
    assert unmentioned(question_names(q), q, terms, GENERAL) == ["Ottawa"]
    assert unmentioned([], "Where was the second meeting?", terms, GENERAL) == ["second"]
    # an ordinal used as an adverb names nothing the passages must mention
    assert unmentioned([], "Which country first proposed it?", terms, GENERAL) == []
    # adjectives of nationality whose stem is not the country's name
    peru = PassageTerms.of(["Lead: Peru; Panama hosts the office."])
    q = "Which package does the Peruvian government lead, with Panamanian help?"
    assert unmentioned(question_names(q), q, peru, GENERAL) == []


def test_a_day_of_the_month_or_a_row_number_is_not_a_count() -> None:
    assert quantities("On 23 June 2023 the 21 endorsing governments met.") == ["21"]
    assert quantities("No.: 6; Action package: Investing in asylum systems") == []


def test_sums_of_money_in_their_usual_forms() -> None:
    assert amounts("Blinken announced $578 million and C$75 million.") == ["578", "75"]
    assert amounts("more than 240 million in new assistance; 4 million dollars") == ["240", "4"]
    assert amounts("more than 21,000 people and 20 countries") == []


def test_the_kind_of_answer_a_question_asks_for() -> None:
    assert answer_type("How large is the annual budget of the secretariat?") == MONEY
    assert answer_type("How much cash did Washington put on the table?") == MONEY
    assert answer_type("How many people used CBP One?") == NUMBER
    assert answer_type("Who is the director of the foundation?") == PERSON
    assert answer_type("Which Mexican official chairs the committee?") == PERSON
    # an embedded "how many" does not make a yes/no question ask for a number
    assert answer_type("Has the parole route changed how many cross irregularly?") == YESNO


def test_a_question_about_a_post_is_answered_by_a_persons_name_only() -> None:
    q = "Who was Peru's foreign minister at the Lima meeting?"
    assert asks_for_post(q) and not asks_for_post("Who leads the action package?")
    assert not names_a_person("Foreign ministers met in Lima, Peru, after Los Angeles.", q, True)
    assert names_a_person("The Foreign Minister of Belize, Eamon Courtenay, spoke.", q, True)
    assert names_a_person("President Arévalo opened the meeting.", q, True)
    assert not names_a_person(
        "It is run by the Organization of American States and the Pan American Development "
        "Foundation.",
        "Who is the director of the foundation?",
        True,
    )
    since = "Since September 2024 it is run by the Organization of American States."
    assert not names_a_person(since, "Who is the director of the organization?", True)
    # a who question about a role-less act may be answered by a country
    assert names_a_person("Lead: Peru", "Who leads the action package?")


def test_one_question_asked_of_several_places_or_times_is_split() -> None:
    q = "What did the United States announce at the launch, at Lima and at the Guatemala meeting?"
    assert questions.split_parts(q) == [
        "What did the United States announce at the launch",
        "What did the United States announce at Lima",
        "What did the United States announce at the Guatemala meeting",
    ]
    compared = "How much did it announce at the launch in 2022 compared with the Guatemala meeting?"
    assert questions.split_parts(compared) == [
        "How much did it announce at the launch in 2022",
        "How much did it announce at the Guatemala meeting",
    ]
    assert questions.split_parts("Who spoke at the launch in Los Angeles?") == [
        "Who spoke at the launch in Los Angeles"
    ]


def test_a_place_that_opens_the_sentence_answers_which_country() -> None:
    q = "Which country takes refugee referrals through the offices?"
    assert states_type("place", "Canada has confirmed that it takes referrals.", q)
    assert states_type("place", "The United States takes referrals as well.", q)
    assert not states_type("place", "Partners have confirmed that they take referrals.", q)
    assert not states_type("place", "Canada takes referrals.", "Does Canada take referrals?")
