"""The Chat tab: the conversation with linked [n] markers, the source cards beside it, the
document viewer, the first screen (what the assistant knows, example questions), ratings
(feedback), the brief export (.md and .docx) and the saved conversations (a sidebar: listed,
reopened, renamed, deleted; kept per user by assistant.conversations); its layout, callbacks
and wiring.

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
from assistant.brief_docx import build_brief_docx
from assistant.chain import QuestionError
from assistant.conversations import (
    LOCAL_USER,
    ConversationError,
    ConversationStore,
    ConversationSummary,
    Saved,
)
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

# The outputs the saved conversations' callbacks return, in order (see chat_tab's wiring)
SAVED = ("conversation", "saved", "manage", "name", "confirm_row", "note")
CONVERSATION = ("chatbot", "sources", "exchanges", "brief", "word", "question", *SAVED)
_DELETE_ASK = "Delete this conversation for good? Its questions and answers cannot be restored."


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
    conversations: ConversationStore

    def respond(
        self, question: str, exchanges: list[Exchange], conversation: str, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        """Outputs: question, chatbot, sources, exchanges, the two brief buttons, then the
        saved conversations' outputs from `conversation_id` on (SAVED)."""
        question = question or ""
        hint = refusal_hint(self.scope.get())
        shown = chat_messages(exchanges, hint)
        pending = [*shown, {"role": "user", "content": question_html(question)}]
        rest = skip(4 + len(SAVED))
        yield "", [*pending, _assistant(streaming_html(""))], *rest
        text, answer = "", None
        try:
            for piece in self.assistant.stream(question, history_turns(exchanges)):
                if isinstance(piece, Answer):
                    answer = without_secrets(piece)
                    break
                text += piece
                yield gr.skip(), [*pending, _assistant(streaming_html(text))], *rest
        except (QuestionError, IndexBusyError) as exc:
            # A warning, not an error: an error would leave the chat greyed out.
            gr.Warning(str(exc))
            yield question, shown, *rest
            return
        assert answer is not None
        conversation = conversation or new_conversation_id()
        saved = self._save(request, conversation, question, answer)
        exchanges = [*exchanges, (question, answer)]
        messages = chat_messages(exchanges, hint)
        yield (
            "",
            messages,
            sources_html(exchanges),
            exchanges,
            *self._briefs(exchanges, request),
            *self._saved_list(request, conversation, note=saved),
        )

    # --- saved conversations --------------------------------------------------------------

    def load(self, remembered: str, request: gr.Request) -> tuple[Any, ...]:
        """The page opened (or reloaded): the conversation this browser had open, when it is
        still this user's, else a new one; and the user's list."""
        shown = self.new_conversation(request)
        if remembered:
            try:
                conversation = self.conversations.get(user_of(request), remembered)
                shown = self._open(request, conversation)
            except ConversationError:
                pass
        # what was typed while the page loaded stays in the question box
        return (*shown[:5], gr.skip(), *shown[6:])

    def new_conversation(self, request: gr.Request) -> tuple[Any, ...]:
        """Outputs CONVERSATION: an empty chat under a new id."""
        return (
            [],
            sources_html([]),
            [],
            *_brief_buttons(None),
            "",
            *self._saved_list(request, new_conversation_id()),
        )

    def open_conversation(self, chosen: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not chosen:
            return skip(len(CONVERSATION))
        try:
            conversation = self.conversations.get(user_of(request), chosen)
        except ConversationError as exc:
            return (*skip(len(CONVERSATION) - 1), str(exc))
        return self._open(request, conversation)

    def rename(self, conversation: str, name: str, request: gr.Request) -> tuple[Any, ...]:
        """Outputs SAVED."""
        try:
            title = self.conversations.rename(user_of(request), conversation, name)
        except ConversationError as exc:
            return (*skip(len(SAVED) - 1), str(exc))
        return self._saved_list(request, conversation, note=f"Renamed to “{title}”.")

    def ask_delete(self) -> tuple[Any, ...]:
        """Outputs: the confirmation row, its question."""
        return gr.Column(visible=True), _DELETE_ASK

    def cancel_delete(self) -> tuple[Any, ...]:
        return gr.Column(visible=False), ""

    def delete(self, conversation: str, request: gr.Request) -> tuple[Any, ...]:
        """Outputs CONVERSATION: the conversation deleted, a new one open."""
        user = user_of(request)
        title = next(
            (c.title for c in self._summaries(user) if c.id == conversation), "the conversation"
        )
        try:
            self.conversations.delete(user, conversation)
        except ConversationError as exc:
            return (*skip(len(CONVERSATION) - 1), str(exc))
        fresh = self.new_conversation(request)
        return (*fresh[:-1], f"Deleted “{title}”.")

    def _open(self, request: gr.Request, conversation: Any) -> tuple[Any, ...]:
        exchanges = list(conversation.exchanges)
        hint = refusal_hint(self.scope.get())
        return (
            chat_messages(exchanges, hint),
            sources_html(exchanges),
            exchanges,
            *self._briefs(exchanges, request),
            "",
            *self._saved_list(request, conversation.id),
        )

    def _saved_list(
        self, request: gr.Request, conversation: str, note: Saved | str = ""
    ) -> tuple[Any, ...]:
        """Outputs SAVED: the id, the list (this one selected when saved), the tools for the
        open conversation (shown when it is saved), its name, the confirmation row, a note."""
        summaries = self._summaries(user_of(request))
        current = next((c for c in summaries if c.id == conversation), None)
        choices = [(c.title, c.id) for c in summaries]
        return (
            conversation,
            gr.Radio(choices=choices, value=current.id if current else None),
            gr.Group(visible=current is not None),
            current.title if current else "",
            gr.Column(visible=False),
            _note(note, self.conversations),
        )

    def _summaries(self, user: str) -> list[ConversationSummary]:
        try:
            return self.conversations.summaries(user)
        except ConversationError as exc:
            gr.Warning(str(exc))
            return []

    def _save(self, request: gr.Request, conversation: str, question: str, answer: Answer) -> Saved:
        try:
            return self.conversations.append(user_of(request), conversation, question, answer)
        except ConversationError as exc:
            gr.Warning(f"The answer is shown but was not saved: {exc}")
            return Saved()

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

    def _briefs(self, exchanges: Sequence[Exchange], request: gr.Request) -> tuple[Any, Any]:
        """The two brief buttons (.md and .docx), each with the conversation written out."""
        if not exchanges:
            return _brief_buttons(None)
        now = datetime.now(UTC)
        folder = (
            Path(self.briefs.name) / re.sub(r"\W", "", request.session_hash or "anonymous")[:64]
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"declaration-brief-{now:%Y-%m-%d}.md"
        prepared = f"{now:%Y-%m-%d %H:%M} UTC by the {TITLE} ({self.assistant.answerer_name})"
        path.write_text(build_brief(exchanges, prepared=prepared), encoding="utf-8")
        word = path.with_suffix(".docx")
        word.write_bytes(build_brief_docx(exchanges, prepared=prepared))
        return _brief_buttons(path, word)


def chat_tab(app: gr.Blocks, h: ChatHandlers) -> gr.Chatbot:
    """Lays out the Chat tab (inside the app's gr.Tabs) and its sidebar of saved
    conversations, and wires their events; returns the chatbot, whose first screen the layout
    refreshes when the documents change."""
    with gr.Tab("Chat", id="chat-tab"):
        exchanges = gr.State([])
        # the open conversation's id: what is saved, and which answer a rating is about
        conversation = gr.State("")
        remembered = gr.BrowserState("")  # which one this browser had open, for a reload
        # closed as laid out; the page opens it where there is room (static/chat.js)
        with gr.Sidebar(
            label="Saved conversations", open=False, width=248, elem_id="saved-sidebar"
        ):
            gr.HTML('<h2 id="saved-heading">Saved conversations</h2>')
            saved = gr.Radio(
                choices=[],
                label="Saved conversations, most recent first",
                show_label=False,
                elem_id="saved-list",
            )
            gr.Markdown(
                "Each conversation is saved as you ask; only you see yours.",
                elem_id="saved-help",
            )
            with gr.Group(visible=False, elem_id="saved-manage") as manage:
                name = gr.Textbox(
                    label="Name of this conversation", max_lines=1, elem_id="saved-name"
                )
                with gr.Row():
                    rename = gr.Button("Rename", size="sm", elem_id="rename-chat")
                    delete = gr.Button("Delete…", size="sm", elem_id="delete-chat")
            with gr.Column(visible=False, elem_id="delete-confirm") as confirm_row:
                confirm_text = gr.Markdown(elem_id="delete-question")
                confirm = gr.Button(
                    "Delete for good", size="sm", variant="stop", elem_id="confirm-delete"
                )
                cancel = gr.Button("Keep it", size="sm", elem_id="cancel-delete")
            note = gr.Markdown(elem_id="saved-note")
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
                    word = gr.DownloadButton(
                        "Export as Word (.docx)",
                        size="sm",
                        interactive=False,
                        elem_id="export-docx",
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

    listed = [conversation, saved, manage, name, confirm_row, note]
    shown = [chatbot, sources, exchanges, brief, word, question, *listed]
    answered = [question, chatbot, sources, exchanges, brief, word, *listed]
    question.submit(h.respond, [question, exchanges, conversation], answered, **ANSWERING)
    chatbot.like(h.like, [exchanges, conversation], None, **PRIVATE)
    # No chatbot.clear listener: it would add a trash icon that clears without asking.
    new.click(h.new_conversation, None, shown, **PRIVATE)
    saved.input(h.open_conversation, saved, shown, **PRIVATE)
    rename.click(h.rename, [conversation, name], listed, **PRIVATE)
    name.submit(h.rename, [conversation, name], listed, **PRIVATE)
    delete.click(h.ask_delete, None, [confirm_row, confirm_text], **PRIVATE)
    cancel.click(h.cancel_delete, None, [confirm_row, confirm_text], **PRIVATE)
    confirm.click(h.delete, conversation, shown, **PRIVATE)
    conversation.change(lambda c: c, conversation, remembered, **PRIVATE)
    app.load(h.load, remembered, shown, **PRIVATE)
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


def _brief_buttons(markdown: Path | None, word: Path | None = None) -> tuple[Any, Any]:
    return (
        gr.DownloadButton(value=str(markdown) if markdown else None, interactive=bool(markdown)),
        gr.DownloadButton(value=str(word) if word else None, interactive=bool(word)),
    )


def user_of(request: gr.Request) -> str:
    """Whose conversations: the signed-in user, or the one local user without a login."""
    return str(getattr(request, "username", None) or LOCAL_USER)


def _note(note: Saved | str, store: ConversationStore) -> str:
    """One line after saving: what had to give way to the bounds, if anything."""
    if isinstance(note, str):
        return note
    if note.full:
        return (
            f"This conversation has reached {store.max_turns} questions and is no longer "
            "saved: start a new conversation to keep saving."
        )
    if note.removed:
        names = ", ".join(f"“{t}”" for t in note.removed)
        return (
            f"Removed your least recently used {names}: at most "
            f"{store.max_conversations} conversations are kept."
        )
    return ""
