"""The Chat tab: the conversation with linked [n] markers, the source cards beside it, the
document viewer, the first screen (what the assistant knows, example questions), ratings
(feedback) and the brief export; its layout, callbacks and wiring.

The behaviour in the page (a citation highlights its card without moving the chat, the sheet on
phones, the viewer, Copy, the example questions) is static/chat.js, run by the viewer's host
component; it reads a document through that component's server function, by id only.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints to hand them
the request and the event data.)
"""

import re
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.brief import build_brief
from assistant.chain import QuestionError
from assistant.documents import DocumentNotFoundError
from assistant.feedback import FeedbackFullError, FeedbackStore
from assistant.ingest.sync import IndexBusyError
from assistant.service import Assistant
from assistant.types import Answer, Turn
from assistant.web.events import ANSWERING, PRIVATE, skip
from assistant.web.render import (
    TITLE,
    Exchange,
    Message,
    chat_messages,
    document_html,
    question_html,
    refusal_hint,
    scope_html,
    sources_html,
    streaming_html,
    viewer_error_html,
    without_secrets,
)
from assistant.web.scope import ScopeCache

_SKIP3 = skip(3)


def new_conversation_id() -> str:
    return uuid.uuid4().hex[:12]


def history_turns(exchanges: Sequence[Exchange]) -> list[Turn]:
    """What a follow-up question is asked with: earlier questions and answer texts."""
    turns: list[Turn] = []
    for question, answer in exchanges:
        turns += [Turn("user", question), Turn("assistant", answer.text)]
    return turns


def chat_js() -> str:
    """The chat's script (static/chat.js), run once the viewer's host component is in the page."""
    static = resources.files("assistant.web").joinpath("static")
    return static.joinpath("chat.js").read_text(encoding="utf-8")


@dataclass
class ChatHandlers:
    """The chat's callbacks: each one calls the assistant and returns rendered values."""

    assistant: Assistant
    feedback: FeedbackStore
    briefs: tempfile.TemporaryDirectory[str]
    scope: ScopeCache

    def respond(
        self, question: str, exchanges: list[Exchange], request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        hint = refusal_hint(self.scope.get())
        shown = chat_messages(exchanges, hint)
        pending = [*shown, {"role": "user", "content": question_html(question)}]
        yield "", [*pending, _assistant(streaming_html(""))], *_SKIP3
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
        messages = chat_messages(exchanges, hint)
        yield "", messages, sources_html(exchanges), exchanges, _brief_button(brief)

    def new_conversation(self) -> tuple[Any, ...]:
        return [], sources_html([]), [], _brief_button(None), "", new_conversation_id()

    def first_screen(self) -> Any:
        """The chat's empty state: what the assistant knows, with example questions."""
        return gr.Chatbot(placeholder=scope_html(self.scope.get()))

    def show_document(self, doc_id: object, start: object, end: object) -> str:
        """The viewer's content: an indexed document by id (never a path), with the quote at
        [start, end) highlighted; a one-line message when it is not in the index."""
        if not isinstance(doc_id, str) or not doc_id:
            return viewer_error_html("No document was named.")
        try:
            view = self.assistant.document(doc_id)
        except DocumentNotFoundError as exc:
            message = str(exc).splitlines()[0]
            if message.startswith("no document"):
                message = "This document is not in the index any more (it may have been removed)."
            return viewer_error_html(message)
        return document_html(view, _int(start), _int(end))

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


def chat_tab(app: gr.Blocks, h: ChatHandlers) -> gr.Chatbot:
    """Lays out the Chat tab (inside the app's gr.Tabs) and wires its events; returns the
    chatbot, whose first screen the layout refreshes when the documents change."""
    with gr.Tab("Chat", id="chat-tab"):
        exchanges = gr.State([])
        conversation = gr.State("")  # an id per conversation: which answer a rating is about
        with gr.Row(equal_height=False, elem_id="chat-row"):
            with gr.Column(scale=3, min_width=320, elem_id="chat-col"):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    height="min(560px, 62vh)",  # the question box stays on a phone's screen
                    latex_delimiters=[],
                    placeholder=scope_html(h.scope.get()),
                    buttons=[],  # the answer's own Copy button copies text with its sources
                    autoscroll=True,
                )
                question = gr.Textbox(
                    elem_id="question",
                    label="Your question",
                    show_label=False,
                    placeholder="Ask about the documents (Enter sends)",
                    lines=1,
                    max_lines=4,
                    submit_btn="Send",
                )
                with gr.Row(elem_id="chat-actions"):
                    new = gr.Button("New conversation", size="sm", elem_id="new-chat")
                    brief = gr.DownloadButton(
                        "Export as brief (.md)",
                        size="sm",
                        interactive=False,
                        elem_id="export-brief",
                    )
            with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
                gr.HTML('<h2 id="sources-heading">Sources</h2>', elem_id="sources-title")
                sources = gr.HTML(sources_html([]), elem_id="sources")
        # The viewer, the phone sheet, the quote preview and the announcements live here.
        gr.HTML(
            '<div class="chat-ui-root"></div>',
            elem_id="viewer-host",
            js_on_load=chat_js(),
            server_functions=[_server_function(h.show_document)],
        )

    answered = [question, chatbot, sources, exchanges, brief]
    question.submit(h.respond, [question, exchanges], answered, **ANSWERING)
    chatbot.like(h.like, [exchanges, conversation], None, **PRIVATE)
    cleared = [chatbot, sources, exchanges, brief, question, conversation]
    new.click(h.new_conversation, None, cleared, **PRIVATE)
    chatbot.clear(h.new_conversation, None, cleared, **PRIVATE)
    app.load(new_conversation_id, None, conversation, **PRIVATE)
    return chatbot


def _server_function(method: Any) -> Any:
    """The viewer's server function. Gradio hands it what the page sent as one argument (here
    {"doc": id, "start": n, "end": n}) and marks it with an attribute, which a bound method
    cannot take."""

    def show_document(request: Any) -> str:
        asked = request if isinstance(request, dict) else {}
        return str(method(asked.get("doc"), asked.get("start"), asked.get("end")))

    return show_document


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return -1


def _assistant(content: str) -> Message:
    return {"role": "assistant", "content": content}


def _brief_button(path: Path | None) -> Any:
    return gr.DownloadButton(value=str(path) if path else None, interactive=path is not None)
