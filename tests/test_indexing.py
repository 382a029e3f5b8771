"""Ingestion into a real Chroma index with the real bundled model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import MakeAssistant, shared_stream_pdf

BOTH_BACKENDS = True  # the index behind these tests matters: run them on a server too

pytestmark = pytest.mark.slow

CBP = "How many people used the CBP One app?"


def nearest_text(assistant, question: str) -> str:  # type: ignore[no-untyped-def]
    vector = assistant.embedder.encode_query(question)
    return assistant.store.query(vector, 1)[0][0].text


def chunk_ids(assistant) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(c.id for c in assistant.store.iter_chunks())


def test_shipped_corpus_is_indexed_and_searchable(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    report = assistant.sync()
    assert len(report.added) == 1 and not report.failed
    assert "547,000" in nearest_text(assistant, CBP)
    [record] = assistant.documents()
    assert record.date == "2024-05-08" and record.chunks == assistant.store.chunk_count()
    assert "Los Angeles Declaration" in record.title


def test_unchanged_corpus_costs_no_embedding(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.sync()
    before = assistant.embedder.texts_embedded
    report = assistant.sync()
    assert assistant.embedder.texts_embedded == before
    assert not report.changed and "up to date" in report.summary()


def test_add_change_delete_are_incremental(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    corpus = assistant.settings.corpus_dir
    assistant.sync()
    shipped_ids = chunk_ids(assistant)

    (corpus / "pilot.md").write_text(
        "---\ntitle: Pilot note\ndate: 2025-01-02\n---\n# Pilot\n\n"
        "The Pacific pilot enrolled 4,321 participants in its first year.\n",
        encoding="utf-8",
    )
    before = assistant.embedder.texts_embedded
    report = assistant.sync()
    assert report.added == ("pilot.md",) and len(report.unchanged) == 1
    embedded = assistant.embedder.texts_embedded - before
    assert 0 < embedded < 10  # only the new document's chunks and sentences
    assert "4,321" in nearest_text(assistant, "How many joined the Pacific pilot?")

    (corpus / "pilot.md").write_text(
        "---\ntitle: Pilot note\n---\nThe Pacific pilot enrolled 9,876 participants.\n",
        encoding="utf-8",
    )
    report = assistant.sync()
    assert report.updated == ("pilot.md",)
    text = nearest_text(assistant, "How many joined the Pacific pilot?")
    assert "9,876" in text and "4,321" not in " ".join(
        c.text for c in assistant.store.iter_chunks()
    )

    (corpus / "pilot.md").unlink()
    report = assistant.sync()
    assert report.removed == ("pilot.md",)
    assert chunk_ids(assistant) == shipped_ids


def test_rebuild_starts_over_with_the_same_ids(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.sync()
    ids = chunk_ids(assistant)
    report = assistant.sync(rebuild=True)
    assert report.added and chunk_ids(assistant) == ids


def test_bad_files_are_reported_and_the_rest_ingested(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    corpus = assistant.settings.corpus_dir
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "junk.pdf").write_bytes(b"\x00\x01 not a pdf at all")
    (corpus / "notes.xyz").write_text("unsupported", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 4)
    report = assistant.sync()
    failed = {e.path: e.reason for e in report.failed}
    assert set(failed) == {"empty.txt", "junk.pdf", "notes.xyz", "binary.txt"}
    assert all(reason and "\n" not in reason for reason in failed.values())
    assert [r.doc_id for r in assistant.documents()] == [
        "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"
    ]
    assert {c.doc_id for c in assistant.store.iter_chunks()} == {assistant.documents()[0].doc_id}


def test_docs_add_rejects_bad_files_and_leaves_nothing(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    assistant = make_assistant()
    assistant.sync()
    good, bad = tmp_path / "good.md", tmp_path / "bad.pdf"
    good.write_text("# Good\n\nA good note about the Andean route with 77 offices.\n")
    bad.write_bytes(b"%PDF-1.7 truncated")
    report, rejected = assistant.add_files([good, bad])
    assert [e.path for e in rejected] == ["bad.pdf"]
    corpus = assistant.settings.corpus_dir
    assert (corpus / "good.md").is_file() and not (corpus / "bad.pdf").exists()
    assert report.added == ("good.md",)
    assert not list(corpus.glob(".*uploading"))
    assert assistant.remove("good.md") and not (corpus / "good.md").exists()
    assert "good.md" not in {r.doc_id for r in assistant.documents()}


def test_a_document_larger_than_one_chroma_batch(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(copy_corpus=False, chunk_tokens=20, chunk_overlap_tokens=0)
    assistant.store.batch_size = 7  # far below the client's limit, so writes are split
    sentences = [
        f"Office number {i} in region {i % 9} processed {i * 13} cases." for i in range(120)
    ]
    (assistant.settings.corpus_dir / "big.txt").write_text(" ".join(sentences))
    assistant.sync()
    [record] = assistant.documents()
    assert record.chunks == assistant.store.chunk_count() > 3 * assistant.store.batch_size
    vectors = assistant.store.sentence_vectors(c.id for c in assistant.store.iter_chunks())
    assert sum(len(v) for v in vectors.values()) >= 120
    assert all(np.isfinite(v).all() for v in vectors.values())


def heavy_html(megabytes: float) -> str:
    """Real HTML that BeautifulSoup needs seconds and hundreds of MB to parse."""
    row = "<div><p>Regional <b>labor pathways</b> and <i>asylum</i> capacity.</p></div>\n"
    return "<html><body>" + row * int(megabytes * 1_000_000 / len(row)) + "</body></html>"


def test_a_parse_over_the_time_bound_is_stopped_and_the_rest_ingests(
    make_assistant: MakeAssistant,
) -> None:
    assistant = make_assistant(parse_timeout_s=0.3)
    corpus = assistant.settings.corpus_dir
    (corpus / "slow.html").write_text(heavy_html(3))
    (corpus / "after.md").write_text("# After\n\nThe Andean route has 77 offices.\n")
    report = assistant.sync()
    [failure] = report.failed
    assert failure.path == "slow.html"
    assert "longer than 0.3 s" in failure.reason and "ASSISTANT_PARSE_TIMEOUT_S" in failure.reason
    assert "after.md" in report.added  # parsed by a fresh worker after the kill
    assert "slow.html" not in {c.doc_id for c in assistant.store.iter_chunks()}


def test_a_parse_over_the_memory_bound_is_stopped_with_a_clear_reason(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    assistant = make_assistant(parse_memory_mb=100)
    assistant.sync()
    big = tmp_path / "upload" / "big.html"
    big.parent.mkdir()
    big.write_text(heavy_html(3))
    report, rejected = assistant.add_files([big])
    [failure] = rejected
    assert "more than 100 MB of memory" in failure.reason and "\n" not in failure.reason
    assert not (assistant.settings.corpus_dir / "big.html").exists()
    assert not report.changed


def test_query_vectors_are_embedded_together_and_cached(embedder) -> None:  # type: ignore[no-untyped-def]
    """The parts of a multi-part question go to the model in one call; each vector is what
    embedding the text alone gives, and a second ask embeds nothing."""
    parts = [f"Which country pledged funds in round {n}?" for n in range(3)]
    embedder.clear_query_cache()
    before = embedder.texts_embedded
    together = embedder.encode_queries([parts[0], *parts, parts[1]])
    assert embedder.texts_embedded - before == 3  # repeats embedded once
    assert embedder.encode_queries(parts) and embedder.texts_embedded - before == 3
    embedder.clear_query_cache()
    alone = [embedder.encode_query(p) for p in parts]
    assert np.allclose(np.vstack(together[1:4]), np.vstack(alone), atol=1e-5)
    assert np.array_equal(together[0], together[1]) and np.array_equal(together[4], together[2])


# --- issue 24: names and links that must not stop ingestion or reach outside the corpus -------

SHIPPED_ID = "2024-05-08-third-ministerial-los-angeles-declaration-fact-sheet.txt"


def test_a_name_too_long_for_its_sidecar_fails_alone_and_can_be_removed(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    """A 250-byte name is a valid file, but NAME.meta.yaml is not (ENAMETOOLONG): the file is
    refused by name, everything else ingests, uploads go on, and it can be removed."""
    assistant = make_assistant()
    corpus = assistant.settings.corpus_dir
    long_name = "n" * 247 + ".md"
    (corpus / long_name).write_text("# Long\n\nThe long-named note counts 12 offices.\n")
    report = assistant.sync()
    [failure] = report.failed
    assert failure.path == long_name and "\n" not in failure.reason
    assert "250 bytes long" in failure.reason and "shorter name" in failure.reason
    assert report.added == (SHIPPED_ID,)
    upload = tmp_path / "up" / "pilot.md"
    upload.parent.mkdir()
    upload.write_text("# Pilot\n\nThe Pacific pilot enrolled 4,321 participants.\n")
    report, rejected = assistant.add_files([upload])
    assert report.added == ("pilot.md",) and not rejected
    assert assistant.remove(long_name) and not (corpus / long_name).exists()
    assert not assistant.sync().failed


def test_links_in_the_corpus_are_refused_by_name_never_read_and_removable(
    make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    """A link to a file, to a folder, or as a document's sidecar, pointing out of the corpus:
    each is named with the reason, nothing behind it is indexed or answered, and a link is
    removed itself (what it points to stays)."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    secret = outside / "secret.txt"
    secret.write_text("The vault code of the server room is 5521-ZEBRA.\n")
    (outside / "folder" / "inner.md").write_text("# Inner\n\nThe vault code is 5521-ZEBRA.\n")
    (outside / "meta.yaml").write_text("title: vault code 5521-ZEBRA\n")
    assistant = make_assistant()
    corpus = assistant.settings.corpus_dir
    (corpus / "secret.txt").symlink_to(secret)
    (corpus / "linked").symlink_to(outside / "folder")
    (corpus / "note.md").write_text("# Note\n\nThe Andean route has 77 offices.\n")
    (corpus / "note.md.meta.yaml").symlink_to(outside / "meta.yaml")
    report = assistant.sync()
    failed = {e.path: e.reason for e in report.failed}
    assert set(failed) == {"secret.txt", "linked", "note.md"}, failed
    assert all("symbolic link" in reason and "\n" not in reason for reason in failed.values())
    assert [r.doc_id for r in assistant.documents()] == [SHIPPED_ID]
    assert not any("ZEBRA" in c.text for c in assistant.store.iter_chunks())
    answer = assistant.ask("What is the vault code of the server room?")
    assert "ZEBRA" not in answer.text and all("ZEBRA" not in h.chunk.text for h in answer.hits)
    assert assistant.remove("secret.txt")
    assert not (corpus / "secret.txt").is_symlink() and secret.is_file()


def test_the_viewer_parses_within_the_parse_limits_and_once_per_content(
    make_assistant: MakeAssistant,
) -> None:
    """Hole 4: the document viewer (the page's and the API's) parsed in the server process
    without limits, so a few KB of PDF held a core for as long as it took, per view. Now
    every parse goes through the bounded worker, its result (or refusal) cached by content
    hash: the ingest's parse serves the view, and past the time bound a view is refused with
    the reason, once, then from the cache."""
    from assistant.documents import DocumentNotFoundError

    ingest = make_assistant()
    (ingest.settings.corpus_dir / "shared.pdf").write_bytes(shared_stream_pdf(2, 50_000))
    assert "shared.pdf" in ingest.sync().added
    viewer = make_assistant(parse_timeout_s=0.5)  # another process, on the same index
    for _ in range(2):
        with pytest.raises(DocumentNotFoundError, match=r"longer than 0\.5 s"):
            viewer.document("shared.pdf")
    assert viewer.parser.parses == 1  # the refusal is remembered
    parses = ingest.parser.parses
    assert "31 offices" in ingest.document("shared.pdf").text
    assert ingest.parser.parses == parses  # parsed once, when it was indexed
    assert "Los Angeles" in viewer.document(SHIPPED_ID).text
