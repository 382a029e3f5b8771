"""Loaders and hostile-file validation of assistant.ingest, on real files made in tmp_path."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.ingest.chunking import page_at, pysbd_splitter, split_units
from assistant.ingest.files import (
    LOADERS_VERSION,
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    CorpusError,
    load_document,
    safe_name,
    scan_corpus,
    validate_file,
)
from assistant.ingest.structure import (
    MAX_CONTEXT_CHARS,
    MAX_HEADING_CHARS,
    MAX_SECTION_CHARS,
    MAX_TITLE_CHARS,
)
from assistant.types import Sentence, SourceDoc
from assistant.units import is_answer_unit, unit_display

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "corpus" / "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"


# ---------------------------------------------------------------------------------------------
# fixture builders


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def fpdf_bytes(pages: int = 3, title: str = "Quarterly Migration Report") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_creation_date(datetime(2023, 4, 5, tzinfo=UTC))
    pdf.set_font("Helvetica", size=12)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 10, f"Page {n} says hello. Second sentence on page {n}.")
    return bytes(pdf.output())


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(fpdf_bytes()))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(content_stream: bytes) -> bytes:
    """A minimal one-page PDF, built by hand, whose page content is a FlateDecode stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content_stream)
        + content_stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def flate_bomb(inflated_bytes: int) -> bytes:
    """Page content: one line of text, then `inflated_bytes` of spaces, compressed ~1000:1."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(b"BT /F1 12 Tf 72 720 Td (Hello from the bomb) Tj ET\n")]
    block = b" " * 1_000_000
    parts += [compressor.compress(block) for _ in range(inflated_bytes // len(block))]
    parts.append(compressor.flush())
    return raw_pdf(b"".join(parts))


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Overview", level=1)
    document.add_paragraph("The declaration has three pillars.")
    document.add_paragraph("")  # empty paragraphs are dropped
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("Country", "Pledge"), ("Canada", "15,000 migrants")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("Next Steps", level=2)
    document.add_paragraph("A permanent secretariat will follow.")
    document.core_properties.title = "Declaration Brief"
    document.core_properties.created = datetime(2024, 5, 8, 9, 30)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx(inflated_bytes: int) -> bytes:
    """The parts of a real .docx, with word/document.xml padded by `inflated_bytes` of spaces."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as real:
        members = {name: real.read(name) for name in real.namelist()}
    xml = members["word/document.xml"]
    members["word/document.xml"] = xml.replace(b"<w:body>", b"<w:body>" + b" " * inflated_bytes)
    return zip_bytes(members)


HTML = """<!doctype html>
<html><head><title>Los Angeles Declaration | Fact Sheet</title>
<meta name="date" content="2024-05-08T10:00:00Z"><style>p { color: red }</style>
<script>var secret = "SCRIPT TEXT";</script></head>
<body>
<header>SITE HEADER</header>
<nav><a href="/">NAV LINK</a></nav>
<main>
  <article>
    <h1>Third Ministerial Meeting</h1>
    <p>Guatemala hosted the <b>third</b> ministerial.<br>Twenty-one countries came.</p>
    <div hidden>HIDDEN ATTRIBUTE</div>
    <p aria-hidden="true">ARIA HIDDEN</p>
    <p style="color: blue; DISPLAY : none">DISPLAY NONE</p>
    <span style="visibility:hidden">VISIBILITY HIDDEN</span>
    <!-- A COMMENT -->
    <noscript>NOSCRIPT TEXT</noscript>
    <template><p>TEMPLATE TEXT</p></template>
    <svg><text>SVG TEXT</text></svg>
    <h2>Legal Pathways</h2>
    <ul><li>Safe Mobility Offices</li><li>Labor pathways</li></ul>
    <table><tr><th>Country</th><th>Pledge</th></tr><tr><td>Canada</td><td>15,000</td></tr></table>
    <form><input type="text" value="FORM TEXT"><label>FORM LABEL</label></form>
    <aside>ASIDE TEXT</aside>
  </article>
</main>
<footer>SITE FOOTER</footer>
<script>document.write("LATE SCRIPT")</script>
</body></html>
"""

MARKDOWN = """---
title: Pillars of the Declaration
date: 2024-05-08
tags: [migration, protection]
nested: {a: 1}
---
# Pillars

Intro paragraph.

```text
# not a heading inside a code fence
```

## Legal Pathways ##

More text.
"""


def assert_one_line_reason(exc: CorpusError, tmp_path: Path) -> None:
    message = str(exc)
    assert message and "\n" not in message
    assert str(tmp_path) not in message
    assert "Traceback" not in message


# ---------------------------------------------------------------------------------------------
# the shipped document


def test_shipped_document_loads_exactly() -> None:
    doc = load_document(SHIPPED, SHIPPED.parent)
    raw = SHIPPED.read_bytes()
    assert doc.id == SHIPPED.name
    assert doc.path == str(SHIPPED)
    assert doc.text == raw.decode("utf-8")
    assert doc.title.startswith("Fact Sheet: Third Ministerial Meeting")
    assert doc.date == "2024-05-08"
    headings = [heading for _, heading in doc.sections]
    assert "Strengthening Human Implementation" in headings
    for start, heading in doc.sections:
        assert doc.text[start : start + len(heading)] == heading
    import hashlib

    sidecar = SHIPPED.with_name(SHIPPED.name + SIDECAR_SUFFIX).read_bytes()
    assert doc.sha256 == hashlib.sha256(LOADERS_VERSION + raw + sidecar).hexdigest()


# ---------------------------------------------------------------------------------------------
# .txt


