"""The Documents tab's HTML, as pure functions: the table of indexed documents with open,
download and remove on each row (and the remove confirmation), the read-only viewer of one
document, and the result of adding files (rejected ones in an error style, with reasons).
Every piece of text from documents, file names or errors is escaped where it is inserted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from assistant.documents import DocumentView
from assistant.text.dates import human_date
from assistant.types import DocRecord, FileError, SyncReport
from assistant.web.render import esc
from assistant.web.wording import num, plural, readable_utc

VIEWER_MAX_CHARS = 200_000  # the viewer shows at most this much text; the download has it all


@dataclass(frozen=True)
class Message:
    """A one-line result shown above the table: ok or error."""

    text: str  # plain text (escaped when shown)
    error: bool = False


def download_url(doc_id: str) -> str:
    """The API's route to a document's original file (ids may hold "/": encoded)."""
    return f"/api/v1/documents/{quote(doc_id, safe='')}/file"


def documents_html(
    records: Sequence[DocRecord], chunks: int, message: Message | None = None
) -> str:
    """The counts, the last removal's result, and the table with each row's actions."""
    count = (
        f'<p class="docs-count">{num(plural(len(records), "document"))} indexed, '
        f"{num(plural(chunks, 'passage'))}</p>"
    )
    shown = _message_html(message, "remove-result") if message else ""
    if not records:
        empty = '<p class="docs-empty">No document is indexed yet: add files below.</p>'
        return f"{count}{shown}{empty}"
    rows = "".join(_row(r) for r in records)
    return (
        f"{count}{shown}"
        '<table class="docs"><caption>Indexed documents</caption><thead><tr>'
        '<th scope="col">Title</th><th scope="col">Date</th><th scope="col">Passages</th>'
        '<th scope="col">Indexed</th><th scope="col">Actions</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>{_CONFIRM}"
    )


def _row(r: DocRecord) -> str:
    title = r.title or r.doc_id
    doc, named = esc(r.doc_id), esc(title)
    return (
        f'<tr data-doc="{doc}">'
        f'<td data-label="Title"><span class="doc-title">{named}</span>'
        f'<span class="doc-id">{doc}</span></td>'
        f'<td data-label="Date">{num(human_date(r.date) or "-")}</td>'
        f'<td data-label="Passages">{num(plural(r.chunks, "passage"))}</td>'
        f'<td data-label="Indexed">{num(readable_utc(r.indexed_at))}</td>'
        '<td data-label="Actions" class="doc-actions">'
        f'<button type="button" class="doc-act" data-action="open" data-doc="{doc}" '
        f'aria-label="Open {named}">Open</button>'
        f'<a class="doc-act" href="{esc(download_url(r.doc_id))}" download '
        f'aria-label="Download {named}">Download</a>'
        f'<button type="button" class="doc-act danger" data-action="remove" data-doc="{doc}" '
        f'data-title="{named}" aria-label="Remove {named}">Remove</button>'
        "</td></tr>"
    )


# A modal dialog: focus moves into it (to Cancel), Escape cancels, and closing it returns
# focus to the Remove button that opened it. The script fills in the document.
_CONFIRM = (
    '<dialog class="docs-confirm" aria-labelledby="docs-confirm-title" '
    'aria-describedby="docs-confirm-text">'
    '<h4 id="docs-confirm-title">Remove this document?</h4>'
    '<p id="docs-confirm-text"></p>'
    '<div class="docs-confirm-buttons">'
    '<button type="button" class="doc-act danger" data-action="confirm-remove">Remove</button>'
    '<button type="button" class="doc-act" data-action="cancel" autofocus>Cancel</button>'
    "</div></dialog>"
)


def viewer_html(view: DocumentView, opened: int) -> str:
    """One document, read-only: title, date, pages, a download link, and its text as the index
    has it (page by page when it has pages). `opened` makes each opening a new value, so the
    page re-renders and moves focus even when the same document is opened twice."""
    title = esc(view.title or view.doc_id)
    facts = [num(human_date(view.date)) if view.date else "no date"]
    if view.pages:
        facts.append(num(plural(len(view.pages), "page")))
    facts.append(f'<span class="doc-id">{esc(view.doc_id)}</span>')
    facts.append(f'<a href="{esc(download_url(view.doc_id))}" download>Download the original</a>')
    return (
        f'<section class="doc-viewer" data-doc="{esc(view.doc_id)}" data-opened="{opened}" '
        'aria-labelledby="doc-viewer-title">'
        '<div class="viewer-head">'
        f'<h3 id="doc-viewer-title" tabindex="-1">{title}</h3>'
        f'<button type="button" class="doc-act viewer-close" data-doc="{esc(view.doc_id)}" '
        f'aria-label="Close the viewer of {title}">Close</button></div>'
        f'<p class="viewer-meta">{" · ".join(facts)}</p>'
        f'<div class="doc-text" tabindex="0" role="region" aria-label="Text of {title}">'
        f"{_text_html(view)}</div></section>"
    )


def _text_html(view: DocumentView) -> str:
    text = view.text[:VIEWER_MAX_CHARS]
    cut = (
        f'<p class="viewer-cut">The first {VIEWER_MAX_CHARS:,} characters of '
        f"{len(view.text):,} are shown: download the original for the rest.</p>"
        if len(view.text) > VIEWER_MAX_CHARS
        else ""
    )
    pages = [(n, s, e) for n, s, e in view.pages if s < len(text)]
    if not pages:
        return f'<div class="doc-body">{esc(text)}</div>{cut}'
    parts = [
        f'<h4 class="doc-page">Page {num(n)}</h4><div class="doc-body">{esc(text[s:e])}</div>'
        for n, s, e in pages
    ]
    return "".join(parts) + cut


def viewer_error_html(error: str) -> str:
    return _message_html(Message(error, error=True), "doc-viewer-error")


def add_result_html(
    report: SyncReport | None, rejected: Sequence[FileError], error: str = ""
) -> str:
    """What adding files did: a summary line, then each rejected or failed file with its
    reason in an error style. `error` replaces the summary when nothing could run."""
    lines = []
    if error:
        lines.append(_message_html(Message(error, error=True)))
    elif report is not None:
        lines.append(_message_html(Message(_summary(report, bool(rejected)))))
    problems = [("Rejected", e) for e in rejected]
    problems += [("Failed", e) for e in (report.failed if report else ())]
    if problems:
        items = "".join(
            f'<li><strong>{word}:</strong> <span class="file">{esc(e.path)}</span>: '
            f"{esc(e.reason)}</li>"
            for word, e in problems
        )
        lines.append(
            f'<div class="docs-errors" role="alert"><p>'
            f"{plural(len(problems), 'file was', 'files were')} not added:</p>"
            f"<ul>{items}</ul></div>"
        )
    return "".join(lines)


def _summary(report: SyncReport, rejected: bool) -> str:
    done = [f"{len(report.added)} added"] if report.added else []
    done += [f"{len(report.updated)} updated"] if report.updated else []
    if done:
        return (
            f"Indexed: {', '.join(done)} ({plural(report.chunks_embedded, 'chunk')} embedded "
            f"in {report.seconds:.1f} s)."
        )
    if rejected or report.failed:
        return "Nothing was added."
    return "Nothing new to index: these files are already indexed with the same content."


def _message_html(message: Message, element_id: str = "") -> str:
    kind = "error" if message.error else "ok"
    role = "alert" if message.error else "status"
    ident = f' id="{element_id}"' if element_id else ""
    return (
        f'<p{ident} class="docs-message {kind}" role="{role}" tabindex="-1">{esc(message.text)}</p>'
    )
