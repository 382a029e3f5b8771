"""Our date patterns against dateparser's search_dates, on the same sentences (issue 25, item 3).

    pip install dateparser             # not a dependency of the assistant; only this comparison
    python -m benchmarks.dates_dateparser [CORPUS_DIR ...]

Default corpora: the shipped one, the realistic (dev) one and the training one; never the
held-out set. For every sentence: the dates our text layer finds (assistant/text/dates.py:
date phrases, ISO dates, years) and those dateparser's search_dates finds, the time each takes,
and the sentences where they disagree. Reports; decides nothing.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from assistant.ingest.chunking import pysbd_splitter, split_sentences
from assistant.ingest.files import list_corpus, load_document
from assistant.text.dates import DATE_PHRASE, YEAR

DEFAULT = [Path("corpus"), Path("evals/realistic/corpus"), Path("training/corpus")]
_OURS = re.compile(rf"{DATE_PHRASE}|\b\d{{4}}-\d\d-\d\d\b")


def sentences(corpora: list[Path]) -> list[str]:
    splitter = pysbd_splitter()
    out: list[str] = []
    for corpus in corpora:
        files, _ = list_corpus(corpus)
        for f in files:
            doc = load_document(f.path, corpus)
            out += [s.text for s in split_sentences(doc.text, splitter)]
    return out


def ours(sentence: str) -> list[str]:
    """Date phrases and ISO dates, then years not inside one."""
    found = [m.group() for m in _OURS.finditer(sentence)]
    rest = _OURS.sub(" ", sentence)
    return found + YEAR.findall(rest)


def theirs(sentence: str) -> list[str]:
    from dateparser.search import search_dates

    found = search_dates(sentence, languages=["en"]) or []
    return [text for text, _ in found]


def main(argv: list[str]) -> int:
    texts = sentences([Path(a) for a in argv] or DEFAULT)
    results = {}
    for name, find in (("ours", ours), ("dateparser", theirs)):
        find(texts[0])  # warm up (dateparser loads its language data)
        start = time.perf_counter()
        results[name] = [find(t) for t in texts]
        per = (time.perf_counter() - start) / len(texts) * 1000
        with_date = sum(1 for r in results[name] if r)
        print(f"{name:>10}: {with_date}/{len(texts)} sentences with a date, {per:.3f} ms each")
    both = sum(1 for a, b in zip(results["ours"], results["dateparser"], strict=True) if a and b)
    print(f"      both: {both}")
    shown = 0
    for text, a, b in zip(texts, results["ours"], results["dateparser"], strict=True):
        if bool(a) != bool(b) and shown < 12:
            shown += 1
            print(f"  ours {a} / dateparser {b}: {text[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
