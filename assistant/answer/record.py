"""Questions about a document itself ("When was this fact sheet published?", "What is the
title of the document about the Lima meeting?") are answered from the document's record (its
title and date, as the index keeps them), not from its text; citations.verify checks such an
answer against that record."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.query.record import DATE, TITLE
from assistant.text.dates import human_date
from assistant.types import Hit

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the a an of on in for to and about is was what when which date title document fact sheet "
    "this that published issued released".split()
)


def record_answer(
    field: str, hits: Sequence[Hit], question: str = "", titles: Iterable[str] = ()
) -> str:
    """The answer from the record of the document the question points to: the retrieved
    document whose title shares most words with the question (the best-ranked of equals),
    cited to its opening passage among the hits ([n] refers to hits[n-1]). "" when nothing
    was retrieved, when the record lacks the field, or when another document of the index
    (`titles`: every document's title) matches the question's words better than any retrieved
    one: then the document asked about was not retrieved, and another's date would be wrong."""
    if not hits:
        return ""
    asked = set(_WORD.findall(question.lower())) - _STOP

    def shared(title: str) -> int:
        return len(asked & set(_WORD.findall(title.lower())))

    doc = max((h.chunk for h in hits), key=lambda c: shared(c.title))
    if any(shared(t) > shared(doc.title) for t in titles):
        return ""
    n = 1 + min(
        (i for i, h in enumerate(hits) if h.chunk.doc_id == doc.doc_id),
        key=lambda i: hits[i].chunk.start,
    )
    title, date = doc.title.strip(), doc.date.strip()
    if field == DATE and date:
        when = human_date(date)
        shown = f"{when} ({date})" if when != date else date
        return f"“{title}” is dated {shown}. [{n}]" if title else f"It is dated {shown}. [{n}]"
    if field == TITLE and title:
        dated = f", dated {human_date(date)}" if date else ""
        return f"The document is titled “{title}”{dated}. [{n}]"
    return ""
