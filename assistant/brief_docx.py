"""The brief as a Word document (.docx, python-docx): the same content as the Markdown brief
(assistant/brief.py), for officials who write their memos in Word. Each question is a
heading, followed by the answer exactly as shown (with its [n] markers) or the refusal in words,
what was searched when it differs, and the numbered sources: title, date, section or page, and
the verbatim quote. Pure: returns the file's bytes, no I/O.

Text from documents, answers or users goes in as text runs (never as markup); characters XML
cannot hold (control characters) are dropped, as Word could not open the file with them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.document import Document as WordDocument
from docx.shared import Pt

from assistant.brief import Exchange, refused_sentence, source_location
from assistant.types import Citation

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TITLE = "Brief: questions on the Los Angeles Declaration documents"


def build_brief_docx(
    exchanges: Sequence[Exchange], *, title: str = TITLE, prepared: str = ""
) -> bytes:
    """The .docx file of a conversation; `prepared` is a date or time line to print."""
    doc = Document()
    doc.core_properties.title = _text(title)
    doc.add_heading(_text(title), level=0)
    intro = (
        "Each answer below was drawn from the indexed documents; every numbered source quotes "
        "verbatim the sentence the answer rests on."
    )
    doc.add_paragraph(f"Prepared {_text(prepared)}. {intro}" if prepared else intro)
    if not exchanges:
        doc.add_paragraph().add_run("No questions were asked.").italic = True
    for number, (question, answer) in enumerate(exchanges, 1):
        doc.add_heading(f"{number}. {_line(question)}", level=1)
        if answer.refused:
            doc.add_paragraph().add_run(refused_sentence(answer)).bold = True
        else:
            for line in _text(answer.text).strip().splitlines():
                if line.strip():
                    doc.add_paragraph(" ".join(line.split()))
        if answer.query.strip() and answer.query.strip() != question.strip():
            doc.add_paragraph().add_run(f"Searched for: {_line(answer.query)}").italic = True
        if answer.notice:
            doc.add_paragraph().add_run(f"Note: {_line(answer.notice)}").italic = True
        if answer.citations:
            doc.add_heading("Sources", level=2)
            for citation in answer.citations:
                _source(doc, citation)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _source(doc: WordDocument, c: Citation) -> None:
    head = doc.add_paragraph()
    head.add_run(f"[{c.n}] ").bold = True
    head.add_run(_line(c.title) or _line(c.doc_id)).italic = True
    where = source_location(c)
    if where:
        head.add_run(f", {_line(where)}")
    quote = doc.add_paragraph(f"“{_line(c.quote)}”", style="Quote")
    quote.paragraph_format.left_indent = Pt(18)
    ident = doc.add_paragraph()
    run = ident.add_run(f"Document {_line(c.doc_id)}")
    run.font.size = Pt(8)


def _text(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _line(text: object) -> str:
    return " ".join(_text(text).split())