def test_txt_text_is_exact_and_sections_follow_the_rules(tmp_path: Path) -> None:
    text = (
        "Overview\r\n\r\nFirst paragraph.\r\n\r\n"
        "Not a heading because it ends with a colon:\n\n"
        "lowercase start is not a heading\n\n"
        "Stands Alone\nbut is followed by text\n\n"
        "   Indented Heading   \n\n"
        "A Heading With Exactly Ten Words Here One Two Three\n\n"
        "Way too many words to be a heading one two three four five six\n\n"
        "Last Line"
    )
    doc = load_document(write(tmp_path / "notes.txt", text), tmp_path)
    assert doc.text == text
    assert doc.title == "Notes"
    assert doc.date == ""
    assert [h for _, h in doc.sections] == [
        "Overview",
        "Indented Heading",
        "A Heading With Exactly Ten Words Here One Two Three",
    ]
    for start, heading in doc.sections:
        assert doc.text[start : start + len(heading)] == heading


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xef\xbb\xbfHello BOM\n", "Hello BOM\n"),
        ("Caf\u00e9 \u201cquoted\u201d\n".encode("cp1252"), "Caf\u00e9 \u201cquoted\u201d\n"),
        ("UTF-16 text\n".encode("utf-16"), "UTF-16 text\n"),
        ("Plain ünïcode\n".encode(), "Plain ünïcode\n"),
    ],
    ids=["utf8-bom", "cp1252", "utf16-bom", "utf8"],
)
def test_txt_encodings(tmp_path: Path, raw: bytes, expected: str) -> None:
    assert load_document(write(tmp_path / "t.txt", raw), tmp_path).text == expected


def test_sidecar_overrides_and_changes_the_hash(tmp_path: Path) -> None:
    path = write(tmp_path / "reports" / "2024-notes_final.txt", "Some text.\n")
    bare = load_document(path, tmp_path)
    assert (bare.id, bare.title, bare.date) == (
        "reports/2024-notes_final.txt",
        "2024 notes final",
        "",
    )
    sidecar = write(
        path.with_name(path.name + SIDECAR_SUFFIX), "title: Real Title\ndate: 2024-01-02\n"
    )
    first = load_document(path, tmp_path)
    assert (first.title, first.date) == ("Real Title", "2024-01-02")
    assert first.meta["title"] == "Real Title"
    sidecar.write_text("title: Real Title\ndate: 2024-01-03\n")
    second = load_document(path, tmp_path)
    assert len({bare.sha256, first.sha256, second.sha256}) == 3


# ---------------------------------------------------------------------------------------------
# .md


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "pillars.md", MARKDOWN), tmp_path)
    assert doc.text == (
        "Pillars\n\nIntro paragraph.\n\n# not a heading inside a code fence\n\n"
        "Legal Pathways\n\nMore text."
    )
    assert doc.title == "Pillars of the Declaration"
    assert doc.date == "2024-05-08"
    assert doc.meta == {
        "title": "Pillars of the Declaration",
        "date": "2024-05-08",
        "tags": "migration, protection",
    }
    # the single top heading names the document: it is left out of the paths below it
    assert [h for _, h in doc.sections] == ["Pillars", "Legal Pathways"]
    assert [doc.text[s:].split("\n", 1)[0] for s, _ in doc.sections] == [
        "Pillars",
        "Legal Pathways",
    ]
    assert [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks] == [
        ("heading", "Pillars"),
        ("heading", "Legal Pathways"),
    ]


def test_markdown_without_front_matter_keeps_rules_and_uses_h1(tmp_path: Path) -> None:
    text = "---\nNot YAML mapping, just a rule above\n---\n\n# The Heading\n\nBody.\n"
    doc = load_document(write(tmp_path / "x.md", text), tmp_path)
    assert doc.text == "Not YAML mapping, just a rule above\n\nThe Heading\n\nBody."
    assert doc.title == "The Heading"


def test_markdown_front_matter_aliases_cannot_expand(tmp_path: Path) -> None:
    laughs = "a: &a [" + ", ".join(["lol"] * 50) + "]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        laughs += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 50) + "]\n"
    text = f"---\ntitle: Laughs\n{laughs}---\nBody.\n"
    started = time.monotonic()
    doc = load_document(write(tmp_path / "laughs.md", text), tmp_path)
    assert time.monotonic() - started < 5
    assert doc.text == "Body."
    assert set(doc.meta) == {"title", "a"}


def test_markdown_broken_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "x.md", "---\ntitle: [unclosed\n---\nBody\n")
    with pytest.raises(CorpusError, match="front matter is not valid YAML"):
        load_document(path, tmp_path)


# ---------------------------------------------------------------------------------------------
# .html


def test_html_keeps_main_text_only(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "page.html", HTML), tmp_path)
    assert doc.text == (
        "Third Ministerial Meeting\n\n"
        "Guatemala hosted the third ministerial.\nTwenty-one countries came.\n\n"
        "Legal Pathways\n\n"
        "• Safe Mobility Offices\n"
        "• Labor pathways\n\n"
        "Country: Canada; Pledge: 15,000"
    )
    assert doc.title == "Los Angeles Declaration | Fact Sheet"
    assert doc.date == "2024-05-08"
    assert doc.sections == (
        (0, "Third Ministerial Meeting"),
        (doc.text.index("Legal Pathways"), "Legal Pathways"),
    )
    assert not re.search(r"[A-Z]{3,} [A-Z]{3,}", doc.text)  # none of the dropped CAPS markers


def test_html_page_furniture_inside_the_article_is_dropped(tmp_path: Path) -> None:
    html = (
        "<html><body><main><article>"
        '<p class="breadcrumb"><a href="/">Home</a> › Lima 2022</p>'
        "<h1>Lima meeting</h1>"
        '<p class="byline">Published <time datetime="2022-10-06">6 October 2022</time></p>'
        "<p>Ministers met in Lima.</p>"
        '<div id="cookie-banner">We use cookies.</div>'
        '<p class="share">Share this: Email · Print</p>'
        '<aside class="related">Related briefings</aside>'
        '<div class="article-body"><p>They agreed on eleven action packages.</p></div>'
        "</article></main></body></html>"
    )
    doc = load_document(write(tmp_path / "lima.html", html), tmp_path)
    assert doc.text == (
        "Lima meeting\n\nMinisters met in Lima.\n\nThey agreed on eleven action packages."
    )
    assert doc.date == "2022-10-06"  # read before the byline goes


