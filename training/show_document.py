"""Print one document as the assistant reads it, for an annotator who sees only that document.

    python training/show_document.py PATH            # the extracted text, title and date
    python training/show_document.py PATH --units    # its numbered answer units (JSON lines)

The unit numbers are the order of `split_units` on the loaders' text; each line carries the
unit's exact text, kind and context so labels can be re-mapped by text if loaders change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.ingest.chunking import pysbd_splitter, split_units
from assistant.ingest.files import load_document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--units", action="store_true", help="numbered answer units as JSON lines")
    args = parser.parse_args(argv)
    doc = load_document(args.path, args.path.parent)
    if not args.units:
        print(f"TITLE: {doc.title}\nDATE: {doc.date or '(none)'}\n")
        print(doc.text)
        return 0
    for n, unit in enumerate(split_units(doc, pysbd_splitter()), start=1):
        row = {"unit": n, "kind": unit.kind, "context": unit.context, "text": unit.text}
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
