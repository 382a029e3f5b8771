"""The web app: `build_app(assistant)` lays out and wires the Gradio Blocks (chat with sources,
documents, evaluation, and the `ask` API endpoint); `serve(settings)` syncs the index and serves
the app on settings.host:settings.port.

Callbacks stay thin: they call the assistant and hand its objects to the pure renderers below.
Every piece of text that comes from documents, answers or users is html-escaped where it is
inserted into HTML. Nothing in the page is loaded from outside this machine (system fonts, no
CDN, and a Content-Security-Policy that says so), and Gradio's telemetry is off.

`Gate`, a middleware in front of Gradio's routes, adds what Gradio leaves out: Host and Origin
checks, the optional login on every route, a throttle on failed logins, no remote fetches,
bounded request bodies and a bounded pool for direct API calls. SECURITY.md has the threat
model and every limit with its setting.

(No `from __future__ import annotations` here: Gradio reads the type hints of `ask` to type
the API endpoint.)
"""

import contextlib
import html
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

import gradio as gr

from assistant.brief import build_brief, source_location
from assistant.chain import QuestionError
from assistant.config import Settings
from assistant.corpus import SUPPORTED_SUFFIXES
from assistant.evaluation import EvalError
from assistant.feedback import FeedbackFullError, FeedbackStore
from assistant.indexing import IndexBusyError
from assistant.redact import redact_urls
from assistant.service import Assistant, build_assistant
from assistant.types import Answer, Citation, DocRecord, Hit, Turn

Exchange = tuple[str, Answer]  # (question as typed, answer shown)
Message = dict[str, str]