def test_html_without_main_uses_body_and_h1_title(tmp_path: Path) -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2023-11-30"></head>'
        "<body><header>SITE</header><h1>Only Heading</h1><div>One<div>Two</div></div>"
        "<footer>FOOT</footer></body></html>"
    )
    doc = load_document(write(tmp_path / "a.htm", html), tmp_path)
    assert (doc.text, doc.title, doc.date) == (
        "Only Heading\n\nOne\n\nTwo",
        "Only Heading",
        "2023-11-30",
    )


# ---------------------------------------------------------------------------------------------
# .pdf


def test_pdf_pages_title_and_date(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "report.pdf", fpdf_bytes()), tmp_path)
    assert doc.title == "Quarterly Migration Report"
    assert doc.date == "2023-04-05"
    assert [p[0] for p in doc.pages] == [1, 2, 3]
    for number, start, end in doc.pages:
        assert doc.text[start:end] == f"Page {number} says hello. Second sentence on page {number}."
    assert doc.text.count("\n\n") == 2


def test_pdf_with_broken_startxref_is_recovered(tmp_path: Path) -> None:
    data = fpdf_bytes()
    tail = data.rindex(b"startxref")
    broken = data[:tail] + re.sub(rb"startxref\s+\d+", b"startxref\n999999", data[tail:])
    assert broken != data
    doc = load_document(write(tmp_path / "broken.pdf", broken), tmp_path)
    assert "Page 3 says hello" in doc.text


def test_pdf_with_only_an_owner_password_loads(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "owner.pdf", encrypted_pdf("")), tmp_path)
    assert "Page 1 says hello" in doc.text


def test_pdf_decompression_bomb_is_bounded(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.pdf", flate_bomb(200_000_000))
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CorpusError, match="decompression bomb") as info:
            load_document(path, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 150_000_000
    assert_one_line_reason(info.value, tmp_path)


def test_pdf_stream_under_the_limit_still_loads_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    doc = load_document(write(tmp_path / "big.pdf", flate_bomb(5_000_000)), tmp_path)
    assert doc.text.strip() == "Hello from the bomb"
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------------------------------------
# .docx


def test_docx_paragraphs_tables_headings_and_properties(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "brief.docx", docx_bytes()), tmp_path)
    assert doc.text == (
        "Overview\n\nThe declaration has three pillars.\n\n"
        "Country: Canada; Pledge: 15,000 migrants\n\n"
        "Next Steps\n\nA permanent secretariat will follow."
    )
    # the single top heading names the document: left out of the paths below it
    assert doc.sections == ((0, "Overview"), (doc.text.index("Next Steps"), "Next Steps"))
    assert (doc.title, doc.date) == ("Declaration Brief", "2024-05-08")


# ---------------------------------------------------------------------------------------------
# structure: headings, lists with their lead-in, tables with header and caption, FAQ parts;
# no markup in the text, and every unit's text is exactly its span of the document's text


def blocks_of(doc: SourceDoc, kind: str) -> list[tuple[str, str]]:
    """(text, context) of the document's blocks of one kind."""
    return [(doc.text[b.start : b.end], b.context) for b in doc.blocks if b.kind == kind]


def check_units(doc: SourceDoc) -> list[Sentence]:
    """The document's answer units, each checked against its span of the text."""
    units = split_units(doc, pysbd_splitter())
    for u in units:
        assert u.text == doc.text[u.start : u.end]
        assert u.text == u.text.strip() and u.text
    return units


def answers(doc: SourceDoc) -> list[str]:
    return [u.text for u in check_units(doc) if is_answer_unit(u)]


LEAD = "They singled out the following lines of work on statelessness:"
ROW = (
    "Pillar: Legal pathways; Action package: Labour pathways; Lead: Peru; "
    "Participating countries: not yet published"
)
HEADER = "Pillar | Action package | Lead | Participating countries"

STRUCTURED_MD = f"""---
title: Action plan
date: 2024-06-01
---
# Action plan

## Action packages

The **Los Angeles Declaration** groups its [action packages](https://example.org/ap) by pillar.

Action packages by lead

| Pillar | Action package | Lead | Participating countries |
|---|---|---|---|
| Legal pathways | Labour pathways | Peru | not yet published |
| Stabilization | Host communities | *Colombia* | Ecuador, Chile |

### Labour pathways

{LEAD}

- Birth registration for the children of migrants.
- Access to `identity` documents:
  1. national identity cards
  2. passports
- __Naturalisation__ after five years.

![logo](logo.png) Read the <em>full</em> text.
"""


def test_markdown_structure_reaches_the_text_without_markup(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "plan.md", STRUCTURED_MD), tmp_path)
    for markup in ("**", "__", "](", "`", "|", "#", "<em>", "![", "---", "*Colombia*"):
        assert markup not in doc.text
    assert "Read the full text." in doc.text
    assert [t for t, _ in blocks_of(doc, "heading")] == [
        "Action plan",
        "Action packages",
        "Labour pathways",
    ]
    where = doc.text.index
    assert doc.sections == (
        (0, "Action plan"),
        (where("Action packages\n"), "Action packages"),
        (where("Labour pathways\n"), "Action packages > Labour pathways"),
    )
    assert blocks_of(doc, "caption") == [("Action packages by lead", "")]
    assert blocks_of(doc, "table_row") == [
        (ROW, "Action packages by lead"),
        (
            "Pillar: Stabilization; Action package: Host communities; Lead: Colombia; "
            "Participating countries: Ecuador, Chile",
            "Action packages by lead",
        ),
    ]
    assert blocks_of(doc, "list_item") == [
        ("Birth registration for the children of migrants.", LEAD),
        ("Access to identity documents:", LEAD),
        ("national identity cards", f"{LEAD} Access to identity documents:"),
        ("passports", f"{LEAD} Access to identity documents:"),
        ("Naturalisation after five years.", LEAD),
    ]
    assert all("\n" not in doc.text[b.start : b.end] for b in doc.blocks)  # one line each
    found = answers(doc)
    assert ROW in found and "passports" in found
    assert not {"Action plan", "Action packages by lead", LEAD} & set(found)


