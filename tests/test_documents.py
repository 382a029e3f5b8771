"""Documents by id only: the file and the text behind a citation, never a path."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeAssistant

from assistant.documents import DocumentNotFoundError, document_file

BOTH_BACKENDS = True  # the index behind these tests matters: run them on a server too

pytestmark = pytest.mark.slow


def test_an_indexed_document_is_found_by_id(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.sync()
    [record] = assistant.documents()
    found = assistant.document_file(record.doc_id)
    assert found.path.is_file() and found.media_type.startswith("text/plain")
    view = assistant.document(record.doc_id)
    assert view.title == record.title and view.date == "2024-05-08"
    answer = assistant.ask("How many people used the CBP One app?")
    cite = answer.citations[0]
    assert view.text[cite.start : cite.end] == cite.quote  # spans line up with the viewer


@pytest.mark.parametrize(
    "doc_id",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt.meta.yaml",
        "missing.txt",
        "",
    ],
)
def test_anything_but_an_indexed_id_is_not_found(
    make_assistant: MakeAssistant, doc_id: str
) -> None:
    assistant = make_assistant()
    assistant.sync()
    with pytest.raises(DocumentNotFoundError, match="no document with id"):
        assistant.document_file(doc_id)


def test_a_file_outside_the_corpus_is_refused_even_if_the_index_names_it(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(DocumentNotFoundError):
        document_file(corpus, "../secret.txt", {"../secret.txt"})