TITLE = "Declaration assistant"
EXAMPLES = (
    "How many people used CBP One?",
    "Which country hosted the third ministerial meeting?",
    "Who led the US delegation to the third ministerial meeting?",
    "How many individuals have been approved through Safe Mobility Offices?",
)
NOT_FOUND = "Not found in the documents"
DOC_HEADERS = ["Title", "Date", "Chunks", "Indexed (UTC)", "Id"]
EVAL_HEADERS = ["Id", "Category", "Question", "Failures"]
_MARKERS = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_SANS = ["Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]
_MONO = ["SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "DejaVu Sans Mono"]


# --- pure renderers --------------------------------------------------------------------------


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


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


def new_conversation_id() -> str:
    return uuid.uuid4().hex[:12]


def history_turns(exchanges: Sequence[Exchange]) -> list[Turn]:
    """What a follow-up question is asked with: earlier questions and answer texts."""
    turns: list[Turn] = []
    for question, answer in exchanges:
        turns += [Turn("user", question), Turn("assistant", answer.text)]
    return turns


def parse_history(text: str) -> list[Turn]:
    """The API's history argument: a JSON list of {role, content}; "" means none."""
    if not (text or "").strip():
        return []
    problem = 'history must be a JSON list of {"role": "user"|"assistant", "content": "..."}'
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{problem}; it is not valid JSON ({exc.msg})") from None
    if not isinstance(raw, list):
        raise ValueError(f"{problem}; got a JSON {type(raw).__name__}")
    turns = []
    for i, turn in enumerate(raw):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise ValueError(f"{problem}; turn {i} is not one")
        turns.append(Turn(turn["role"], turn["content"]))
    return turns


def without_secrets(answer: Answer) -> Answer:
    """The answer as the page and the API show it: its notice (which can name the LLM's
    base URL) with URLs redacted."""
    notice = redact_urls(answer.notice)
    return answer if notice == answer.notice else replace(answer, notice=notice)


def status_markdown(answerer: str, model: str, documents: int, chunks: int) -> str:
    docs = f"{documents} document{'s' * (documents != 1)}"
    return (
        f"**Answerer:** {_md(answerer)} · **Embedding model:** {_md(model)} · "
        f"**Index:** {docs}, {chunks:,} chunks"
    )


def document_rows(records: Sequence[DocRecord]) -> list[list[Any]]:
    return [
        [r.title, r.date or "-", r.chunks, r.indexed_at.replace("T", " ")[:16], r.doc_id]
        for r in records
    ]


def report_view(data: dict[str, Any]) -> tuple[str, str, list[list[str]]]:
    """(run line, metrics table, per-question rows) of a report dict."""
    from assistant.reports import metrics_table_markdown

    run = data.get("run", {})
    questions = data.get("questions", [])
    failing = sum(1 for q in questions if q.get("failures"))
    line = (
        f"**Run {_md(run.get('run_id', '?'))}** · {_md(run.get('date', ''))} · "
        f"{len(questions)} questions, {failing} with failures · answerer: "
        f"{_md(run.get('answerer', '?'))} · k = {_md(run.get('k', '?'))}"
    )
    rows = [
        [
            str(q.get("id", "")),
            str(q.get("category", "")),
            str(q.get("question", "")),
            "; ".join(q.get("failures", [])) or "ok",
        ]
        for q in questions
    ]
    return line, metrics_table_markdown(data), rows


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


def _md(value: object) -> str:
    """A value inside Markdown: escaped as HTML, and Markdown punctuation neutralised."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(str(value).split()))


# --- callbacks -------------------------------------------------------------------------------

_PROGRESS = gr.Progress()  # Gradio hands each call its own tracker in place of this default
# Problems the user can act on are shown as messages or warnings, not raised as gr.Error: an
# error greys out every output of the event (the chat, the tables) until the next one.


def _skip(n: int) -> tuple[Any, ...]:
    """Leave n outputs as they are."""
    return tuple(gr.skip() for _ in range(n))


_SKIP3 = _skip(3)


@dataclass
class _Handlers:
    """The app's callbacks: each one calls the assistant and returns rendered values."""

    assistant: Assistant
    feedback: FeedbackStore
    briefs: tempfile.TemporaryDirectory[str]

    # chat
    def respond(
        self, question: str, exchanges: list[Exchange], request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        shown = chat_messages(exchanges)
        pending = [*shown, {"role": "user", "content": question_html(question)}]
        yield "", [*pending, {"role": "assistant", "content": streaming_html("")}], *_SKIP3
        text, answer = "", None
        try:
            for piece in self.assistant.stream(question, history_turns(exchanges)):
                if isinstance(piece, Answer):
                    answer = without_secrets(piece)
                    break
                text += piece
                yield gr.skip(), [*pending, _assistant(streaming_html(text))], *_SKIP3
        except (QuestionError, IndexBusyError) as exc:
            # A warning, not an error: an error would leave the chat greyed out.
            gr.Warning(str(exc))
            yield question, shown, *_SKIP3
            return
        assert answer is not None
        exchanges = [*exchanges, (question, answer)]
        brief = self._write_brief(exchanges, request)
        yield "", chat_messages(exchanges), sources_html(exchanges), exchanges, _brief_button(brief)

    def example(self, data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def new_conversation(self) -> tuple[Any, ...]:
        return [], sources_html([]), [], _brief_button(None), "", new_conversation_id()

    def like(self, exchanges: list[Exchange], conversation: str, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turn = int(index) // 2
        if not 0 <= turn < len(exchanges):
            return
        liked = data.liked  # True, False, or "" when the rating is withdrawn
        rating = "up" if liked is True else "down" if liked is False else "none"
        question, answer = exchanges[turn]
        history = history_turns(exchanges[:turn])
        try:
            self.feedback.record(
                question, answer, rating, history, conversation=conversation, turn=turn + 1
            )
        except FeedbackFullError as exc:
            gr.Warning(str(exc))
            return
        if rating != "none":
            gr.Info("Thank you: your feedback was recorded.", duration=3)

    def _write_brief(self, exchanges: Sequence[Exchange], request: gr.Request) -> Path:
        now = datetime.now(UTC)
        folder = (
            Path(self.briefs.name) / re.sub(r"\W", "", request.session_hash or "anonymous")[:64]
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"declaration-brief-{now:%Y-%m-%d}.md"
        prepared = f"{now:%Y-%m-%d %H:%M} UTC by the {TITLE} ({self.assistant.answerer_name})"
        path.write_text(build_brief(exchanges, prepared=prepared), encoding="utf-8")
        return path

    # status and documents
    def status(self) -> str:
        a = self.assistant
        return status_markdown(
            redact_urls(a.answerer_name),
            a.embedder.model_name,
            len(a.documents()),
            a.store.chunk_count(),
        )

    def documents(self) -> tuple[Any, ...]:
        records = self.assistant.documents()
        ids = [r.doc_id for r in records]
        return (
            document_rows(records),
            gr.Dropdown(choices=ids, value=None),
            self.status(),
        )

    def add(self, files: list[str] | None, progress: gr.Progress = _PROGRESS) -> tuple[Any, ...]:
        paths = [Path(f) for f in files or []]
        if not paths:
            return ("Choose one or more files to add first.", *_skip(4))
        progress(0, desc="Checking files")

        def embedded(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Embedding {done} of {total} chunks")

        try:
            report, rejected = self.assistant.add_files(paths, progress=embedded)
        except IndexBusyError as exc:
            return (f"Nothing added: {esc(exc)}", None, *_skip(3))
        finally:
            _delete_uploads(paths)
        lines = [esc(report.summary())]
        lines += [f"Rejected: {esc(e)}" for e in rejected]
        lines += [f"Failed: {esc(e)}" for e in report.failed]
        return ("<br>".join(lines), None, *self.documents())

    def remove(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return ("Nothing removed: choose a document first.", *self.documents())
        try:
            removed = self.assistant.remove(doc_id)
        except (IndexBusyError, ValueError) as exc:
            return (f"Nothing removed: {_md(exc)}", *_skip(3))
        message = (
            f"Removed **{_md(doc_id)}** from the corpus and the index."
            if removed
            else f"No document {_md(doc_id)}: it was already removed."
        )
        return (message, *self.documents())

    # evaluation
    def latest_report(self) -> tuple[Any, ...]:
        from assistant.reports import latest_report, load_report

        path = latest_report(self.assistant.settings.evals_dir / "reports")
        if path is None:
            return ("No evaluation has been run yet: press **Run the evaluation**.", "", None, [])
        try:
            return self._report(load_report(path), path.parent)
        except EvalError as exc:
            return (esc(str(exc)), "", None, [])

    def run_eval(self, progress: gr.Progress = _PROGRESS) -> tuple[Any, ...]:
        from assistant.eval_run import run_eval
        from assistant.evaluation import load_items, score_run
        from assistant.reports import report_to_dict, run_dir, write_report

        evals_dir = self.assistant.settings.evals_dir
        questions = evals_dir / "questions.jsonl"
        progress(0, desc="Loading the questions")

        def asked(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Question {done} of {total}")

        try:
            items = load_items(questions)
            run = run_eval(self.assistant, items, progress=asked, questions_file=str(questions))
        except (EvalError, IndexBusyError) as exc:
            return (f"The evaluation could not run: {_md(exc)}", *_skip(3))
        report = score_run(run)
        paths = write_report(report, run_dir(evals_dir / "reports", run.info.run_id))
        return self._report(report_to_dict(report), paths.chart.parent)

    def _report(self, data: dict[str, Any], folder: Path) -> tuple[Any, ...]:
        line, table, rows = report_view(data)
        chart = folder / "report.png"
        return line, table, str(chart) if chart.is_file() else None, rows

    # API
    def ask(self, question: str, history: str = "") -> dict:
        """Answer a question from the documents. `history` is an optional JSON list of
        {"role": "user"|"assistant", "content": "..."} turns ("" for none). Returns the
        Answer as JSON: text with [n] markers, citations (n, chunk_id, doc_id, title, date,
        section, page, quote, start, end), hits, refused, query, timings."""
        try:
            turns = parse_history(history)
            answer = self.assistant.ask(question or "", turns)
        except (QuestionError, IndexBusyError, ValueError) as exc:
            raise gr.Error(str(exc).splitlines()[0], print_exception=False) from None
        return without_secrets(answer).to_dict()


def _assistant(content: str) -> Message:
    return {"role": "assistant", "content": content}


def _brief_button(path: Path | None) -> Any:
    return gr.DownloadButton(value=str(path) if path else None, interactive=path is not None)


def _delete_uploads(paths: Sequence[Path]) -> None:
    """Remove uploaded files from Gradio's cache (and their folder, when it is left empty)."""
    for path in paths:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()


# --- layout and wiring -----------------------------------------------------------------------


def build_app(assistant: Assistant, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The Gradio app for an assistant (not launched: see `launch`)."""
    settings = assistant.settings
    h = _Handlers(
        assistant,
        feedback
        or FeedbackStore(
            settings.data_dir / "feedback.jsonl", max_bytes=int(settings.max_feedback_mb * 1e6)
        ),
        tempfile.TemporaryDirectory(prefix="assistant-briefs-"),  # removed at exit
    )
    private: dict[str, Any] = {"api_visibility": "private"}  # the public API is `ask` only
    # Answers (chat and API) share one pool of ASSISTANT_CONCURRENCY workers; changes to the
    # index run one at a time (the index lock would refuse a second one anyway).
    answering: dict[str, Any] = {**private, "concurrency_id": "answer"}
    indexing: dict[str, Any] = {**private, "concurrency_id": "index", "concurrency_limit": 1}
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        exchanges = gr.State([])
        conversation = gr.State("")  # an id per conversation: which answer a rating is about
        gr.Markdown(f"## {TITLE}", elem_id="title")
        status = gr.Markdown(elem_id="status")
        with gr.Tabs():
            chat = _chat_tab()
            docs = _documents_tab(settings)
            evals = _evaluation_tab()

        chat_out = [chat.question, chat.chatbot, chat.sources, exchanges, chat.brief]
        docs_out = [docs.table, docs.doc_id, status]
        eval_out = [evals.run_line, evals.metrics, evals.chart, evals.results]
        chat.question.submit(h.respond, [chat.question, exchanges], chat_out, **answering)
        chat.chatbot.example_select(h.example, None, chat.question, **private).then(
            h.respond, [chat.question, exchanges], chat_out, **answering
        )
        chat.chatbot.like(h.like, [exchanges, conversation], None, **private)
        cleared = [chat.chatbot, chat.sources, exchanges, chat.brief, chat.question, conversation]
        chat.new.click(h.new_conversation, None, cleared, **private)
        chat.chatbot.clear(h.new_conversation, None, cleared, **private)
        docs.add.click(h.add, docs.upload, [docs.added, docs.upload, *docs_out], **indexing)
        docs.remove.click(h.remove, docs.doc_id, [docs.removed, *docs_out], js=_CONFIRM, **indexing)
        evals.run.click(h.run_eval, None, eval_out, **private, concurrency_limit=1)
        evals.tab.select(h.latest_report, None, eval_out, **private)
        app.load(h.documents, None, docs_out, **private)
        app.load(new_conversation_id, None, conversation, **private)
        gr.api(h.ask, api_name="ask", concurrency_id="answer")
    return app


_CONFIRM = "(id) => (id && confirm(`Remove ${id} from the corpus and the index?`)) ? id : null"


def _chat_tab() -> SimpleNamespace:
    with gr.Tab("Chat", id="chat-tab"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            chatbot = gr.Chatbot(
                elem_id="chat",
                label="Conversation",
                height=560,
                latex_delimiters=[],
                examples=[{"text": q} for q in EXAMPLES],
                placeholder="Ask a question about the documents, or pick an example.",
                buttons=["copy"],
            )
            question = gr.Textbox(
                elem_id="question",
                show_label=False,
                placeholder="Ask about the documents (Enter sends)",
                lines=1,
                max_lines=4,
                submit_btn="Send",
            )
            with gr.Row():
                new = gr.Button("New conversation", size="sm", elem_id="new-chat")
                brief = gr.DownloadButton(
                    "Export as brief (.md)", size="sm", interactive=False, elem_id="export-brief"
                )
        with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html([]), elem_id="sources")
    return SimpleNamespace(
        chatbot=chatbot, question=question, new=new, brief=brief, sources=sources
    )


def _documents_tab(settings: Settings) -> SimpleNamespace:
    with gr.Tab("Documents", id="docs-tab"):
        table = gr.Dataframe(
            headers=DOC_HEADERS,
            interactive=False,
            wrap=True,
            elem_id="docs-table",
            label="Indexed documents",
            column_widths=["38%", "11%", "8%", "15%", "28%"],
        )
        with gr.Row(equal_height=False):
            with gr.Column(min_width=300):
                types = ", ".join(sorted(SUPPORTED_SUFFIXES))
                upload = gr.File(
                    label=f"Add documents ({types}; up to {settings.max_file_mb:g} MB each)",
                    file_count="multiple",
                    type="filepath",
                    elem_id="upload",
                )
                add = gr.Button("Add to the index", variant="primary", elem_id="add-docs")
                added = gr.HTML(elem_id="add-result")
            with gr.Column(min_width=300):
                doc_id = gr.Dropdown(label="Document to remove", choices=[], elem_id="remove-id")
                remove = gr.Button("Remove", variant="stop", elem_id="remove-doc")
                removed = gr.Markdown(elem_id="remove-result")
    return SimpleNamespace(
        table=table,
        upload=upload,
        add=add,
        added=added,
        doc_id=doc_id,
        remove=remove,
        removed=removed,
    )


def _evaluation_tab() -> SimpleNamespace:
    with gr.Tab("Evaluation", id="eval-tab") as tab:
        run = gr.Button("Run the evaluation", variant="primary", elem_id="run-eval")
        run_line = gr.Markdown(elem_id="eval-run")
        with gr.Row(equal_height=False):
            metrics = gr.Markdown(elem_id="eval-metrics")
            chart = gr.Image(
                label="Metrics by category",
                show_label=False,
                type="filepath",
                interactive=False,
                elem_id="eval-chart",
                buttons=["download", "fullscreen"],
            )
        results = gr.Dataframe(
            headers=EVAL_HEADERS,
            interactive=False,
            wrap=True,
            elem_id="eval-results",
            label="Per question",
            column_widths=["8%", "12%", "45%", "35%"],
        )
    return SimpleNamespace(
        tab=tab, run=run, run_line=run_line, metrics=metrics, chart=chart, results=results
    )


CSS = """
#status { font-size: 0.9em; opacity: 0.9; }
#status p { margin: 0; }
#title h2 { margin: 0.2em 0; }
#chat .question, #chat .answer { overflow-wrap: anywhere; }
#chat .answer.streaming { opacity: 0.75; }
#chat a.cite, #sources a { font-weight: 600; text-decoration: none; }
#chat a.cite { color: var(--color-accent); padding: 0 0.1em; }
#chat a.cite:hover { text-decoration: underline; }
#chat .cites { white-space: nowrap; }
#chat .refusal { border-left: 4px solid #d97706; background: rgba(217, 119, 6, 0.10);
  padding: 0.5em 0.75em; border-radius: 4px; }
#chat .refusal-head { font-weight: 700; color: #b45309; margin-bottom: 0.25em; }
#chat .closest-label { margin-top: 0.5em; font-weight: 600; }
#chat ol.closest { margin: 0.25em 0 0 1.25em; font-size: 0.92em; }
#chat .searched, #chat .notice { font-size: 0.85em; margin-top: 0.5em; opacity: 0.85; }
#chat .notice { color: #b45309; }
#docs-table, #eval-results { --font-mono: var(--font); }
#sources { max-height: 640px; overflow-y: auto; }
#sources .sources-empty { opacity: 0.75; font-size: 0.92em; }
.src-group { margin-bottom: 1em; }
.src-group-head { font-weight: 600; margin: 0.25em 0 0.5em; overflow-wrap: anywhere; }
.src-none { font-style: italic; opacity: 0.8; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 0.6em 0.75em; margin-bottom: 0.6em; scroll-margin-top: 1em;
  overflow-wrap: anywhere; }
.src-card:target { outline: 3px solid var(--color-accent); }
.src-title { font-weight: 600; }
.src-n { color: var(--color-accent); }
.src-meta, .src-doc { font-size: 0.85em; opacity: 0.8; }
.src-passage { margin: 0.4em 0; padding-left: 0.6em; border-left: 3px solid
  var(--border-color-primary); font-size: 0.92em; }
.src-passage mark { background: #fde68a; color: #1f2937; padding: 0 0.1em; }
@media (max-width: 640px) { #sources { max-height: none; } }
"""
# Outside the app's container, which Gradio scopes `css` to: narrower page margins on phones.
HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
</style>"""


def theme() -> gr.themes.Base:
    """The default theme on system fonts: no web font is fetched from anywhere."""
    return gr.themes.Default(
        font=[gr.themes.Font(name) for name in _SANS] + ["sans-serif"],
        font_mono=[gr.themes.Font(name) for name in _MONO] + ["monospace"],
    )


# --- the gate in front of Gradio's routes ------------------------------------------------------
# Gradio's own checks cover its API and file routes; this middleware adds what it leaves out,
# for every route at once: Host and Origin checks (DNS rebinding, cross-site requests), the
# login on every route but the login page's own, throttled logins, no remote fetches through
# /file=URL, bounded request bodies, and a bounded pool for direct (unqueued) API calls.

_API = "/gradio_api"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
# What the login page needs before there is a session (Gradio's public frontend code and
# theme, and the login itself); every other route answers 401 without one.
_PUBLIC_PATHS = frozenset(
    {
        "/",
        "/login",
        "/login/",
        "/logout",
        "/favicon.ico",
        "/theme.css",
        "/manifest.json",
        "/robots.txt",
        f"{_API}/theme.css",
        f"{_API}/login_check",
        f"{_API}/login_check/",
        f"{_API}/startup-events",  # Gradio's launch calls it; it runs the startup once
    }
)
_PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
_LOGIN_PATHS = frozenset({"/login", "/login/"})
_UPLOAD_PATHS = frozenset({f"{_API}/upload", f"{_API}/upload/"})
_DIRECT_PREFIXES = (f"{_API}/run/", f"{_API}/api/")
# Routes whose JSON bodies name the files an event gets (FileData); checked before Gradio
# reads them, since Gradio downloads a file named by a public URL.
_CALL_PREFIXES = (*_DIRECT_PREFIXES, f"{_API}/call/", f"{_API}/queue/join")
_REMOTE_PATH = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
_REMOTE = re.compile(r"(?:^|/)(?:file|proxy)=\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)
# Nothing in the page comes from anywhere but this server: no remote image, font, frame or
# connection even if some markup slipped through (scripts are Gradio's own, inline).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
    "font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class LoginThrottle:
    """Failed logins per client: after `max_failures` within `window_s` seconds, the client's
    logins are refused for `block_s` seconds. In memory, one per app; it tracks at most
    `max_clients` clients (the oldest are forgotten first)."""

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        block_s: float,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.block_s = block_s
        self.max_clients = max_clients
        self.clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._blocked: dict[str, float] = {}  # client -> blocked until
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds until the client may try again (0: now)."""
        with self._lock:
            until = self._blocked.get(client, 0.0)
            left = until - self.clock()
            if left <= 0:
                self._blocked.pop(client, None)
                return 0.0
            return left

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            recent = [t for t in self._failures.pop(client, []) if now - t < self.window_s]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self._blocked[client] = now + self.block_s
                recent = []
            self._failures[client] = recent
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            if len(self._blocked) > self.max_clients:
                for key in [k for k, until in self._blocked.items() if until <= now]:
                    del self._blocked[key]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


@dataclass(frozen=True)
class GatePolicy:
    hosts: frozenset[str]  # accepted Host names (lower case, no port); empty: any
    origins: frozenset[str]  # host names accepted in Origin whatever the Host says
    login: bool  # every route but the login page's needs a session
    direct_calls: int  # direct API calls answered at once ...
    direct_waiting: int  # ... and waiting; beyond: 503 at once
    max_body: int  # bytes, any request but an upload
    max_upload: int  # bytes, one upload request

    @classmethod
    def from_settings(cls, settings: Settings) -> "GatePolicy":
        # Origins from any port of these names are the app's own (a proxy in front of it);
        # on loopback names only the exact origin of the request's Host is.
        extra = {h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()}
        extra.add(settings.host.strip("[]").lower())
        return cls(
            hosts=settings.host_names,
            origins=frozenset(extra - {"*", "0.0.0.0", "::", "", *_LOOPBACK}),
            login=settings.login is not None,
            direct_calls=settings.concurrency,
            direct_waiting=settings.queue_size,
            max_body=settings.max_request_kb * 1024,
            max_upload=int(settings.max_file_bytes * 2) * 10 + 1_000_000,
        )


class Gate:
    """ASGI middleware in front of Gradio's routes (see the section comment)."""

    def __init__(self, app: Any, policy: GatePolicy, throttle: LoginThrottle) -> None:
        self.app = app
        self.policy = policy
        self.throttle = throttle
        self._slots: Any = None  # asyncio.Semaphore, made in the server's loop
        self._waiting = 0
        self._refused_origins: set[str] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(scope, send, *refusal)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope["method"]
        receive, send = self._bounded(scope, receive), _secured(send)
        if method == "POST" and path.startswith(_CALL_PREFIXES):
            body = await _read_body(receive)
            if body is None:
                await _refuse(scope, send, 413, "The request is too large.", {})
                return
            problem = _body_problem(body)
            if problem is not None:
                await _refuse(scope, send, *problem, {})
                return
            receive = _replay(body, receive)
        if path in _LOGIN_PATHS and method == "POST":
            await self._login(scope, receive, send)
        elif method == "POST" and path.startswith(_DIRECT_PREFIXES):
            await self._direct(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _refusal(self, scope: dict[str, Any]) -> tuple[int, str, dict[str, str]] | None:
        headers = _headers(scope)
        host = headers.get("host", "")
        hosts = [host, *([headers["x-forwarded-host"]] if "x-forwarded-host" in headers else [])]
        if self.policy.hosts and not all(_host_name(h) in self.policy.hosts for h in hosts):
            return 400, "Invalid Host header: this server does not answer to that name.", {}
        origin = headers.get("origin")
        if origin is not None and not self._same_site(origin, hosts):
            self._note_refused_origin(origin)
            return 403, "Cross-origin requests are not accepted.", {}
        # From another site (or another port of this one), a browser may only follow a link
        # to the page itself: not load a route as an image or script, nor navigate to /logout.
        path = scope.get("path", "")
        if headers.get("sec-fetch-site") in ("cross-site", "same-site") and (
            headers.get("sec-fetch-mode") != "navigate" or path != "/"
        ):
            return 403, "Cross-site requests are not accepted.", {}
        if _REMOTE.search(_unquoted(path)):
            return 403, "This server does not fetch remote files.", {}
        if self.policy.login and not _public(path) and not _signed_in(scope, headers):
            return 401, "Not authenticated: log in first.", {}
        limit = self.policy.max_upload if path in _UPLOAD_PATHS else self.policy.max_body
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > limit:
            return 413, f"The request is too large (the limit is {limit:,} bytes).", {}
        return None

    def _note_refused_origin(self, origin: str) -> None:
        """One line on stderr per refused origin (the first 100): behind a proxy that rewrites
        the Host header, the app's own public origin shows up here until it is listed."""
        if origin not in self._refused_origins and len(self._refused_origins) < 100:
            self._refused_origins.add(origin)
            print(
                f"refused requests from origin {origin[:100]!r}; if that is this app's own "
                "address, add its host name to ASSISTANT_ALLOWED_HOSTS",
                file=sys.stderr,
                flush=True,
            )

    def _same_site(self, origin: str, hosts: list[str]) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # "null", file:, extensions
        netloc = parts.netloc.lower()
        return any(netloc == h.lower() for h in hosts) or _host_name(netloc) in self.policy.origins

    async def _login(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = _client(scope)
        wait = self.throttle.retry_after(client)
        if wait > 0:
            await _refuse(
                scope,
                send,
                429,
                f"Too many failed logins: try again in {math.ceil(wait)} s.",
                {"retry-after": str(math.ceil(wait))},
            )
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and status[0] in (400, 401, 403):
            self.throttle.failed(client)

    async def _direct(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        import asyncio

        if self._slots is None:
            self._slots = asyncio.Semaphore(self.policy.direct_calls)
        if self._slots.locked() and self._waiting >= self.policy.direct_waiting:
            await _refuse(scope, send, 503, BUSY, {"retry-after": "5"})
            return
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    def _bounded(self, scope: dict[str, Any], receive: Any) -> Any:
        """Stops reading a body (chunked, so no Content-Length) past the limit."""
        path = scope.get("path", "")
        limit = self.policy.max_upload if path in _UPLOAD_PATHS else self.policy.max_body
        seen = 0

        async def bounded() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    return {"type": "http.disconnect"}
            return message

        return bounded


BUSY = (
    "The assistant is busy: every answering slot and waiting place is taken. Try again in a moment."
)


async def _read_body(receive: Any) -> bytes | None:
    """The whole body (bounded by the receive it reads from); None if the client went away or
    the body was too large."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def again() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _body_problem(body: bytes) -> tuple[int, str] | None:
    """A reason to refuse an API call's JSON body: unreadable, or naming a remote file."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return 400, "The request body is not valid JSON."
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            path = item.get("path")
            if isinstance(path, str) and _REMOTE_PATH.match(path):
                return 403, "This server does not fetch remote files."
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        if name not in headers:  # the first of repeated headers counts
            headers[name] = value.decode("latin-1")
    return headers


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _unquoted(path: str) -> str:
    for _ in range(3):  # double and triple encoding
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return path


def _public(path: str) -> bool:
    return path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES)


def _signed_in(scope: dict[str, Any], headers: dict[str, str]) -> bool:
    """A session cookie that Gradio's login issued (Gradio keeps its tokens on its app)."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    cookie_id = getattr(app, "cookie_id", None)
    if not tokens or cookie_id is None:
        return False
    from starlette.requests import cookie_parser

    cookies = cookie_parser(headers.get("cookie", ""))
    return any(
        cookies.get(name) in tokens
        for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}")
    )


def _client(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _secured(send: Any) -> Any:
    """Adds the security headers to every response."""

    async def secured(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in _HEADERS if k not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return secured


async def _refuse(
    scope: dict[str, Any], send: Any, status: int, detail: str, extra: dict[str, str]
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": detail, "detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *[(k.encode(), v.encode()) for k, v in extra.items()],
        *_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def launch(app: gr.Blocks, settings: Settings, *, block: bool = True) -> str:
    """Serve the app on settings.host:settings.port; returns the local URL (when not
    blocking)."""
    try:
        url = _launch(app, settings)
    except OSError as exc:
        from assistant.cli import UserError

        raise UserError(
            f"cannot serve on {settings.host}:{settings.port}: {str(exc).split('. ')[0]}; "
            "is the port in use? Set ASSISTANT_PORT to another one"
        ) from None
    for line in exposure_warnings(settings):
        print(f"warning: {line}", file=sys.stderr, flush=True)
    print(f"{TITLE} is running at {url}  (Ctrl+C to stop)", flush=True)
    if block:
        try:
            app.block_thread()
        finally:
            app.close()
    return url


def exposure_warnings(settings: Settings) -> list[str]:
    """What to tell the operator when the app is reachable from other machines."""
    if settings.host in ("127.0.0.1", "localhost", "::1"):
        return []
    lines = []
    if settings.login is None:
        lines.append(
            f"serving on {settings.host} without a login: anyone who can reach this port can "
            "ask, upload and remove documents; set ASSISTANT_AUTH_USERNAME and "
            "ASSISTANT_AUTH_PASSWORD, or keep ASSISTANT_HOST=127.0.0.1 behind a proxy"
        )
    if not settings.host_names:
        lines.append(
            "requests for any host name are answered, and browsers only from the origin a "
            "request is addressed to; list the names users reach this app by in "
            "ASSISTANT_ALLOWED_HOSTS (needed when a proxy in front rewrites the Host header)"
        )
    return lines


def blocked_paths(settings: Settings) -> list[str]:
    """Folders and files Gradio must never serve, whatever else allows them: the corpus, the
    index, the data (feedback), the evaluation set and any .env (uploads stay allowed)."""
    uploads = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    uploads = uploads.resolve()
    candidates = [
        settings.corpus_dir,
        settings.index_dir,
        settings.data_dir,
        settings.evals_dir / "questions.jsonl",
        Path(".env"),
    ]
    paths = []
    for path in (p.resolve() for p in candidates):
        if path == uploads or path in uploads.parents:
            continue  # blocking it would refuse every upload
        paths.append(str(path))
    return paths


def _launch(app: gr.Blocks, settings: Settings) -> str:
    from starlette.middleware import Middleware

    throttle = LoginThrottle(
        settings.login_max_failures, settings.login_window_s, settings.login_block_s
    )
    gate = Middleware(Gate, policy=GatePolicy.from_settings(settings), throttle=throttle)
    app.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    # uvicorn, which Gradio starts, reads the proxies it believes X-Forwarded-For from here
    # (it trusts 127.0.0.1 by default, which would let any local caller pick the address the
    # login throttle counts); Gradio has no parameter for it.
    os.environ["FORWARDED_ALLOW_IPS"] = settings.trusted_proxies
    _, url, _ = app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=settings.login,
        auth_message=f"Log in to the {TITLE}.",
        prevent_thread_lock=True,
        quiet=True,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        strict_cors=True,
        footer_links=["api"],
        run_history=False,
        allowed_paths=[str((settings.evals_dir / "reports").resolve())],
        blocked_paths=blocked_paths(settings),
        max_file_size=int(settings.max_file_bytes * 2),
        app_kwargs={"middleware": [gate]},
        theme=theme(),
        css=CSS,
        head=HEAD,
    )
    return str(url)


def serve(settings: Settings) -> None:
    """Build the assistant, sync the index (the first run builds it), then serve the app.
    Against a shared Chroma server a replica syncs only an empty index: ingestion there is
    run once, by one process, and a replica with another corpus folder must not prune it."""
    assistant = build_assistant(settings)
    if not settings.chroma_host or not assistant.documents():
        print(f"Syncing the index of {settings.corpus_dir} ...", flush=True)
        report = assistant.sync(progress=_progress_bar())
        for error in report.failed:
            print(f"failed: {error}", file=sys.stderr)
        print(report.summary(), flush=True)
    assistant.embedder.encode(["warm up"])  # load the model now, not on the first question
    launch(build_app(assistant), settings)


def main() -> None:
    """`python app.py`: serve with the settings from the environment (ASSISTANT_*, .env)."""
    from assistant.cli import main as cli_main

    raise SystemExit(cli_main(["serve"]))


def _progress_bar() -> Callable[[int, int], None]:
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bars:
            bars["bar"] = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr)
        bars["bar"].n = done
        bars["bar"].refresh()
        if done >= total:
            bars.pop("bar").close()

    return update
