"""How an answer reads outside the page: a conversation as a Markdown brief an official can
forward, one answer as plain text with its sources (what "Copy" puts on the clipboard), and a
refusal's reason in words. Pure, no I/O.

In the brief, each question is followed by the answer exactly as it was shown (with its [n]
markers) and then its numbered sources: title, date, section or page, and the verbatim quote the
answer rests on. Everything that came from documents, answers or users is Markdown-escaped: no
HTML, link, image or heading can come out of a document or a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.refusals import REFUSAL_REASONS
from assistant.text.dates import human_date
from assistant.text.names import question_names
from assistant.types import Answer, Citation

Exchange = tuple[str, Answer]  # (the question as typed, the answer shown)

NOT_FOUND = "Not found in the documents"

# Answer.refusal_reason (the named check that refused) in words; a name missing here (a check
# added or renamed later) is shown without a reason rather than as its code name.

# Inline Markdown (and HTML) syntax: backslash-escaped wherever document text is inserted.
_INLINE = re.compile(r"([\\`*_\[\]<>&|~!])")
# What makes a line a block (heading, quote, list, rule, setext underline) when it starts it.
_BLOCK_START = re.compile(r"^([#>+=-]|\d+[.)])")
_MARKER = re.compile(r"\\\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\\\](?![(\[:])")


def refusal_sentence(reason: str) -> str:
    """'Not found in the documents: <why>.' or, for an unknown reason, 'Not found in the
    documents.'"""
    why = REFUSAL_REASONS.get(reason or "", "")
    return f"{NOT_FOUND}: {why}." if why else f"{NOT_FOUND}."


def refused_sentence(answer: Answer) -> str:
    """The refusal of this answer in words; when the documents never mention a name of the
    question, the sentence names it ('... never mention “Brazil”')."""
    missing = missing_names(answer) if answer.refusal_reason == "name_not_in_passages" else []
    if not missing:
        return refusal_sentence(answer.refusal_reason)
    quoted = [f"“{n}”" for n in missing[:3]]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return f"{NOT_FOUND}: the documents never mention {listed}."


def missing_names(answer: Answer) -> list[str]:
    """The names of the question (capitalised words, numbers) that no passage found holds."""
    found = " ".join(h.chunk.in_context for h in answer.hits).lower()
    return [n for n in question_names(answer.question) if n.lower() not in found]


# The most frequent short words of languages an official may type in: a question with more of
# them than of English's is not read in English, and a refusal says so.
_FOREIGN = frozenset(
    "el la los las del de que en por para con una un es son qué cuál cuántos cuántas cuándo "
    "dónde cómo quién le les des du est une pour avec sont quel quelle quels combien quand où "
    "comment qui o os as do da dos das em para com um uma são qual quantos quantas quando onde "
    "como quem der die das und ist ein eine mit für wie wer wann wo welche viele haben hat sind "
    "von zu den dem im auf".split()
)
_ENGLISH = frozenset(
    "the of and to in is are was were what which who when where how many much did does do for "
    "with on by about a an from that this".split()
)


def language_hint(question: str) -> str:
    """One line for a question that looks written in another language than English."""
    words = re.findall(r"[^\W\d_]+", question.lower())
    foreign = sum(w in _FOREIGN and w not in _ENGLISH for w in words)
    english = sum(w in _ENGLISH for w in words)
    marked = "¿" in question or "¡" in question  # Spanish opens a question so
    if (english == 0 and marked) or (foreign >= 2 and foreign > english):
        return (
            "Questions are read in English, the language of the documents: try asking in English."
        )
    return ""


def build_brief(
    exchanges: Sequence[Exchange],
    *,
    title: str = "Brief: questions on the Los Angeles Declaration documents",
    prepared: str = "",
) -> str:
    """The Markdown memo for a conversation; `prepared` is a date or time line to print."""
    lines = [f"# {md_inline(title)}", ""]
    intro = (
        "Each answer below was drawn from the indexed documents; every numbered source quotes "
        "verbatim the sentence the answer rests on."
    )
    if prepared:
        intro = f"Prepared {md_inline(prepared)}. {intro}"
    lines += [intro, ""]
    if not exchanges:
        lines += ["_No questions were asked._", ""]
    for number, (question, answer) in enumerate(exchanges, 1):
        lines += _exchange(number, question, answer)
    return "\n".join(lines).rstrip() + "\n"


def answer_text(answer: Answer) -> str:
    """One answer as plain text, for the clipboard: the answer with its [n] markers, then each
    numbered source (title, date, section or page) with its quote. No markup of any kind."""
    if answer.refused:
        body = refused_sentence(answer)
    else:
        body = "\n".join(line.strip() for line in answer.text.strip().splitlines())
    lines = [body]
    if answer.notice:
        lines += ["", f"Note: {_line(answer.notice)}"]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            where = source_location(c)
            lines.append(f"[{c.n}] {_line(c.title) or c.doc_id}" + (f", {where}" if where else ""))
            lines.append(f"    “{_line(c.quote)}”")
    return "\n".join(lines)


def source_location(c: Citation) -> str:
    """'8 May 2024, section “Strengthening...”, p. 3': the parts that are known (plain
    text)."""
    parts = [
        human_date(c.date),
        f"section “{c.section}”" if c.section else "",
        f"p. {c.page}" if c.page else "",
    ]
    return ", ".join(_line(p) for p in parts if p)


def md_inline(text: object) -> str:
    """Text on one line of Markdown: whitespace collapsed, inline syntax and HTML escaped, and a
    leading block marker (#, >, -, 1.) escaped."""
    return _escape_line(_line(str(text)))


def md_lines(text: str) -> list[str]:
    """Text of several lines, each escaped like md_inline (indentation dropped, so no line
    becomes a code block)."""
    return [_escape_line(" ".join(line.split())) for line in text.strip().splitlines()]


def _exchange(number: int, question: str, answer: Answer) -> list[str]:
    lines = [f"## {number}. {md_inline(question)}", ""]
    if answer.refused:
        lines += [f"**{md_inline(refused_sentence(answer))}**", ""]
    else:
        # The answer's [n] markers stay plain; every other bracket is escaped.
        lines += [_MARKER.sub(r"[\1]", line) for line in md_lines(answer.text)] + [""]
    notes = []
    if answer.query.strip() and answer.query.strip() != question.strip():
        notes.append(f"_Searched for: {md_inline(answer.query)}_")
    if answer.notice:
        notes.append(f"_Note: {md_inline(answer.notice)}_")
    if notes:
        lines += ["  \n".join(notes), ""]
    if answer.citations:
        lines += ["**Sources**", ""]
        for citation in answer.citations:
            lines += _source(citation)
    return lines


def _source(c: Citation) -> list[str]:
    where = md_inline(source_location(c))
    head = f"{c.n}. *{md_inline(c.title) or md_inline(c.doc_id)}*" + (f", {where}" if where else "")
    quote = [f"   > {line}" if line else "   >" for line in md_lines(c.quote)]
    return [head, f"   (document {_code(c.doc_id)})", "", *(quote or ['   > ""']), ""]


def _escape_line(line: str) -> str:
    escaped = _INLINE.sub(r"\\\1", line)
    return _BLOCK_START.sub(lambda m: _escape_block(m.group(1)), escaped)


def _escape_block(marker: str) -> str:
    # "1." -> "1\." ; "#" -> "\#"
    return marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker


def _code(text: str) -> str:
    """A code span that no backtick inside `text` can close (nothing inside is interpreted)."""
    text = _line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _line(text: str) -> str:
    """One line: newlines and runs of spaces collapsed (headings and notes must not break)."""
    return " ".join(str(text).split())