STRUCTURED_HTML = f"""<!doctype html><html><head><title>Safe Mobility</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li>NAV ITEM</li></ul></nav>
<main>
<h1>Safe Mobility</h1>
<p>Colombia, through its Department of Social Inclusion, and the Pan American
Development Foundation (PADF), will support <b>returnees</b>
in three cities.</p>
<h2>Questions</h2>
<p>Q: What are Safe Mobility Offices?</p>
<p>A: Safe Mobility Offices help refugees apply for legal pathways. They opened in 2023.</p>
<h3>Who can apply?</h3>
<p>People in Colombia, Costa Rica, Ecuador and Guatemala can apply online.</p>
<table>
<caption>Action packages</caption>
<thead><tr><th>Pillar</th><th>Action package</th><th>Lead</th><th>Participating countries</th></tr>
</thead>
<tbody><tr><td>Legal pathways</td><td>Labour pathways</td><td>Peru</td><td>not yet published</td>
</tr></tbody>
</table>
<p>{LEAD}</p>
<ol><li>birth registration<ul><li>for children born abroad</li></ul></li>
<li>naturalisation</li></ol>
</main>
<footer><p>FOOTER TEXT</p></footer></body></html>"""


def test_html_structure_reaches_the_text_without_markup(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "offices.html", STRUCTURED_HTML), tmp_path)
    assert "NAV ITEM" not in doc.text and "FOOTER TEXT" not in doc.text
    assert "<" not in doc.text and HEADER not in doc.text
    wrapped = (
        "Colombia, through its Department of Social Inclusion, and the Pan American "
        "Development Foundation (PADF), will support returnees in three cities."
    )
    assert wrapped in doc.text.splitlines()  # the file's own line breaks cut nothing
    assert wrapped in answers(doc)
    question = "What are Safe Mobility Offices?"
    assert blocks_of(doc, "faq_question") == [(question, "")]
    assert blocks_of(doc, "faq_answer") == [
        (
            "Safe Mobility Offices help refugees apply for legal pathways. They opened in 2023.",
            question,
        ),
        (
            "People in Colombia, Costa Rica, Ecuador and Guatemala can apply online.",
            "Who can apply?",
        ),
    ]
    assert blocks_of(doc, "caption") == [("Action packages", "")]
    assert blocks_of(doc, "table_row") == [(ROW, "Action packages")]
    assert blocks_of(doc, "list_item") == [
        ("birth registration", LEAD),
        ("for children born abroad", f"{LEAD} birth registration:"),
        ("naturalisation", LEAD),
    ]
    assert [s for _, s in doc.sections] == [
        "Safe Mobility",
        "Questions",
        "Questions > Who can apply?",
    ]
    units = check_units(doc)
    assert not [u for u in units if is_answer_unit(u) and u.text.endswith("?")]
    by_text = {u.text: u for u in units}
    assert unit_display(by_text["They opened in 2023."]) == f"Q: {question} A: They opened in 2023."


