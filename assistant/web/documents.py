"""The Documents tab: the table of indexed documents, adding files (validated, copied into the
corpus and indexed) and removing one; its layout, callbacks and wiring. It also refreshes the
status line above the tabs, which counts documents and chunks.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints.)
"""

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.corpus import SUPPORTED_SUFFIXES
from assistant.indexing import IndexBusyError
from assistant.redact import redact_urls
from assistant.service import Assistant
from assistant.types import DocRecord
from assistant.web.events import INDEXING, PRIVATE, PROGRESS, skip
from assistant.web.render import esc, md, status_markdown

DOC_HEADERS = ["Title", "Date", "Chunks", "Indexed (UTC)", "Id"]
_CONFIRM = "(id) => (id && confirm(`Remove ${id} from the corpus and the index?`)) ? id : null"


def document_rows(records: Sequence[DocRecord]) -> list[list[Any]]:
    return [
        [r.title, r.date or "-", r.chunks, r.indexed_at.replace("T", " ")[:16], r.doc_id]
        for r in records
    ]


@dataclass
class DocumentHandlers:
    """The documents' callbacks (and the status line's)."""

    assistant: Assistant

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

    def add(self, files: list[str] | None, progress: gr.Progress = PROGRESS) -> tuple[Any, ...]:
        paths = [Path(f) for f in files or []]
        if not paths:
            return ("Choose one or more files to add first.", *skip(4))
        progress(0, desc="Checking files")

        def embedded(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Embedding {done} of {total} chunks")

        try:
            report, rejected = self.assistant.add_files(paths, progress=embedded)
        except IndexBusyError as exc:
            return (f"Nothing added: {esc(exc)}", None, *skip(3))
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
            return (f"Nothing removed: {md(exc)}", *skip(3))
        message = (
            f"Removed **{md(doc_id)}** from the corpus and the index."
            if removed
            else f"No document {md(doc_id)}: it was already removed."
        )
        return (message, *self.documents())


def documents_tab(app: gr.Blocks, h: DocumentHandlers, status: gr.Markdown) -> None:
    """Lays out the Documents tab (inside the app's gr.Tabs) and wires its events; `status` is
    the status line above the tabs."""
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
                    label=f"Add documents ({types}; up to "
                    f"{h.assistant.settings.max_file_mb:g} MB each)",
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

    listed = [table, doc_id, status]
    add.click(h.add, upload, [added, upload, *listed], **INDEXING)
    remove.click(h.remove, doc_id, [removed, *listed], js=_CONFIRM, **INDEXING)
    app.load(h.documents, None, listed, **PRIVATE)


def _delete_uploads(paths: Sequence[Path]) -> None:
    """Remove uploaded files from Gradio's cache (and their folder, when it is left empty)."""
    for path in paths:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
