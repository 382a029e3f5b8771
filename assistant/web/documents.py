"""The Documents tab: the table of indexed documents with open, download and remove on each
row (remove after a confirmation), a read-only viewer, and adding files (validated, copied into
the corpus and indexed, with one progress bar); its layout, callbacks and wiring. The HTML is in
documents_view.py. It also refreshes the status line above the tabs, which counts documents and
chunks.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints.)
"""

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.documents import DocumentNotFoundError
from assistant.ingest.files import SUPPORTED_SUFFIXES
from assistant.ingest.sync import IndexBusyError
from assistant.redact import redact_urls
from assistant.service import Assistant
from assistant.web.documents_view import (
    Message,
    add_result_html,
    documents_html,
    viewer_error_html,
    viewer_html,
)
from assistant.web.events import INDEXING, PRIVATE, PROGRESS, skip
from assistant.web.render import status_markdown

# The table's row actions: "open" asks the server for the viewer (a `click` event), "remove"
# opens the confirmation dialog and, once confirmed, asks the server to remove (a `submit`
# event). After a removal, focus moves to its result (the row is gone).
_TABLE_JS = """
const dialog = () => element.querySelector('dialog.docs-confirm');
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const action = button.dataset.action;
  if (action === 'open') {
    trigger('click', {doc_id: button.dataset.doc});
  } else if (action === 'remove') {
    const d = dialog();
    d.dataset.doc = button.dataset.doc;
    d.querySelector('#docs-confirm-text').textContent =
      `Remove “${button.dataset.title}” (${button.dataset.doc}) from the corpus folder and ` +
      'the index? It can be added again later from its file.';
    d.showModal();
  } else if (action === 'confirm-remove') {
    const d = dialog();
    d.close();
    trigger('submit', {doc_id: d.dataset.doc});
  } else if (action === 'cancel') {
    dialog().close();
  }
});
watch('value', () => {
  const message = element.querySelector('#remove-result');
  if (message) message.focus();
});
// The upload zone's accessible name holds its visible words (WCAG 2.5.3, Label in Name):
// Gradio names it by the component's label alone.
const nameUpload = () => document.querySelectorAll('#upload .upload-container[aria-label]')
  .forEach((zone) => {
    const seen = (zone.innerText || '').replace(/\\s+/g, ' ').trim();
    const name = zone.getAttribute('aria-label') || '';
    if (seen && !name.toLowerCase().includes(seen.toLowerCase())) {
      zone.setAttribute('aria-label', `${seen}: ${name}`);
    }
  });
nameUpload();
new MutationObserver(nameUpload).observe(document.body, {childList: true, subtree: true});
"""

# The viewer takes focus when a document is opened; Close (or Escape) hides it and gives focus
# back to the Open button of its row.
_VIEWER_JS = """
const close = () => {
  const panel = element.querySelector('.doc-viewer');
  if (!panel || panel.hidden) return;
  panel.hidden = true;
  const opener = document.querySelector(
    `#docs-table button[data-action="open"][data-doc="${CSS.escape(panel.dataset.doc)}"]`);
  if (opener) opener.focus();
};
element.addEventListener('click', (event) => {
  if (event.target.closest('button.viewer-close')) close();
});
element.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') close();
});
watch('value', () => {
  const target = element.querySelector('#doc-viewer-title, #doc-viewer-error');
  if (target) target.focus();
});
"""


@dataclass
class DocumentHandlers:
    """The documents' callbacks (and the status line's)."""

    assistant: Assistant

    def documents(self, message: Message | None = None) -> tuple[str, str]:
        """The table (with `message` above it) and the status line, both counted now."""
        a = self.assistant
        records, chunks = a.documents(), a.store.chunk_count()
        status = status_markdown(
            redact_urls(a.answerer_name), a.embedder.model_name, len(records), chunks
        )
        return documents_html(records, chunks, message), status

    def add(self, files: list[str] | None, progress: gr.Progress = PROGRESS) -> tuple[Any, ...]:
        paths = [Path(f) for f in files or []]
        if not paths:
            return (add_result_html(None, [], "Choose one or more files to add first."), *skip(3))
        progress(0, desc="Checking files")

        def embedded(done: int, total: int) -> None:
            chunks = "chunk" if total == 1 else "chunks"
            progress(done / total if total else 1.0, desc=f"Embedding {done} of {total} {chunks}")

        try:
            report, rejected = self.assistant.add_files(paths, progress=embedded)
        except IndexBusyError as exc:
            return (add_result_html(None, [], f"Nothing added: {exc}"), None, *skip(2))
        finally:
            _delete_uploads(paths)
        return (add_result_html(report, rejected), None, *self.documents())

    def open(self, evt: gr.EventData) -> tuple[str, str]:
        """The viewer of the document a row's Open button names, and its id (kept)."""
        doc_id = _event_doc(evt)
        try:
            view = self.assistant.document(doc_id)
        except DocumentNotFoundError as exc:
            return viewer_error_html(f"The document cannot be opened: {exc}"), ""
        return viewer_html(view, time.monotonic_ns()), doc_id

    def remove(self, opened: str, evt: gr.EventData) -> tuple[Any, ...]:
        """Remove the document a row names (confirmed on the page); the table, the status line,
        and the viewer (emptied when it showed that document)."""
        doc_id = _event_doc(evt)
        if doc_id not in {r.doc_id for r in self.assistant.documents()}:
            shown = doc_id if len(doc_id) <= 200 else doc_id[:199] + "…"
            message = Message(f"Nothing removed: {shown} is not indexed (any more).", True)
            return (*self.documents(message), *skip(2))
        try:
            self.assistant.remove(doc_id)
        except (IndexBusyError, ValueError) as exc:
            return (*self.documents(Message(f"Nothing removed: {exc}", True)), *skip(2))
        message = Message(f"Removed {doc_id} from the corpus and the index.")
        viewer = ("", "") if opened == doc_id else skip(2)
        return (*self.documents(message), *viewer)


def _event_doc(evt: gr.EventData) -> str:
    data = getattr(evt, "_data", None)
    value = data.get("doc_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def documents_tab(app: gr.Blocks, h: DocumentHandlers, status: gr.Markdown) -> None:
    """Lays out the Documents tab (inside the app's gr.Tabs) and wires its events; `status` is
    the status line above the tabs."""
    with gr.Tab("Documents", id="docs-tab", elem_id="docs-panel"):
        table = gr.HTML(elem_id="docs-table", js_on_load=_TABLE_JS)
        viewer = gr.HTML(elem_id="doc-viewer", js_on_load=_VIEWER_JS)
        opened = gr.State("")
        types = sorted(SUPPORTED_SUFFIXES)
        upload = gr.File(
            label=f"Add documents ({', '.join(types)}; up to "
            f"{h.assistant.settings.max_file_mb:g} MB each)",
            file_count="multiple",
            file_types=types,
            type="filepath",
            height=200,
            elem_id="upload",
        )
        add = gr.Button("Add to the index", variant="primary", elem_id="add-docs")
        added = gr.HTML(elem_id="add-result", js_on_load=None)

    listed = [table, status]
    add.click(h.add, upload, [added, upload, *listed], show_progress_on=[added], **INDEXING)
    table.click(h.open, None, [viewer, opened], show_progress="minimal", **PRIVATE)
    table.submit(h.remove, opened, [*listed, viewer, opened], show_progress="minimal", **INDEXING)
    app.load(h.documents, None, listed, **PRIVATE)


def _delete_uploads(paths: Sequence[Path]) -> None:
    """Remove uploaded files from Gradio's cache (and their folder, when it is left empty)."""
    for path in paths:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
