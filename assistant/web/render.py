"""Pure renderers of the page's HTML and Markdown: answers with linked [n] markers, refusals,
source cards with the quote highlighted in its passage, the document viewer, the scope (what the
assistant knows) and the About panel; and the escaping every one of them uses. Every piece of
text that comes from documents, answers or users is html-escaped where it is inserted.

Chat messages pass Gradio's sanitizer, which keeps classes, href, hidden and type but drops data-
and aria- attributes; the sources panel and the viewer are not sanitized (and need no more than
escaping: nothing in them is markup from outside).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from assistant.brief import (
    NOT_FOUND,
    answer_text,
    language_hint,
    refused_sentence,
    source_location,
)
from assistant.redact import redact_urls
from assistant.refusals import removed_summary
from assistant.text.dates import human_date
from assistant.types import Answer, Chunk, Citation, Hit

if TYPE_CHECKING:
    from assistant.documents import DocumentView
    from assistant.web.scope import Scope

Exchange = tuple[str, Answer]  # (question as typed, answer shown)
Message = dict[str, str]

TITLE = "Declaration assistant"
_MARKERS = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
# A metadata line some sources start with ("date 2024-05-08", "Title: ..."): not shown in
# passages (the card shows the date and title already).
_META_LINE = re.compile(
    r"\A\s*(?:date|title|author|source|published|updated|language)\b[ \t]*[:=]?[ \t]*"
    r"[^\n]{1,80}\n\s*",
    re.IGNORECASE,
)
# A refusal lists passages only when they are close: similar in meaning (cosine of the
# question's and the passage's vectors) and sharing words with the question. Below this, the
# passages found are the least unrelated ones, which help nobody.
CLOSE_COSINE = 0.4
_VIEWER_CHARS = 400_000  # a longer document is shown around the quote
_DOC_LIST = 5  # documents listed by name on the first screen
OFFLINE = "offline composer"  # the answerer's name when no language model is configured


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md(value: object) -> str:
    """A value inside Markdown: escaped as HTML, and Markdown punctuation neutralised."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(str(value).split()))


def download_href(doc_id: str) -> str:
    """The original file of an indexed document, by id (the HTTP API serves it)."""
    return f"/api/v1/documents/{url_quote(doc_id, safe='')}/file"


# --- chat messages -------------------------------------------------------------------------------


def question_html(question: str) -> str:
    return f'<div class="question">{_multiline(question)}</div>'


def streaming_html(text: str) -> str:
    """The answer while it is being found and written: a placeholder that says so at once, then
    the draft as it streams (escaped; markers not linked yet: not verified yet)."""
    if not text.strip():
        return (
            '<div class="answer streaming pending" role="status">'
            '<span class="pending-label">Searching the documents…</span>'
            '<span class="skeleton"><span></span><span></span><span></span></span></div>'
        )
    return f'<div class="answer streaming">{_multiline(text)}</div>'


def answer_html(answer: Answer, turn: int, hint: str = "") -> str:
    """One chat message: the answer with each [n] linked to its source card (#src-turn-n), or
    a refusal; the searched query and the notice, if any; the Copy button and the plain text it
    copies; on phones, a link to the answer's sources. `hint` says what the documents cover,
    for a refusal with no close passage."""
    if answer.refused:
        parts = [refusal_html(answer, hint)]
    else:
        parts = [f'<div class="answer">{_link_markers(answer, turn)}</div>']
    if answer.query.strip() and answer.query.strip() != answer.question.strip():
        parts.append(f'<div class="searched">Searched for: <q>{esc(answer.query)}</q></div>')
    if answer.notice:
        parts.append(f'<div class="notice">Note: {esc(answer.notice)}</div>')
    if answer.removed:
        parts.append(removed_html(answer))
    tools = ['<button type="button" class="copy-answer">Copy answer and sources</button>']
    cards = len(_cards(answer.citations))
    if cards:
        label = f"Show the {cards} sources" if cards > 1 else "Show the source"
        tools.append(f'<a class="sources-cue" href="#turn-{turn}">{label}</a>')
    parts.append(f'<div class="msg-tools">{"".join(tools)}</div>')
    plain = esc(answer_text(answer)).replace("\n", "&#10;")
    parts.append(f'<div class="copy-text" hidden>{plain}</div>')
    return "".join(parts)


