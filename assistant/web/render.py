"""Pure renderers of the page's HTML and Markdown: answers with linked [n] markers, refusals,
source cards with the quote highlighted in its passage, the status line; and the escaping
every one of them uses. Every piece of text that comes from documents, answers or users is
html-escaped where it is inserted."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.brief import source_location
from assistant.redact import redact_urls
from assistant.types import Answer, Citation, Hit

Exchange = tuple[str, Answer]  # (question as typed, answer shown)
Message = dict[str, str]

TITLE = "Declaration assistant"
NOT_FOUND = "Not found in the documents"
_MARKERS = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md(value: object) -> str:
    """A value inside Markdown: escaped as HTML, and Markdown punctuation neutralised."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(str(value).split()))


def question_html(question: str) -> str:
    return f'<div class="question">{_multiline(question)}</div>'


def streaming_html(text: str) -> str:
    """The draft while it streams: escaped, markers not linked yet (not verified yet)."""
    return f'<div class="answer streaming">{_multiline(text) or "…"}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """One chat message: the answer with each [n] linked to its source card (#src-turn-n), or
    a refusal with the closest passages; then the searched query and the notice, if any."""
    if answer.refused:
        parts = [
            '<div class="refusal">',
            f'<div class="refusal-head">{NOT_FOUND}</div>',
            f"<div>{_multiline(answer.text)}</div>",
        ]
        if answer.hits:
            parts.append('<div class="closest-label">Closest passages:</div><ol class="closest">')
            parts += [
                f"<li><b>{esc(h.chunk.title or h.chunk.doc_id)}</b>{_hit_where(h)}: "
                f"{esc(_clip(h.chunk.text, 220))}</li>"
                for h in answer.hits[:3]
            ]
            parts.append("</ol>")
        parts.append("</div>")
    else:
        parts = [f'<div class="answer">{_link_markers(answer, turn)}</div>']
    if answer.query.strip() and answer.query.strip() != answer.question.strip():
        parts.append(f'<div class="searched">Searched for: <q>{esc(answer.query)}</q></div>')
    if answer.notice:
        parts.append(f'<div class="notice">Note: {esc(answer.notice)}</div>')
    return "".join(parts)


def chat_messages(exchanges: Sequence[Exchange]) -> list[Message]:
    """The chatbot's value: a user and an assistant message per exchange (indices 2t, 2t+1)."""
    messages: list[Message] = []
    for turn, (question, answer) in enumerate(exchanges, 1):
        messages.append({"role": "user", "content": question_html(question)})
        messages.append({"role": "assistant", "content": answer_html(answer, turn)})
    return messages


def sources_html(exchanges: Sequence[Exchange]) -> str:
    """Source cards of every answer, newest first; each card's id is src-<turn>-<n>."""
    if not exchanges:
        return (
            '<div class="sources-empty">The sources of each answer appear here: title, date, '
            "section and the quoted sentence, highlighted in its passage.</div>"
        )
    groups = []
    for turn in range(len(exchanges), 0, -1):
        question, answer = exchanges[turn - 1]
        head = f'<div class="src-group-head">Q{turn}. {esc(_clip(question, 140))}</div>'
        if answer.refused:
            body = f'<div class="src-none">{NOT_FOUND}: no source is cited.</div>'
        else:
            body = "".join(source_card(c, answer.hits, turn) for c in answer.citations)
        groups.append(f'<section class="src-group" id="turn-{turn}">{head}{body}</section>')
    return "".join(groups)


def source_card(citation: Citation, hits: Sequence[Hit], turn: int) -> str:
    c = citation
    where = source_location(c)
    meta = f'<div class="src-meta">{esc(where)}</div>' if where else ""
    return (
        f'<div class="src-card" id="src-{turn}-{c.n}">'
        f'<div class="src-title"><span class="src-n">[{c.n}]</span> {esc(c.title or c.doc_id)}'
        f"</div>{meta}"
        f'<div class="src-passage">{passage_html(c, hits)}</div>'
        f'<div class="src-doc">{esc(c.doc_id)}</div></div>'
    )


def passage_html(citation: Citation, hits: Sequence[Hit]) -> str:
    """The cited chunk's text, escaped, with the quote inside <mark>. The quote's span is
    relative to the document; the chunk's start converts it to the chunk's text."""
    chunk = next((h.chunk for h in hits if h.chunk.id == citation.chunk_id), None)
    quote = citation.quote
    if chunk is None:
        return f"<mark>{esc(quote)}</mark>"
    text = chunk.text
    start, end = citation.start - chunk.start, citation.end - chunk.start
    if not (0 <= start < end <= len(text)) or text[start:end] != quote:
        start = text.find(quote)
        end = start + len(quote)
    if start < 0 or not quote:
        return f"{esc(text)}<br><mark>{esc(quote)}</mark>"
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def without_secrets(answer: Answer) -> Answer:
    """The answer as the page and the API show it: its notice (which can name the LLM's
    base URL) with URLs redacted."""
    notice = redact_urls(answer.notice)
    return answer if notice == answer.notice else replace(answer, notice=notice)


def status_markdown(answerer: str, model: str, documents: int, chunks: int) -> str:
    docs = f"{documents} document{'s' * (documents != 1)}"
    return (
        f"**Answerer:** {md(answerer)} · **Embedding model:** {md(model)} · "
        f"**Index:** {docs}, {chunks:,} chunks"
    )


def _link_markers(answer: Answer, turn: int) -> str:
    known = {c.n for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        links = [
            f'<a class="cite" href="#src-{turn}-{n}" title="Source {n}">{n}</a>'
            if n in known
            else str(n)
            for n in numbers
        ]
        return f'<span class="cites">[{", ".join(links)}]</span>'

    return _MARKERS.sub(link, _multiline(answer.text))


def _multiline(text: str) -> str:
    # One HTML block, no blank lines: Markdown leaves the escaped text alone.
    return "<br>".join(esc(line) for line in str(text).strip().splitlines())


def _hit_where(hit: Hit) -> str:
    c = hit.chunk
    parts = [p for p in (c.date, c.section, f"p. {c.page}" if c.page else "") if p]
    return f" ({esc(', '.join(parts))})" if parts else ""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
