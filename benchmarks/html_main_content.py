"""Our HTML main-content pass against trafilatura's, on the same pages (issue 25, item 5).

    pip install trafilatura            # not a dependency of the assistant; only this comparison
    python -m benchmarks.html_main_content FILE.html ...

For each page: the characters each keeps, the lines only one of them keeps, and the structure
each gives (headings, list items, table rows, captions). trafilatura drops <caption>, so its
run gets each caption moved into a paragraph right before its table (our renderer takes such a
paragraph as the caption). Reports; decides nothing.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from assistant.ingest.formats import html
from assistant.ingest.formats.common import Parsed, decode_text


def with_trafilatura(data: bytes) -> Parsed:
    import trafilatura
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "lxml")
    for caption in soup.find_all("caption"):
        paragraph = soup.new_tag("p")
        paragraph.string = caption.get_text(" ", strip=True)
        caption.find_parent("table").insert_before(paragraph)
        caption.decompose()
    extracted = trafilatura.extract(
        str(soup),
        output_format="html",
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_comments=False,
    )
    root = BeautifulSoup(extracted or "", "lxml")
    text, blocks, sections = html.render_html(root.body or root)
    return Parsed(text=text, sections=sections, blocks=blocks)


def compare(path: Path) -> None:
    data = path.read_bytes()
    ours, theirs = html.load(data), with_trafilatura(data)
    ours_lines, their_lines = set(ours.text.splitlines()), set(theirs.text.splitlines())
    print(f"== {path.name}: ours {len(ours.text):,} chars, trafilatura {len(theirs.text):,}")
    print(f"   structure ours {dict(Counter(b.kind for b in ours.blocks))}")
    print(f"   structure trafilatura {dict(Counter(b.kind for b in theirs.blocks))}")
    for line in sorted(ours_lines - their_lines):
        print(f"   only ours:        {line[:100]}")
    for line in sorted(their_lines - ours_lines):
        print(f"   only trafilatura: {line[:100]}")


def main(argv: list[str]) -> int:
    for name in argv:
        compare(Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