def removed_html(answer: Answer) -> str:
    """A short note under the answer on the draft's sentences not shown, each viewable with
    why: nothing the streamed preview showed disappears without a word."""
    items = "".join(
        f"<li><q>{esc(r.sentence)}</q> — {esc(r.reason or 'not supported by its sources')}</li>"
        for r in answer.removed
    )
    return (
        '<details class="removed"><summary>'
        f"{esc(removed_summary(answer.removed))}</summary><ul>{items}</ul></details>"
    )


def refusal_html(answer: Answer, hint: str = "") -> str:
    """Said once: not in the documents, and why when the check that refused is known (naming
    what the documents never mention); a line when the question is not in English; then the
    closest passages when they are close, each with its whole title and a button to open it in
    its document, otherwise what the documents do cover."""
    sentence = refused_sentence(answer)
    why = sentence.removeprefix(NOT_FOUND)
    parts = [
        '<div class="refusal">',
        f'<p class="refusal-head"><strong>{NOT_FOUND}</strong>{esc(why)}</p>',
    ]
    language = language_hint(answer.question)
    if language:
        parts.append(f'<p class="refusal-language">{esc(language)}</p>')
    close = close_hits(answer.hits)
    if close:
        parts.append('<p class="closest-label">The closest passages, which do not answer it:</p>')
        docs = {h.chunk.doc_id for h in close}
        if len(docs) == 1:
            first = close[0].chunk
            parts.append(f'<p class="closest-from">From {_title_and_date(first)}:</p>')
        parts.append('<ul class="closest">')
        for h in close:
            where = _hit_where(h, with_title=len(docs) > 1)
            passage = esc(_clip(display_text(h.chunk.text), 240))
            parts.append(f"<li>{where}“{passage}” {_open_link(h.chunk)}</li>")
        parts.append("</ul>")
    elif hint:
        parts.append(f'<p class="refusal-hint">{esc(hint)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _open_link(chunk: Chunk) -> str:
    """A passage's "Show in document": chat messages lose data- attributes to Gradio's
    sanitizer, so the document and span travel in the link (static/chat.js opens the viewer)."""
    query = f"doc={url_quote(chunk.doc_id, safe='')}&start={chunk.start}&end={chunk.end}"
    return f'<a class="closest-open" href="#open-doc?{query}">Show in document</a>'


def close_hits(hits: Sequence[Hit], limit: int = 3) -> list[Hit]:
    """The passages worth showing after a refusal: close in meaning and sharing words."""
    return [
        h
        for h in hits
        if h.dense_score is not None and h.dense_score >= CLOSE_COSINE and h.lexical_score
    ][:limit]


def chat_messages(exchanges: Sequence[Exchange], hint: str = "") -> list[Message]:
    """The chatbot's value: a user and an assistant message per exchange (indices 2t, 2t+1)."""
    messages: list[Message] = []
    for turn, (question, answer) in enumerate(exchanges, 1):
        messages.append({"role": "user", "content": question_html(question)})
        messages.append({"role": "assistant", "content": answer_html(answer, turn, hint)})
    return messages


# --- the sources panel ---------------------------------------------------------------------------


def sources_html(exchanges: Sequence[Exchange]) -> str:
    """Source cards of every answer, in the chat's order (oldest first), one card per passage
    (several [n] may point to it). A card's id is src-<turn>-<first n>; its other numbers are
    anchors inside it (src-<turn>-<n>); a group's id is turn-<turn>."""
    if not exchanges:
        return (
            '<p class="sources-empty">The sources of each answer appear here: title, date, '
            "section and the quoted sentence, highlighted in its passage. Open one to read the "
            "whole document at that place.</p>"
        )
    groups = []
    for turn, (question, answer) in enumerate(exchanges, 1):
        head = f'<h3 class="src-group-head">{turn}. {esc(_clip(question, 140))}</h3>'
        if answer.refused:
            body = f'<p class="src-none">No source: {NOT_FOUND.lower()}.</p>'
        else:
            body = "".join(
                source_card(card, answer.hits, turn) for card in _cards(answer.citations)
            )
        last = " latest" if turn == len(exchanges) else ""
        groups.append(
            f'<section class="src-group{last}" id="turn-{turn}" '
            f'aria-label="Sources of answer {turn}">{head}{body}</section>'
        )
    return "".join(groups)


def source_card(citations: Sequence[Citation] | Citation, hits: Sequence[Hit], turn: int) -> str:
    """One passage: the numbers citing it, its title, date, section or page, the passage with
    each quote highlighted, and buttons to read it in the whole document or download that."""
    cites = [citations] if isinstance(citations, Citation) else list(citations)
    first = cites[0]
    card_id = f"src-{turn}-{first.n}"
    numbers = ", ".join(str(c.n) for c in cites)
    where = source_location(first)
    meta = f'<div class="src-meta">{esc(where)}</div>' if where else ""
    aliases = "".join(f'<span class="src-alias" id="src-{turn}-{c.n}"></span>' for c in cites[1:])
    name = first.doc_id.rsplit("/", 1)[-1]
    return (
        f'<article class="src-card" id="{card_id}" tabindex="-1" '
        f'aria-labelledby="{card_id}-title">{aliases}'
        f'<div class="src-title" id="{card_id}-title"><span class="src-n">[{numbers}]</span> '
        f"{esc(first.title or first.doc_id)}</div>{meta}"
        f'<blockquote class="src-passage">{passage_html(cites, hits)}</blockquote>'
        '<div class="src-actions">'
        '<button type="button" class="src-back">Back to the answer</button>'
        f'<button type="button" class="src-open" data-doc="{esc(first.doc_id)}" '
        f'data-start="{first.start}" data-end="{first.end}" '
        f'aria-label="Show in document: source {first.n}">Show in document</button>'
        f'<a class="src-download" href="{esc(download_href(first.doc_id))}" download '
        f'aria-label="Download original: source {first.n}">Download original</a>'
        "</div>"
        f'<div class="src-doc" title="Document id">{esc(first.doc_id)}</div>'
        f'<span class="src-file" hidden>{esc(name)}</span></article>'
    )


def passage_html(citations: Sequence[Citation] | Citation, hits: Sequence[Hit]) -> str:
    """The cited chunk's text, escaped, with each quote inside <mark>. A quote's span is
    relative to the document; the chunk's start converts it to the chunk's text. A leading
    metadata line is left out."""
    cites = [citations] if isinstance(citations, Citation) else list(citations)
    chunk = next((h.chunk for h in hits if h.chunk.id == cites[0].chunk_id), None)
    if chunk is None:
        return "<br>".join(f'<mark data-n="{c.n}">{esc(c.quote)}</mark>' for c in cites)
    text = chunk.text
    spans: list[tuple[int, int, int]] = []
    missing: list[Citation] = []
    for c in cites:
        start, end = c.start - chunk.start, c.end - chunk.start
        if not (0 <= start < end <= len(text)) or text[start:end] != c.quote:
            start = text.find(c.quote) if c.quote else -1
            end = start + len(c.quote)
        if start < 0:
            missing.append(c)
        elif not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, c.n))
    spans.sort()
    shown_from = min([_display_start(text), *(s for s, _, _ in spans)])
    out, at = [], shown_from
    for start, end, n in spans:
        out.append(f'{esc(text[at:start])}<mark data-n="{n}">{esc(text[start:end])}</mark>')
        at = end
    out.append(esc(text[at:]))
    out += [f'<br><mark data-n="{c.n}">{esc(c.quote)}</mark>' for c in missing]
    return "".join(out).strip()


