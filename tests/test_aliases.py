"""A corpus's own aliases (corpus/aliases.yaml): what its documents call what a question names
otherwise. Real assistants on real indexes; the file is never read as a document."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import settings_for, unique_collection

from assistant.errors import UserError
from assistant.index.embedding import Embedder
from assistant.ingest.files import list_corpus
from assistant.service import build_assistant
from assistant.text.aliases import Aliases
from assistant.types import Answer

DOC = (
    "Safe Mobility Offices\n\n"
    "The Safe Mobility Offices in Guatemala processed 4,000 referrals in 2024. "
    "They opened in June 2023 with support from several partners.\n"
)
QUESTION = "How many referrals did Movilidad Segura process in Guatemala?"


def _corpus(root: Path, aliases: str | None) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "offices.txt").write_text(DOC)
    if aliases is not None:
        (corpus / "aliases.yaml").write_text(aliases)
    return corpus


def _ask(root: Path, embedder: Embedder, question: str = QUESTION) -> Answer:
    assistant = build_assistant(settings_for(root, None, unique_collection()), embedder=embedder)
    report = assistant.sync()
    assert report.added == ("offices.txt",) and not report.failed  # the aliases file is no document
    return assistant.ask(question)


@pytest.mark.slow
def test_a_corpus_alias_names_what_its_documents_call_otherwise(
    tmp_path: Path, embedder: Embedder
) -> None:
    _corpus(tmp_path / "with", "movilidad segura: [safe mobility]\n")
    _corpus(tmp_path / "without", None)
    answered = _ask(tmp_path / "with", embedder)
    assert not answered.refused and "4,000" in answered.text
    refused = _ask(tmp_path / "without", embedder)
    assert refused.refused and refused.refusal_reason == "name_not_in_passages"


def test_the_aliases_file_is_not_listed_as_a_document(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "dhs: [homeland security]\n")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "aliases.yaml").write_text("x: [y]\n")  # only the root's is the corpus's
    files, errors = list_corpus(corpus)
    assert [f.id for f in files] == ["offices.txt"]
    assert [e.path for e in errors] == ["sub/aliases.yaml"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("- a list\n- of names\n", "must map names to lists of names"),
        ("dhs: [homeland security\n", "not valid YAML"),
        ("dhs: {nested: map}\n", "must map names to lists of names"),
    ],
)
def test_a_bad_aliases_file_is_named_in_one_line(tmp_path: Path, text: str, said: str) -> None:
    _corpus(tmp_path, text)
    with pytest.raises(UserError) as caught:
        build_assistant(settings_for(tmp_path, None, unique_collection()))
    message = str(caught.value)
    assert "\n" not in message and said in message and "aliases.yaml" in message
    assert "fix the file or remove it" in message


def test_general_aliases_come_with_every_corpus_and_the_corpus_wins() -> None:
    general = Aliases.general()
    assert general.of("peruvian") == ("peru",) and general.of("dhs") == ()
    merged = general.with_corpus("Peruvian: [lima government]\nDHS: [homeland security]\n")
    assert merged.of("peruvian") == ("lima government",)
    assert merged.expand("What did the DHS say?") == "What did the DHS say? (homeland security)"


def test_a_linked_aliases_file_is_refused_like_a_linked_document(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, None)
    (tmp_path / "elsewhere.yaml").write_text("dhs: [homeland security]\n")
    (corpus / "aliases.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(UserError, match="symbolic link, and links are not followed; fix"):
        build_assistant(settings_for(tmp_path, None, unique_collection()))