def structured_docx(title: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_paragraph("Regional Report on Labour Pathways", style="Title")
    document.add_heading("Action packages", level=1)
    document.add_heading("Labour pathways", level=2)
    document.add_paragraph("The partners agreed on these priorities:")
    document.add_paragraph("Seasonal work visas.", style="List Bullet")
    document.add_paragraph("Canada and Spain", style="List Bullet 2")
    document.add_paragraph("Recognition of qualifications.", style="List Number")
    document.add_paragraph("Table 1: Action packages by lead", style="Caption")
    rows = [
        ("Pillar", "Action package", "Lead", "Participating countries"),
        ("Legal pathways", "Labour pathways", "Peru", "not yet published"),
        ("Stabilization", "Host communities", "Colombia", "Ecuador, Chile"),
    ]
    table = document.add_table(rows=3, cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("Next steps", level=1)
    document.add_paragraph("A permanent secretariat will follow in 2025.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_structure(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "report.docx", structured_docx()), tmp_path)
    assert doc.title == "Regional Report on Labour Pathways"  # no core title: the Title line
    assert [s for _, s in doc.sections] == [
        "Regional Report on Labour Pathways",
        "Action packages",
        "Action packages > Labour pathways",
        "Next steps",
    ]
    lead = "The partners agreed on these priorities:"
    assert blocks_of(doc, "list_item") == [
        ("Seasonal work visas.", lead),
        ("Canada and Spain", f"{lead} Seasonal work visas:"),
        ("Recognition of qualifications.", lead),
    ]
    caption = "Table 1: Action packages by lead"
    assert blocks_of(doc, "caption") == [(caption, "")]
    assert [t for t, _ in blocks_of(doc, "table_row")] == [
        ROW,
        "Pillar: Stabilization; Action package: Host communities; Lead: Colombia; "
        "Participating countries: Ecuador, Chile",
    ]
    assert {c for _, c in blocks_of(doc, "table_row")} == {caption}
    assert "Pillar | Action package" not in doc.text
    assert set(answers(doc)) >= {
        ROW,
        "Canada and Spain",
        "A permanent secretariat will follow in 2025.",
    }
    assert not {t for t, _ in blocks_of(doc, "heading")} & set(answers(doc))


class _FooterPDF:
    """An fpdf2 document with 'Page n of N' at the bottom of every page."""

    @staticmethod
    def build() -> bytes:
        from fpdf import FPDF

        class Doc(FPDF):  # type: ignore[misc]
            def footer(self) -> None:
                self.set_y(-15)
                self.cell(0, 10, f"Page {self.page_no()} of 3", align="C")

        pdf = Doc()
        pdf.set_title("Regional Migration Report")
        pdf.set_font("Helvetica", size=12)
        nl = {"new_x": "LMARGIN", "new_y": "NEXT"}
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 10, "Regional Migration Report", **nl)
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(
            0,
            7,
            "The Government of Guatemala hosted the third ministerial meeting in May 2024, "
            "with representatives of twenty-one countries. Secretary of State Antony J. "
            "Blinken led the U.S. delegation, which announced new funding for the region.",
            **nl,
        )
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(0, 9, "Labour pathways", **nl)
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, "The partners agreed on the following priorities:", **nl)
        pdf.multi_cell(
            0,
            7,
            "- Seasonal work visas for agricultural workers in Canada and "
            "Spain, with new employer-sponsored programmes.",
            **nl,
        )
        pdf.multi_cell(0, 7, "- Recognition of foreign qualifications.", **nl)
        pdf.multi_cell(
            0,
            7,
            "The program will support returnees through the Department of "
            "Social Inclusion and the Pan American Development",
            **nl,
        )
        pdf.add_page()
        pdf.multi_cell(
            0, 7, "Foundation (PADF), which manages the fund. It has three offices.", **nl
        )
        pdf.multi_cell(0, 7, "Q: What are Safe Mobility Offices?", **nl)
        pdf.multi_cell(
            0, 7, "A: They are offices where migrants can apply for legal pathways.", **nl
        )
        pdf.add_page()
        pdf.multi_cell(0, 7, "The fourth ministerial meeting will take place in 2025.", **nl)
        return bytes(pdf.output())


def test_pdf_pages_headings_lists_and_a_sentence_across_a_page_break(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "report.pdf", _FooterPDF.build()), tmp_path)
    assert [p[0] for p in doc.pages] == [1, 2, 3]
    assert "Page 1 of 3" not in doc.text and "of 3" not in doc.text
    units = check_units(doc)
    across = next(u for u in units if u.text.startswith("The program will support"))
    assert across.text.endswith(
        "Pan American Development Foundation (PADF), which manages the fund."
    )
    assert page_at(doc, across.start) == 1
    on_three = next(u for u in units if "fourth ministerial" in u.text)
    assert page_at(doc, on_three.start) == 3
    assert page_at(doc, next(u for u in units if u.text == "It has three offices.").start) == 2
    assert [s for _, s in doc.sections] == ["Regional Migration Report", "Labour pathways"]
    lead = "The partners agreed on the following priorities:"
    assert blocks_of(doc, "list_item") == [
        (
            "Seasonal work visas for agricultural workers in Canada and Spain, with new "
            "employer-sponsored programmes.",
            lead,
        ),
        ("Recognition of foreign qualifications.", lead),
    ]
    assert blocks_of(doc, "faq_question") == [("What are Safe Mobility Offices?", "")]
    assert not any(u.text.startswith("Foundation (PADF)") for u in units)  # no fragment


def _running_header_pdf() -> bytes:
    """A report with a running header on every page, a title wrapped onto two lines,
    numbered section headings and a numbered list."""
    from fpdf import FPDF

    class Doc(FPDF):  # type: ignore[misc]
        def header(self) -> None:
            self.cell(0, 8, "Regional Migration Report - summary", align="C")
            self.ln(12)

    pdf = Doc()
    pdf.set_font("Helvetica", size=12)
    nl = {"new_x": "LMARGIN", "new_y": "NEXT"}
    body = (
        "The ministers met in Washington in June 2023 and looked back at the first year of "
        "the declaration, with the governments of twenty-one countries present."
    )
    pdf.add_page()
    pdf.multi_cell(0, 9, "One Year of the Declaration: Summary of the", **nl)
    pdf.multi_cell(0, 9, "Washington Ministerial Meeting", **nl)
    pdf.multi_cell(0, 8, "1. Overview of the meeting", **nl)
    pdf.multi_cell(0, 7, body, **nl)
    pdf.add_page()
    pdf.multi_cell(0, 8, "2. Looking ahead", **nl)
    pdf.multi_cell(0, 7, "The ministers agreed on two steps for the coming year:", **nl)
    pdf.multi_cell(0, 7, "1. Meeting at least once a year.", **nl)
    pdf.multi_cell(0, 7, "2. Working through the action package committees.", **nl)
    return bytes(pdf.output())


def test_pdf_running_header_numbered_headings_and_wrapped_title(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "summary.pdf", _running_header_pdf()), tmp_path)
    assert "Regional Migration Report - summary" not in doc.text  # on every page: furniture
    assert [s for _, s in doc.sections] == [
        "One Year of the Declaration: Summary of the Washington Ministerial Meeting",
        "1. Overview of the meeting",
        "2. Looking ahead",
    ]
    texts = answers(doc)
    assert texts[0].startswith("The ministers met in Washington in June 2023")  # no heading
    assert not any("Overview" in t or "Looking ahead" in t for t in texts)
    lead = "The ministers agreed on two steps for the coming year:"
    assert blocks_of(doc, "list_item") == [
        ("Meeting at least once a year.", lead),
        ("Working through the action package committees.", lead),
    ]


def _table_pdf() -> bytes:
    """A report page with a caption line, a ruled table with a header row (fpdf2 draws its
    cell borders) and paragraphs before and after it, running header on two pages."""
    from fpdf import FPDF

    class Doc(FPDF):  # type: ignore[misc]
        def header(self) -> None:
            self.cell(0, 8, "Endorsement record", align="C")
            self.ln(12)

    pdf = Doc()
    pdf.set_font("Helvetica", size=11)
    nl = {"new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.add_page()
    pdf.multi_cell(0, 6, "Endorsements grew over the first years, as recorded below.", **nl)
    pdf.ln(4)
    pdf.cell(0, 6, "Table 1: Endorsing countries by meeting", **nl)
    rows = [
        ("Date", "Meeting", "Endorsing countries"),
        ("10 June 2022", "Launch in Los Angeles", "20"),
        ("6 October 2022", "Lima ministerial", "21"),
        ("7 May 2024", "Guatemala ministerial", "22"),
    ]
    with pdf.table() as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)
    pdf.multi_cell(0, 6, "The secretariat keeps this record. It is published twice a year.", **nl)
    pdf.add_page()
    pdf.multi_cell(0, 6, "A second page without a table reads as before.", **nl)
    return bytes(pdf.output())