def display_text(text: str) -> str:
    """A passage as shown: without a leading metadata line."""
    return text[_display_start(text) :]


# --- the document viewer -------------------------------------------------------------------------


def document_html(view: DocumentView, start: int, end: int) -> str:
    """The whole document (its text as indexed) with the quote at [start, end) inside
    <mark id="viewer-quote">, page numbers at page starts (the quote's page named in the head),
    and the link to the original file. A very long document is shown around the quote."""
    text = view.text
    found = 0 <= start < end <= len(text)
    shown = _display_start(text)
    first = shown if not found or start >= shown else 0
    last = len(text)
    if last - first > _VIEWER_CHARS:
        first = max(first, (start if found else first) - _VIEWER_CHARS // 2)
        last = min(last, first + _VIEWER_CHARS)
    clipped = first > shown or last < len(text)
    events: list[tuple[int, int, str]] = []  # (offset, order, html)
    for number, page_start, _ in view.pages:
        if first <= page_start < last:
            events.append(
                (page_start, 0, f'<span class="page-no" id="page-{number}">Page {number}</span>')
            )
    if found and first <= start and end <= last:  # the quote is always inside the window
        events += [(start, 1, '<mark id="viewer-quote">'), (end, -1, "</mark>")]
    events.sort(key=lambda e: (e[0], e[1]))
    out, at = [], first
    for offset, _, tag in events:
        out.append(esc(text[at:offset]) + tag)
        at = offset
    out.append(esc(text[at:last]))
    page = next((n for n, s, e in view.pages if s <= start < e), None) if found else None
    meta = [p for p in (human_date(view.date), f"page {page} quoted" if page else "") if p]
    notes = []
    if not found:
        notes.append("The quoted passage could not be located in this document.")
    if clipped:
        notes.append(
            "A long document: this shows the part around the quote; download the "
            "original for the whole."
        )
    note = "".join(f'<p class="viewer-note">{esc(n)}</p>' for n in notes)
    return (
        f'<div class="viewer-head"><h2 id="viewer-title">{esc(view.title or view.doc_id)}</h2>'
        f'<p class="viewer-meta">{esc(" · ".join([*meta, view.doc_id]))} · '
        f'<a class="viewer-download" href="{esc(download_href(view.doc_id))}" download>'
        f"Download the original ({esc(view.file.filename)})</a></p>{note}</div>"
        f'<div class="viewer-text" tabindex="0" role="region" aria-label="Document text">'
        f"{''.join(out).strip()}</div>"
    )


def viewer_error_html(message: str) -> str:
    return (
        f'<div class="viewer-head"><h2 id="viewer-title">Document not available</h2>'
        f'<p class="viewer-note">{esc(message)}</p></div>'
    )


# --- scope, status and About ---------------------------------------------------------------------


def scope_sentence(scope: Scope) -> str:
    """In plain words: how many documents the answers come from, and of which dates."""
    n = len(scope.documents)
    if not n:
        return "No documents are indexed yet: add some in the Documents tab."
    docs = f"{n} document{'s' * (n != 1)}"
    span = scope.date_range
    if span is None:
        dated = ""
    elif span[0] == span[1]:
        dated = f", dated {human_date(span[0])}"
    else:
        dated = f", dated {human_date(span[0])} to {human_date(span[1])}"
    undated = f" ({scope.undated} undated)" if span and scope.undated else ""
    return f"Answers come only from {docs}{dated}{undated}, each quoted and cited."


def scope_html(scope: Scope) -> str:
    """The first screen of the chat (the chatbot's placeholder, sanitized by Gradio): what the
    assistant knows (the documents by title and date) and example questions drawn from them."""
    n = len(scope.documents)
    if not n:
        lead = scope_sentence(scope)
    elif n == 1:
        lead = "Ask about this document; every answer quotes it:"
    else:
        lead = f"Ask about these {n} documents (newest first); every answer quotes them:"
    parts = [f'<div class="scope"><p class="scope-lead">{esc(lead)}</p>']
    if scope.documents:
        items = "".join(
            f'<li><span class="doc-title">{esc(d.title or d.doc_id)}</span>'
            + (f' <span class="doc-date">{esc(human_date(d.date))}</span>' if d.date else "")
            + "</li>"
            for d in scope.documents[:_DOC_LIST]
        )
        parts.append(f'<ul class="scope-docs">{items}</ul>')
        more = len(scope.documents) - _DOC_LIST
        if more > 0:
            parts.append(f'<p class="scope-more">… and {more} more: see the Documents tab.</p>')
    if scope.examples:
        buttons = "".join(
            f'<li><button type="button" class="example">{esc(q)}</button></li>'
            for q in scope.examples
        )
        parts.append(
            f'<p class="scope-try">Try one of these:</p><ul class="examples">{buttons}</ul>'
        )
    parts.append("</div>")
    return "".join(parts)


def refusal_hint(scope: Scope) -> str:
    """What the documents do cover, for a refusal with no close passage."""
    if not scope.documents:
        return ""
    titles = [d.title or d.doc_id for d in scope.documents[:2]]
    more = len(scope.documents) - len(titles)
    covered = "; ".join(" ".join(t.split()) for t in titles)  # whole titles
    covered += f"; and {more} more" if more > 0 else ""
    hint = f"The documents cover: {covered}."
    if scope.topics:
        topics = list(scope.topics[:3])
        listed = topics[0] if len(topics) == 1 else ", ".join(topics[:-1]) + f" or {topics[-1]}"
        hint += f" You could ask about {listed}."
    return hint


def status_markdown(answerer: str, model: str, documents: int, chunks: int) -> str:
    """The technical settings (in the About panel): who writes the answers, the embedding
    model, and the size of the index."""
    docs = f"{documents} document{'s' * (documents != 1)}"
    # in words a reader knows: passages (not chunks), no language model (not a component name)
    writer = "the documents' own sentences, no language model" if answerer == OFFLINE else answerer
    return (
        f"**Answers from:** {md(writer)} · **Embedding model:** {md(model)} · "
        f"**Index:** {docs}, {chunks:,} passage{'s' * (chunks != 1)}"
    )


def about_markdown(answerer: str, offline: bool, k: int) -> str:
    """What the assistant does and how, for the About panel (technical settings follow it)."""
    how = (
        "**No language model** is used: each answer is made of the passages' own sentences, "
        "word for word. Nothing is generated, and nothing leaves this machine."
        if offline
        else f"A language model ({md(answerer)}) writes each answer from the passages; a "
        "sentence it writes is kept only if a quoted passage supports it."
    )
    return (
        "#### About this assistant\n\n"
        "It answers questions **only from the indexed documents**. For each question it finds "
        f"the {k} passages closest in meaning and in words, answers from them, and checks that "
        "every [n] points to a sentence quoted verbatim from a document; when nothing checks "
        "out, it says the answer is not in the documents instead of guessing.\n\n"
        f"{how}\n\n"
        "A follow-up question is read together with the previous ones (*Searched for* shows "
        "what was searched). Each source card opens the whole document at the quoted place.\n\n"
        "**Technical settings:**"
    )


def without_secrets(answer: Answer) -> Answer:
    """The answer as the page and the API show it: its notice (which can name the LLM's
    base URL) with URLs redacted."""
    notice = redact_urls(answer.notice)
    return answer if notice == answer.notice else replace(answer, notice=notice)


# --- helpers -------------------------------------------------------------------------------------


def _cards(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations grouped by passage (chunk), in the order of their first number."""
    cards: dict[str, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        cards.setdefault(c.chunk_id, []).append(c)
    return list(cards.values())


def _link_markers(answer: Answer, turn: int) -> str:
    known = {c.n for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        links = [
            f'<a class="cite" href="#src-{turn}-{n}">{n}</a>' if n in known else str(n)
            for n in numbers
        ]
        return f'<span class="cites">[{", ".join(links)}]</span>'

    return _MARKERS.sub(link, _multiline(answer.text))


def _multiline(text: str) -> str:
    # One HTML block, no blank lines: Markdown leaves the escaped text alone.
    return "<br>".join(esc(line) for line in str(text).strip().splitlines())


def _display_start(text: str) -> int:
    match = _META_LINE.match(text)
    return match.end() if match else len(text) - len(text.lstrip())


def _title_and_date(chunk: Chunk) -> str:
    title = esc(" ".join((chunk.title or chunk.doc_id).split()))  # whole, never cut
    return f"<cite>{title}</cite>" + (f" ({esc(human_date(chunk.date))})" if chunk.date else "")


def _hit_where(hit: Hit, with_title: bool) -> str:
    c = hit.chunk
    parts = [c.title or c.doc_id] if with_title else []  # whole titles, never cut mid-word
    parts += [p for p in (c.section, f"p. {c.page}" if c.page else "") if p]
    return f'<span class="closest-where">{esc(", ".join(parts))}:</span> ' if parts else ""


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word (never inside one)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"
