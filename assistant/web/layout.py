"""`build_app(assistant)`: the Gradio Blocks, laid out and wired (not launched: see
`assistant.web.launch`). The title and status line above three tabs (chat, documents,
evaluation), each laid out and wired by its own module, and the `ask` API endpoint."""

import tempfile

import gradio as gr

from assistant.feedback import FeedbackStore
from assistant.service import Assistant
from assistant.web.api import ApiHandlers, api_endpoints
from assistant.web.chat import ChatHandlers, chat_tab
from assistant.web.documents import DocumentHandlers, documents_tab
from assistant.web.evaluation import EvaluationHandlers, evaluation_tab
from assistant.web.render import TITLE


def build_app(assistant: Assistant, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The Gradio app for an assistant (not launched: see `launch`)."""
    settings = assistant.settings
    chat = ChatHandlers(
        assistant,
        feedback
        or FeedbackStore(
            settings.data_dir / "feedback.jsonl", max_bytes=int(settings.max_feedback_mb * 1e6)
        ),
        tempfile.TemporaryDirectory(prefix="assistant-briefs-"),  # removed at exit
    )
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        gr.Markdown(f"## {TITLE}", elem_id="title")
        status = gr.Markdown(elem_id="status")
        with gr.Tabs():
            chat_tab(app, chat)
            documents_tab(app, DocumentHandlers(assistant), status)
            evaluation_tab(EvaluationHandlers(assistant))
        api_endpoints(ApiHandlers(assistant))
    return app
