"""`build_app(assistant)`: the Gradio Blocks, laid out and wired (not launched: see
`assistant.web.launch`). The header (title, what the answers come from in plain words, and the
About panel with the technical settings) above three tabs (chat, documents, evaluation), each
laid out and wired by its own module, and the `ask` API endpoint."""

import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.conversations import ConversationStore
from assistant.feedback import FeedbackStore
from assistant.service import Assistant
from assistant.web.api import ApiHandlers, api_endpoints
from assistant.web.chat import ChatHandlers, chat_tab
from assistant.web.documents import DocumentHandlers, documents_tab
from assistant.web.evaluation import EvaluationHandlers, evaluation_tab
from assistant.web.events import PRIVATE
from assistant.web.folders import remove_stale_folders
from assistant.web.render import TITLE, about_markdown, esc, scope_sentence
from assistant.web.scope import ScopeCache

BRIEFS_PREFIX = "assistant-briefs-"


def _briefs_folder() -> tempfile.TemporaryDirectory[str]:
    """Where the chat writes the briefs it offers for download: a temporary folder named after
    this process, removed at exit; folders left by a killed process are removed first."""
    remove_stale_folders(Path(tempfile.gettempdir()), prefix=BRIEFS_PREFIX)
    return tempfile.TemporaryDirectory(prefix=f"{BRIEFS_PREFIX}{os.getpid()}-")


def build_app(assistant: Assistant, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The Gradio app for an assistant (not launched: see `launch`)."""
    settings = assistant.settings
    chat = ChatHandlers(
        assistant,
        feedback
        or FeedbackStore(
            settings.data_dir / "feedback.jsonl", max_bytes=int(settings.max_feedback_mb * 1e6)
        ),
        _briefs_folder(),
        ScopeCache(assistant),
        ConversationStore(
            settings.data_dir / "conversations.sqlite3",
            max_conversations=settings.max_conversations,
            max_turns=settings.max_conversation_turns,
        ),
    )
    about = about_markdown(assistant.answerer_name, not settings.uses_llm, settings.k)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        with gr.Row(elem_id="header", equal_height=True):
            gr.HTML(f"<h1>{esc(TITLE)}</h1>", elem_id="title")
            gr.Button(
                "About this assistant",
                elem_id="about-toggle",
                size="sm",
                variant="secondary",
                scale=0,
                min_width=120,
            )
        scope_line = gr.Markdown(scope_sentence(chat.scope.get()), elem_id="scope-line")
        # Opened and closed in the page (static/chat.js); kept in the page while closed.
        with gr.Column(elem_id="about", elem_classes=["about-closed"]):
            gr.Markdown(about, elem_id="about-text")
            status = gr.Markdown(elem_id="status")
        with gr.Tabs():
            chatbot = chat_tab(app, chat)
            documents_tab(app, DocumentHandlers(assistant), status)
            evaluation_tab(EvaluationHandlers(assistant))
        api_endpoints(ApiHandlers(assistant))

        def first_screen() -> tuple[Any, str]:
            return chat.first_screen(), scope_sentence(chat.scope.get())

        # The documents tab refreshes the status line whenever the documents change.
        status.change(first_screen, None, [chatbot, scope_line], **PRIVATE)
    return app
