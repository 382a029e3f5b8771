"""A conversation as a Markdown brief an official can forward: pure, no I/O.

Each question is followed by the answer exactly as it was shown (with its [n] markers) and then
its numbered sources: title, date, section or page, and the verbatim quote the answer rests on.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.types import Answer, Citation

Exchange = tuple[str, Answer]  # (the question as typed, the answer shown)

NOT_FOUND = "Not found in the documents."


def build_brief(
    exchanges: Sequence[Exchange],
    *,
    title: str = "Brief: questions on the Los Angeles Declaration documents",
    prepared: str = "",
) -> str:
    """The Markdown memo for a conversation; `prepared` is a date or time line to print."""
    lines = [f"# {_line(title)}", ""]
    intro = (
        "Each answer below was drawn from the indexed documents; every numbered source quotes "
        "verbatim the sentence the answer rests on."
    )
    if prepared:
        intro = f"Prepared {_line(prepared)}. {intro}"
    lines += [intro, ""]
    if not exchanges:
        lines += ["_No questions were asked._", ""]
    for number, (question, answer) in enumerate(exchanges, 1):
        lines += _exchange(number, question, answer)
    return "\n".join(lines).rstrip() + "\n"


def _exchange(number: int, question: str, answer: Answer) -> list[str]:
    lines = [f"## {number}. {_line(question)}", ""]
    if answer.refused:
        lines += [f"**{NOT_FOUND}** {_line(answer.text)}", ""]
    else:
        lines += [answer.text.strip(), ""]
    notes = []
    if answer.query.strip() and answer.query.strip() != question.strip():
        notes.append(f"_Searched for: {_line(answer.query)}_")
    if answer.notice:
        notes.append(f"_Note: {_line(answer.notice)}_")
    if notes:
        lines += ["  \n".join(notes), ""]
    if answer.citations:
        lines += ["**Sources**", ""]
        for citation in answer.citations:
            lines += _source(citation)
    return lines


def _source(c: Citation) -> list[str]:
    where = source_location(c)
    head = f"{c.n}. *{_line(c.title) or c.doc_id}*" + (f", {where}" if where else "")
    quote = "\n".join(f"   > {line}" if line.strip() else "   >" for line in c.quote.splitlines())
    return [head, f"   (document `{c.doc_id}`)", "", quote or '   > ""', ""]


def source_location(c: Citation) -> str:
    """'2024-05-08, section Strengthening..., p. 3': the parts that are known."""
    parts = [
        c.date,
        f"section “{c.section}”" if c.section else "",
        f"p. {c.page}" if c.page else "",
    ]
    return ", ".join(_line(p) for p in parts if p)


def _line(text: str) -> str:
    """One line: newlines and runs of spaces collapsed (headings and notes must not break)."""
    return " ".join(str(text).split())