def test_a_ruled_pdf_table_becomes_rows_under_its_header_and_caption(tmp_path: Path) -> None:
    """Each row is one unit, "Column: value; ...", with the caption as its context, like a
    DOCX or HTML table; flattened into one line, a row's figure answered for any other."""
    doc = load_document(write(tmp_path / "record.pdf", _table_pdf()), tmp_path)
    caption = "Table 1: Endorsing countries by meeting"
    assert blocks_of(doc, "table_row") == [
        ("Date: 10 June 2022; Meeting: Launch in Los Angeles; Endorsing countries: 20", caption),
        ("Date: 6 October 2022; Meeting: Lima ministerial; Endorsing countries: 21", caption),
        ("Date: 7 May 2024; Meeting: Guatemala ministerial; Endorsing countries: 22", caption),
    ]
    assert blocks_of(doc, "caption") == [(caption, "")]
    texts = answers(doc)
    assert texts[0] == "Endorsements grew over the first years, as recorded below."
    assert "The secretariat keeps this record." in texts
    assert "A second page without a table reads as before." in texts
    assert "Endorsement record" not in doc.text  # the running header is still dropped
    assert [n for n, _, _ in doc.pages] == [1, 2]


FAQ_TXT = (
    "Safe Mobility FAQ\n\n"
    "Q: What are Safe Mobility Offices?\n"
    "A: They help refugees and migrants\nreach legal pathways. They opened in 2023.\n\n"
    "Q: Where are they?\n"
    "A: In four countries:\n- Colombia\n- Costa Rica\n  - San José\n- Ecuador\n"
)


def test_txt_faq_questions_are_context_for_their_answers(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "faq.txt", FAQ_TXT), tmp_path)
    assert doc.text == FAQ_TXT
    first, second = "What are Safe Mobility Offices?", "Where are they?"
    assert blocks_of(doc, "faq_question") == [(first, ""), (second, "")]
    assert blocks_of(doc, "faq_answer") == [
        ("They help refugees and migrants\nreach legal pathways. They opened in 2023.", first),
        ("In four countries:", second),
    ]
    lead = f"{second} In four countries:"
    assert blocks_of(doc, "list_item") == [
        ("Colombia", lead),
        ("Costa Rica", lead),
        ("San José", f"{lead} Costa Rica:"),
        ("Ecuador", lead),
    ]
    found = answers(doc)
    assert "They opened in 2023." in found and "San José" in found
    assert not {first, second, "In four countries:", "Safe Mobility FAQ"} & set(found)


def test_faq_lines_in_one_paragraph_are_still_question_and_answer(tmp_path: Path) -> None:
    text = (
        "# FAQ\n\nQ: What are Safe Mobility Offices?\nA: They help migrants. They opened in 2023."
        "\n\n**Q:** Where are they? **A:** In four countries.\n"
    )
    doc = load_document(write(tmp_path / "faq.md", text), tmp_path)
    assert blocks_of(doc, "faq_question") == [
        ("What are Safe Mobility Offices?", ""),
        ("Where are they?", ""),
    ]
    assert blocks_of(doc, "faq_answer") == [
        ("They help migrants. They opened in 2023.", "What are Safe Mobility Offices?"),
        ("In four countries.", "Where are they?"),
    ]
    assert set(answers(doc)) == {
        "They help migrants.",
        "They opened in 2023.",
        "In four countries.",
    }


# ---------------------------------------------------------------------------------------------
# bounds: what one file may put in a title, a section path or a unit's context

HUGE = "Declaration " * 90_000  # about 1 MB of one "title"


def docx_with_core_title(title: str) -> bytes:
    """python-docx refuses to write a title over 255 characters; a hostile file has one."""
    import docx

    document = docx.Document()
    document.core_properties.title = "PLACEHOLDER"
    document.add_paragraph("Body text here.")
    out = io.BytesIO()
    document.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as real:
        parts = {name: real.read(name) for name in real.namelist()}
    parts["docProps/core.xml"] = parts["docProps/core.xml"].replace(b"PLACEHOLDER", title.encode())
    return zip_bytes(parts)


def pdf_with_title(title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, "Body text here.")
    return bytes(pdf.output())


def _huge_title_cases() -> list[tuple[str, bytes | str]]:
    import docx

    document = docx.Document()
    document.add_heading(HUGE[:200_000], level=1)
    document.add_paragraph("Body text here.")
    out = io.BytesIO()
    document.save(out)
    return [
        ("title.html", f"<title>{HUGE}</title><p>Body text here.</p>"),
        ("h1.html", f"<h1>{HUGE}</h1><p>Body text here.</p>"),
        ("h1.md", f"# {HUGE}\n\nBody text here.\n"),
        ("front-matter.md", f"---\ntitle: {HUGE[:9_000]}\n---\nBody text here.\n"),
        ("core-title.docx", docx_with_core_title(HUGE[:100_000])),
        ("heading.docx", out.getvalue()),
        ("info-title.pdf", pdf_with_title(HUGE)),
    ]


@pytest.mark.parametrize(
    ("name", "data"), _huge_title_cases(), ids=[c[0] for c in _huge_title_cases()]
)
def test_a_huge_title_is_capped(tmp_path: Path, name: str, data: bytes | str) -> None:
    doc = load_document(write(tmp_path / name, data), tmp_path)
    assert doc.title.startswith("Declaration Declaration")
    assert len(doc.title) <= MAX_TITLE_CHARS and doc.title.endswith("…")
    assert all(len(path) <= MAX_SECTION_CHARS for _, path in doc.sections)
    assert "Body text here." in doc.text


