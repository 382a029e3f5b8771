"""Why an answer was refused, in words: one line for each name a refusal can carry in
Answer.refusal_reason (assistant/answer/checks.py and the chain name them). The chat, the brief
and the evaluation view all say it the same way; a name not listed here is left unsaid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.types import RemovedSentence

REFUSAL_REASONS: Mapping[str, str] = {
    "no_passage": "no passage of the documents states anything on this",
    "low_support": "nothing in the documents is close enough to the question",
    "name_not_in_passages": "the documents never mention something the question names",
    "key_terms_uncovered": "the closest passage is about something else than what was asked",
    "answer_type_missing": (
        "the documents talk about this but never give what was asked (a number, a date, "
        "a person or a place)"
    ),
    "not_answered": "the closest passages are about the question but none of them answers it",
    "no_verified_citation": "no sentence of the answer could be checked against a passage",
    "model_not_found": "the language model found no answer in the passages",
    # names of the checks before the answerability redesign, as older reports carry them
    "name_not_in_answer": "the answering sentence does not name what the question asks about",
    "no_number": "the question asks how many and the answering sentence gives no new number",
    "no_rate": "the question asks for a rate and the answering sentence states none",
    "unspecific": "the only answer found says “some” where a name is asked for",
}


def removed_summary(removed: Sequence[RemovedSentence]) -> str:
    """One line on the draft sentences the citation check did not show ("" when none): how
    many, and why ("1 sentence removed: not supported by its sources"); each sentence's own
    reason is in Answer.removed."""
    if not removed:
        return ""
    count = f"{len(removed)} sentence{'s' if len(removed) > 1 else ''} removed"
    reasons = {_short(r.reason) for r in removed}
    return f"{count}: {reasons.pop() if len(reasons) == 1 else 'not checked out by their sources'}"


def _short(reason: str) -> str:
    """The reason's head: "not supported by its sources: “X” not in ..." -> its first part."""
    return reason.split(":", 1)[0] or "not supported by its sources"
