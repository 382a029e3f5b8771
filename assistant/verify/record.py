"""A passage's document record (its title and date, from the index, not its text): what an
answer may say about where a quote comes from, and claims about the record itself."""

from __future__ import annotations

from assistant.text.dates import human_date
from assistant.text.names import WORD
from assistant.types import Chunk, Citation
from assistant.verify.terms import all_terms, key_terms

_RECORD_CLAIM_WORDS = 6  # "The document is titled ..., dated ..."


def document_record(chunk: Chunk) -> str:
    """What an answer may say about a chunk's document besides its text: title and date."""
    return " ".join(filter(None, [chunk.title, human_date(chunk.date), chunk.date]))


def whereabouts(chunk: Chunk) -> str:
    """What an answer may name when it says where a quote comes from: the document's title
    and date, and the section the passage sits in."""
    return " ".join(filter(None, [document_record(chunk), chunk.section]))


def about_record(claim: str, chunk: Chunk) -> bool:
    """Is the claim a statement about the chunk's document record (its title and date) and
    supported by it alone? It must give the record's full title or its date, every number
    and name in it must be in the record, and little else may remain ("“Fact Sheet: ...” is
    dated 8 May 2024 (2024-05-08)."); a claim about the text is judged against the text."""
    given = [v for v in (chunk.title, human_date(chunk.date), chunk.date) if v and v in claim]
    if not given or not key_terms(claim) <= all_terms(document_record(chunk)):
        return False
    rest = claim
    for value in given:
        rest = rest.replace(value, " ")
    return len(WORD.findall(rest)) <= _RECORD_CLAIM_WORDS


def record_citation(n: int, chunk: Chunk) -> Citation:
    """A citation of the document's record, not of a quote from its text: the quote is the
    record itself and the span is empty (start == end == the cited chunk's start)."""
    record = " — ".join(filter(None, [chunk.title, human_date(chunk.date)]))
    return Citation(
        n=n,
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        date=chunk.date,
        section="document record",
        page=chunk.page,
        quote=record,
        start=chunk.start,
        end=chunk.start,
    )