def test_a_huge_sidecar_title_is_capped(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Body text here.\n")
    write(path.with_name(path.name + SIDECAR_SUFFIX), f"title: {HUGE[:9_000]}\n")
    assert len(load_document(path, tmp_path).title) <= MAX_TITLE_CHARS


def test_section_paths_and_contexts_are_capped(tmp_path: Path) -> None:
    long = "Pathways " * 150  # 1,350 characters a heading, a lead-in, a caption
    text = f"# {long}\n\n## {long}\n\n### {long}\n\n{long}:\n\n- an item\n"
    doc = load_document(write(tmp_path / "deep.md", text), tmp_path)
    assert len(doc.sections) == 3
    assert all(len(path) <= MAX_SECTION_CHARS for _, path in doc.sections)
    assert all(len(part) <= MAX_HEADING_CHARS for _, p in doc.sections for part in p.split(" > "))
    html = f"<table><caption>{long}</caption><tr><th>A</th><th>B</th></tr><tr><td>1</td>"
    page = load_document(write(tmp_path / "t.html", html + "<td>2</td></tr></table>"), tmp_path)
    item = next(b for b in doc.blocks if b.kind == "list_item")
    row = next(b for b in page.blocks if b.kind == "table_row")
    assert 0 < len(item.context) <= MAX_CONTEXT_CHARS and 0 < len(row.context) <= MAX_CONTEXT_CHARS


def test_front_matter_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = "---\ntitle: Notes\nnotes: " + "x" * 70_000 + "\n---\nBody.\n"
    with pytest.raises(CorpusError) as info:
        load_document(write(tmp_path / "big.md", big), tmp_path)
    assert str(info.value) == (
        "the front matter is over 64,000 characters; keep it under 64 KB "
        "(title, date and a few keys) or remove it"
    )
    assert_one_line_reason(info.value, tmp_path)
    ruled = (
        "---\nA rule, then a long text.\n\n" + "Words and more words. " * 4_000 + "\n---\nEnd.\n"
    )
    assert (
        "A rule, then a long text."
        in load_document(write(tmp_path / "ruled.md", ruled), tmp_path).text
    )


def garbage_xref_pdf() -> bytes:
    """Object headers and cross-reference table are garbage and the trailer claims 50,000
    objects: pypdf gives up searching them ("Maximum Root object recovery limit reached")."""
    data = raw_pdf(zlib.compress(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"))
    return re.sub(rb"\d+ 0 obj", b"xx 0 obj", data).replace(b"/Size 6", b"/Size 50000")


def test_a_pdf_with_a_garbage_xref_is_called_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as info:
        load_document(write(tmp_path / "garbage.pdf", garbage_xref_pdf()), tmp_path)
    assert str(info.value).startswith("the PDF is corrupt: its structure is broken (")
    assert "decompression bomb" not in str(info.value)
    assert_one_line_reason(info.value, tmp_path)


# ---------------------------------------------------------------------------------------------
# hostile files: each is refused with one clear line


def _hostile_cases() -> list[tuple[str, bytes | None, str]]:
    return [
        ("empty.txt", b"", "the file is empty"),
        ("empty.pdf", b"", "the file is empty"),
        ("empty.docx", b"", "the file is empty"),
        ("empty.html", b"", "the file is empty"),
        ("blank.txt", b"  \n\t\n", "no text found"),
        ("scripts-only.html", b"<script>x()</script><p hidden>gone</p>", "no text found"),
        ("front-only.md", b"---\ntitle: T\n---\n", "no text found"),
        ("nul.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        ("controls.txt", b"\xc3\x28\x01\x02\x03 not text", "looks binary"),
        ("undefined-cp1252.txt", b"\x81\x8d\x8f\x90\x9d", "looks binary"),
        ("nul.md", b"# Title\x00\x00", "looks binary"),
        ("junk.pdf", bytes(range(256)) * 8, "not a PDF"),
        ("header-junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "damaged or truncated"),
        ("truncated.pdf", None, "damaged or truncated"),
        ("encrypted.pdf", None, "the PDF is encrypted; save an unencrypted copy"),
        ("blank-page.pdf", None, r"no extractable text \(scanned or empty PDF\?\)"),
        ("not-zip.docx", b"PK but not really a zip file", "not a valid .docx"),
        ("ole.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "not a valid .docx"),
        ("no-document.docx", None, r"not a valid \.docx \(no word/document\.xml\)"),
        ("ratio-bomb.docx", None, r"expands to \d+ MB.*refusing \(possible zip bomb\)"),
        ("many-parts-bomb.docx", None, r"expands to 12\d MB.*refusing \(possible zip bomb\)"),
        ("empty-body.docx", None, "no text found"),
        ("deep.html", b"<div>" * 5000 + b"deep" + b"</div>" * 5000, "nested too deeply"),
        ("bad.xyz", b"whatever", r"unsupported file type \.xyz; supported: \.docx, \.htm"),
    ]


def _build(name: str) -> bytes:
    import docx

    if name == "truncated.pdf":
        data = fpdf_bytes()
        return data[: len(data) // 2]
    if name == "encrypted.pdf":
        return encrypted_pdf("user-secret")
    if name == "blank-page.pdf":
        return raw_pdf(zlib.compress(b"0 0 m 10 10 l S\n"))
    if name == "no-document.docx":
        return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<x/>"})
    if name == "ratio-bomb.docx":
        return zip_bomb_docx(5_000_000)
    if name == "many-parts-bomb.docx":  # each part is small, only the total is too big
        with zipfile.ZipFile(io.BytesIO(docx_bytes())) as real:
            parts = {n: real.read(n) for n in real.namelist()}
        pad = b" " * 900_000
        return zip_bytes(parts | {f"word/media/pad{i}.bin": pad for i in range(135)})
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"), _hostile_cases(), ids=[c[0] for c in _hostile_cases()]
)
def test_hostile_files_are_refused_with_one_line(
    tmp_path: Path, name: str, data: bytes | None, reason: str
) -> None:
    path = write(tmp_path / name, _build(name) if data is None else data)
    started = time.monotonic()
    with pytest.raises(CorpusError, match=reason) as info:
        validate_file(path)
    assert time.monotonic() - started < 10
    assert_one_line_reason(info.value, tmp_path)


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(25_300_000)  # sparse: nothing is written or read
    with pytest.raises(CorpusError) as info:
        validate_file(big)
    assert str(info.value) == (
        "the file is 25.3 MB, over the 20 MB limit; split it or raise ASSISTANT_MAX_FILE_MB"
    )
    small = write(tmp_path / "small.txt", "x" * 100)
    with pytest.raises(CorpusError, match="the file is 100 bytes, over the 10 bytes limit"):
        validate_file(small, max_bytes=10)


def test_unexpected_parser_errors_become_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(data: bytes) -> None:
        raise ValueError("first line of the message\nsecond line with details")

    monkeypatch.setattr("assistant.ingest.formats.text.load", explode)
    with pytest.raises(CorpusError) as info:
        validate_file(write(tmp_path / "a.txt", "text"))
    assert str(info.value) == "could not read the text file: ValueError: first line of the message"


def test_bad_sidecar_and_outside_and_missing_files(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Text.\n")
    write(tmp_path / ("a.txt" + SIDECAR_SUFFIX), "title: [unclosed\n")
    with pytest.raises(CorpusError, match="sidecar is not valid YAML"):
        load_document(path, tmp_path)
    with pytest.raises(CorpusError, match="outside the corpus folder"):
        load_document(path, tmp_path / "elsewhere")
    with pytest.raises(CorpusError, match="could not read the file: No such file"):
        validate_file(tmp_path / "missing.txt")


# ---------------------------------------------------------------------------------------------
# scan_corpus


def test_scan_corpus_returns_good_docs_and_one_error_per_bad_file(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Second document.\n")
    write(tmp_path / ("b.txt" + SIDECAR_SUFFIX), "title: Bee\n")
    write(tmp_path / "sub" / "a.md", "# Alpha\n\nFirst document.\n")
    write(tmp_path / "sub" / "page.html", "<p>Third document.</p>")
    write(tmp_path / "README.md", "Read me.\n")
    write(tmp_path / ".hidden.txt", "skipped")
    write(tmp_path / ".git" / "x.txt", "skipped")
    write(tmp_path / "sub" / "empty.txt", b"")
    write(tmp_path / "junk.pdf", b"not a pdf at all")
    write(tmp_path / "data.csv", "a,b\n")
    docs, errors = scan_corpus(tmp_path)
    assert [d.id for d in docs] == ["README.md", "b.txt", "sub/a.md", "sub/page.html"]
    assert docs[1].title == "Bee"
    assert [e.path for e in errors] == ["data.csv", "junk.pdf", "sub/empty.txt"]
    assert str(errors[0]).startswith("data.csv: unsupported file type .csv; supported: ")
    assert errors[2].reason == "the file is empty; add text or remove it"


def test_scan_corpus_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder does not exist"):
        scan_corpus(tmp_path / "nope")


# ---------------------------------------------------------------------------------------------
# safe_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/abs/x.md", "x.md"),
        ("..\\..\\win.txt", "win.txt"),
        ("a/../b.pdf", "b.pdf"),
        ("C:\\Users\\me\\Report 2024.DOCX", "Report 2024.docx"),
        ("...hidden.html", "hidden.html"),
        ("we\x00ird\x1b[31m  name!!.htm", "we_ird_31m name_.htm"),
        ("notes..txt", "notes.txt"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("文" * 300 + ".md", "文" * 79 + ".md"),  # 3 bytes a letter: cut to 240 bytes
    ],
)
def test_safe_name_accepts(name: str, expected: str) -> None:
    assert safe_name(name) == expected
    assert len(expected) <= 120 and len(expected.encode()) <= 240


@pytest.mark.parametrize(
    "name", ["", "..", "../", "/", ".pdf", "report", "evil.exe", "x.meta.yaml", "___.txt", "a/"]
)
def test_safe_name_rejects(name: str) -> None:
    with pytest.raises(CorpusError, match="not a usable file name"):
        safe_name(name)


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".pdf", ".html", ".htm", ".docx"} == SUPPORTED_SUFFIXES


GLOSSARY_TXT = (
    "Key terms\n\n"
    "Statelessness\nThe situation of a person whom no country recognises as its national. "
    "Late birth registration is one of its causes.\n\n"
    "CBP One\nA mobile application through which migrants can book a time at a port of entry.\n\n"
    "The offices of the\ndeclaration opened in June 2023 in three countries of the region.\n"
)


def test_txt_glossary_terms_are_headings_that_their_definitions_carry(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "glossary.txt", GLOSSARY_TXT), tmp_path)
    assert doc.text == GLOSSARY_TXT
    assert blocks_of(doc, "heading") == [
        ("Key terms", ""),
        ("Statelessness", ""),
        ("CBP One", ""),
    ]
    assert blocks_of(doc, "definition") == [
        (
            "The situation of a person whom no country recognises as its national. "
            "Late birth registration is one of its causes.",
            "Statelessness",
        ),
        (
            "A mobile application through which migrants can book a time at a port of entry.",
            "CBP One",
        ),
    ]
    found = answers(doc)
    assert "Statelessness" not in found and "CBP One" not in found
    # a wrapped line that stops on "the" is no term: the paragraph stays a plain one
    assert not [t for t, _ in blocks_of(doc, "definition") if "offices" in t]
