"""The Chat tab: the conversation with linked [n] markers, the source cards beside it, example
questions, ratings (feedback) and the brief export; its layout, callbacks and wiring.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints to hand them
the request and the event data.)
"""

import re
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.brief import build_brief
from assistant.chain import QuestionError
from assistant.feedback import FeedbackFullError, FeedbackStore
from assistant.indexing import IndexBusyError
from assistant.service import Assistant
from assistant.types import Answer, Turn
from assistant.web.events import ANSWERING, PRIVATE, skip
from assistant.web.render import (
    TITLE,
    Exchange,
    Message,
    chat_messages,
    question_html,
    sources_html,
    streaming_html,
    without_secrets,
)

EXAMPLES = (
    "How many people used CBP One?",
    "Which country hosted the third ministerial meeting?",
    "Who led the US delegation to the third ministerial meeting?",
    "How many individuals have been approved through Safe Mobility Offices?",
)
_SKIP3 = skip(3)


def new_conversation_id() -> str:
    return uuid.uuid4().hex[:12]


def history_turns(exchanges: Sequence[Exchange]) -> list[Turn]:
    """What a follow-up question is asked with: earlier questions and answer texts."""
    turns: list[Turn] = []
    for question, answer in exchanges:
        turns += [Turn("user", question), Turn("assistant", answer.text)]
    return turns


@dataclass
class ChatHandlers:
    """The chat's callbacks: each one calls the assistant and returns rendered values."""

    assistant: Assistant
    feedback: FeedbackStore
    briefs: tempfile.TemporaryDirectory[str]

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


def chat_tab(app: gr.Blocks, h: ChatHandlers) -> None:
    """Lays out the Chat tab (inside the app's gr.Tabs) and wires its events."""
    with gr.Tab("Chat", id="chat-tab"):
        exchanges = gr.State([])
        conversation = gr.State("")  # an id per conversation: which answer a rating is about
        with gr.Row(equal_height=False):
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
                        "Export as brief (.md)",
                        size="sm",
                        interactive=False,
                        elem_id="export-brief",
                    )
            with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html([]), elem_id="sources")

    answered = [question, chatbot, sources, exchanges, brief]
    question.submit(h.respond, [question, exchanges], answered, **ANSWERING)
    chatbot.example_select(h.example, None, question, **PRIVATE).then(
        h.respond, [question, exchanges], answered, **ANSWERING
    )
    chatbot.like(h.like, [exchanges, conversation], None, **PRIVATE)
    cleared = [chatbot, sources, exchanges, brief, question, conversation]
    new.click(h.new_conversation, None, cleared, **PRIVATE)
    chatbot.clear(h.new_conversation, None, cleared, **PRIVATE)
    app.load(new_conversation_id, None, conversation, **PRIVATE)


def _assistant(content: str) -> Message:
    return {"role": "assistant", "content": content}


def _brief_button(path: Path | None) -> Any:
    return gr.DownloadButton(value=str(path) if path else None, interactive=path is not None)
