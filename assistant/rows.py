"""A table row written as one sentence of an answer, for any table the loaders produce.

The loaders store a row as "Column: value; Column: value" with its table's caption (and group
label) as context (`assistant/ingest/structure.py`). An answer reads it as a sentence: the
row's first cell is its subject, every other cell follows as a phrase made of its header, and
the caption says which table it is:

    Country: United States; Pledge: New humanitarian and development assistance;
    Figure: $314 million
    ->  For United States, the pledge is New humanitarian and development assistance and the
        figure is $314 million.

How a cell reads depends only on the shape of its header and value, never on particular
words of one table: a plural header with a count reads as a count ("214,900 applications"),
a header that ends in a preposition leads into its value ("presence required by 11 June
2023", "As of March 2024, ..."), a header that is a participle with a count follows it
("27,400 referred to USRAP"), any other header is a noun ("the lead is Mexico"). Values are
kept verbatim (they are what a citation's quote must hold); the source card still quotes the
row exactly as the document has it. Pure functions.
"""

from __future__ import annotations

import re

from assistant.text.dates import DATE_CELL
from assistant.units import row_cells

# A header that ends in a preposition leads into its value: "As of", "Presence required by".
_LEADS_IN = re.compile(
    r"\b(?:of|by|to|from|for|in|on|at|since|until|after|before|with|per|as)$", re.I
)
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_ROW_NUMBER = re.compile(r"^\d{1,4}[.)]?$")  # "No.: 4", "#: 12": a running number, no subject
_COUNT = re.compile(
    r"^(?:(?:about|around|over|under|nearly|almost|some|up to|at least|more than|fewer than|"
    r"less than)\s+)?[$€£]?\d[\d,.]*(?:\s+(?:thousand|million|billion))?$",
    re.I,
)
_WH = re.compile(r"^(?:what|who|whom|which|where|when|how|why)\b", re.I)
_TABLE_LABEL = re.compile(r"^(?:Table|Figure|Exhibit|Chart)\s+[\w.-]{1,8}[.:]\s+", re.I)


def row_sentence(text: str, context: str = "") -> str:
    """The row "Column: value; ..." (its caption as context) written as one sentence, closed
    with a full stop. A row without header names (values "a | b") or with one cell only is
    given as it is, with its caption."""
    cells = _merged(row_cells(text))
    caption = caption_phrase(context)
    if len(cells) < 2 or not all(column for column, _ in cells):
        body = _close(text.strip())
        return f"In “{caption}”: {body}" if caption else body
    number = ""
    if _ROW_NUMBER.match(cells[0][1]) and len(cells) > 2:
        number = f" ({_lower_first(cells[0][0])} {cells[0][1]})"
        cells = cells[1:]
    (head, subject), rest = cells[0], cells[1:]
    phrases = [_phrase(column, value) for column, value in rest]
    listed = _listed(phrases, "; " if any(re.search(r"[,;]\s", v) for _, v in rest) else ", ")
    sentence = f"{_subject(head, subject)}{number}, {listed}"
    if caption:
        sentence = f"In “{caption}”, {sentence[0].lower()}{sentence[1:]}"
    return _close(sentence)


def _listed(phrases: list[str], joiner: str) -> str:
    """ "a, b and c", or "a; b; and c" when a value has commas of its own."""
    if len(phrases) == 1:
        return phrases[0]
    last = f"{joiner.rstrip(' ,')} and " if joiner == "; " else " and "
    return joiner.join(phrases[:-1]) + last + phrases[-1]


def caption_phrase(context: str) -> str:
    """A row's context as the answer names its table: the caption without its "Table 1."
    label (and the group a row is under, after " — ")."""
    return _TABLE_LABEL.sub("", context.strip())


def _merged(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A value holding "; " was cut into a nameless cell after the named one: joined again
    ("Status: Active; three meetings held")."""
    out: list[tuple[str, str]] = []
    for column, value in cells:
        if not column and out and out[-1][0]:
            out[-1] = (out[-1][0], f"{out[-1][1]}; {value}")
        else:
            out.append((column, value))
    return out


def _subject(column: str, value: str) -> str:
    """The first cell as what the sentence is about: "As of March 2024", "On 7 May 2024",
    "For United States"."""
    if _LEADS_IN.search(_PARENTHESES.sub("", column)):
        return f"{column} {value}"
    if DATE_CELL.match(value):
        return f"{'On' if value[:1].isdigit() else 'In'} {value}"
    return f"For {value}"


def _phrase(column: str, value: str) -> str:
    """One cell as a phrase of the sentence, from the shape of its header and value."""
    header = _lower_first(column)
    bare = _PARENTHESES.sub("", column).strip()
    if _LEADS_IN.search(bare) or (_participle(bare) and not _COUNT.match(value)):
        return f"{header} {value}"  # "presence required by 11 June 2023", "opened June 2023"
    if _participle(bare):
        return f"{value} {header}"  # "27,400 referred to USRAP"
    if _COUNT.match(value) and _plural(bare):
        return f"the number of {header} is {value}"  # "the number of applications is 214,900"
    if _WH.match(bare):
        return f"{header} is {value}"  # "what was agreed is ..."
    verb = "are" if _plural(bare) else "is"
    return f"the {header} {verb} {value}"


def _plural(header: str) -> bool:
    last = header.split()[-1] if header.split() else ""
    plain = last.isalpha() and not last.isupper()  # not an acronym ("USRAP", "NGOs" aside)
    return plain and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _participle(header: str) -> bool:
    """A header that opens with a past participle: "Opened", "Referred to USRAP"."""
    first = header.split()[0].lower() if header.split() else ""
    return first.endswith("ed") and len(first) > 4 and first.isalpha()


def _lower_first(text: str) -> str:
    """A header inside a sentence: "Other participants" -> "other participants", but an
    acronym or a name stays ("USRAP", "U.S. share")."""
    words = text.split()
    if not words:
        return text
    first = words[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first.isalpha():
        return first.lower() + text[len(first) :]
    return text


def _close(text: str) -> str:
    text = text.rstrip().rstrip(";,")
    return text if text.endswith((".", "!", "?")) else f"{text}."
