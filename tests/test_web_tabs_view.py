"""The Documents and Evaluation tabs' pure views: wording (plurals, dates), each failure of a
report in words, metrics against targets and the baseline, the explain command, and the HTML
of the documents table, viewer and upload result. The committed baseline report is real data."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from assistant.documents import DocumentFile, DocumentView
from assistant.refusals import REFUSAL_REASONS
from assistant.types import DocRecord, FileError, SyncReport
from assistant.web.documents_view import (
    Message,
    add_result_html,
    documents_html,
    download_url,
    viewer_html,
)
from assistant.web.evaluation_view import (
    category_choices,
    change_words,
    describe_failure,
    explain_command,
    failed_questions,
    failures_html,
    filter_failures,
    llm_path_html,
    metric_rows,
    metrics_html,
    reason_choices,
    run_html,
    target_words,
)
from assistant.web.wording import plural, readable_utc

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "evals" / "reports" / "baseline" / "report.json"
CHUNK_ID = re.compile(r"\b[0-9a-f]{16}:\d+\b")


@pytest.fixture(scope="module")
def baseline() -> dict:
    return dict(json.loads(BASELINE.read_text(encoding="utf-8")))


# --- wording -------------------------------------------------------------------------------


def test_plurals() -> None:
    assert plural(1, "chunk") == "1 chunk"
    assert plural(0, "chunk") == "0 chunks"
    assert plural(1234, "document") == "1,234 documents"
    assert plural(2, "category", "categories") == "2 categories"


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2026-11-29T22:07:31+00:00", "29 Nov 2026, 22:07 UTC"),
        ("2026-11-29T23:07:31+01:00", "29 Nov 2026, 22:07 UTC"),
        ("2026-03-05T09:00:00Z", "5 Mar 2026, 09:00 UTC"),
        ("2026-03-05T09:00:00", "5 Mar 2026, 09:00 UTC"),
        ("not a date", "not a date"),
        ("", "-"),
        (None, "-"),
    ],
)
def test_readable_utc(iso: object, shown: str) -> None:
    assert readable_utc(iso) == shown


# --- failures in words ---------------------------------------------------------------------


def test_every_failure_of_the_baseline_is_in_words_without_internal_ids(baseline: dict) -> None:
    failed = failed_questions(baseline)
    expected = [q["id"] for q in baseline["questions"] if q["failures"]]
    assert [f.id for f in failed] == expected
    for f in failed:
        for reason in f.reasons:
            assert not CHUNK_ID.search(reason.text + reason.quote), reason
            assert reason.text and reason.label
    q010 = next(f for f in failed if f.id == "q010")
    (reason,) = q010.reasons
    assert reason.label == "Citation without evidence"
    assert reason.text.startswith("Citation [2] quotes a passage (in 2024-05-08-")
    assert reason.quote.startswith("On behalf of the United States, Secretary Blinken")
    q045 = next(f for f in failed if f.id == "q045")
    assert (q045.reasons[0].label, q045.reasons[0].quote) == ("Expected fact missing", "third")


def test_each_kind_of_failure_reads_as_a_sentence() -> None:
    answer = {
        "refusal_reason": "name_not_in_passages",
        "citations": [{"n": 3, "chunk_id": "abc:1", "quote": "Said here."}],
        "passages": [{"chunk_id": "abc:1", "doc_id": "notes/a.md"}],
    }
    assert describe_failure("retrieval miss", answer, 5).text == (
        "None of the 5 passages retrieved holds the expected evidence"
    )
    refused = describe_failure("false refusal", answer)
    assert refused.label == "Refused an answerable question"
    assert REFUSAL_REASONS["name_not_in_passages"] in refused.text
    unknown_check = describe_failure("false refusal", {"refusal_reason": "brand_new_check"})
    assert unknown_check.text.endswith("the check that refused: brand new check")
    cited = describe_failure("cited passage without evidence: abc:1", answer)
    assert cited.text.startswith("Citation [3] quotes a passage (in notes/a.md)")
    assert cited.quote == "Said here."
    gone = describe_failure("cited passage without evidence: zzz:9", answer)
    assert gone.text.startswith("A citation quotes a passage that") and "zzz" not in gone.text
    assert describe_failure("evidence not cited: The excerpt…", {}).quote == "The excerpt…"
    assert describe_failure("not refused", {}).label == "Answered an unanswerable question"
    assert describe_failure("no citations", {}).text == "The answer cites no passage"
    new = describe_failure("stale source: old.pdf", {})
    assert (new.kind, new.label, new.quote) == ("stale source", "Stale source", "old.pdf")


def test_a_report_with_missing_or_extra_keys_still_reads() -> None:
    data = {
        "metrics": {"hit_at_k": 0.5, "brand_new_metric": 1.0},
        "questions": [
            {"id": "t1", "failures": ["false refusal"], "split": "test", "extra": {"x": 1}},
            {"id": "t2"},
            "not a question",
        ],
    }
    (failed,) = failed_questions(data)
    assert (failed.id, failed.split, failed.category, failed.refused) == ("t1", "test", "", False)
    rows = metric_rows(data)
    assert [r.metric for r in rows] == ["hit_at_k"]
    assert "Run ?" in run_html(data, None, False)
    assert "test set" in failures_html([failed], 1)
    assert failed_questions({}) == ()


def test_filters_by_category_and_by_reason(baseline: dict) -> None:
    failed = failed_questions(baseline)
    paraphrase = filter_failures(failed, category="paraphrase")
    assert paraphrase and all(f.category == "paraphrase" for f in paraphrase)
    missing = filter_failures(failed, kind="missing fact")
    assert {f.id for f in missing} == {"q012", "q045", "q067"}
    both = filter_failures(failed, "paraphrase", "evidence not cited")
    assert [f.id for f in both] == ["q067"]
    assert filter_failures(failed) == list(failed)
    categories = dict((v, label) for label, v in category_choices(failed))
    assert categories[""] == "All categories (19)" and categories["paraphrase"] == "paraphrase (9)"
    reasons = dict((v, label) for label, v in reason_choices(failed))
    assert reasons["missing fact"] == "Expected fact missing (3)"
    assert reasons["not refused"] == "Answered an unanswerable question (5)"


def test_failures_html_counts_and_escapes() -> None:
    data = {"questions": [{"id": "x<1>", "question": "Is <b>this</b> safe?", "failures": ["x"]}]}
    failed = failed_questions(data)
    html = failures_html(failed, 1)
    assert "<b>this</b>" not in html and "&lt;b&gt;this&lt;/b&gt;" in html
    assert "1 failing question," in html
    assert "No failure matches these filters" in failures_html([], 3)
    assert "No question failed" in failures_html([], 0)


@pytest.mark.parametrize(
    "question",
    [
        "Who issued the Declaration?",
        'What does "regular pathways" mean?',
        "How much is $578 million in `pesos`?",
        "A back\\slash and the country's name",
    ],
)
def test_the_explain_command_asks_exactly_the_question(question: str) -> None:
    """Checked by a real POSIX shell: printf in place of the command prints the argument."""
    command = explain_command(question)
    prefix = "assistant ask --explain "
    assert command.startswith(prefix + '"')
    printed = subprocess.run(
        ["sh", "-c", "printf %s " + command.removeprefix(prefix)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == question


# --- metrics against the targets and the baseline ------------------------------------------


def test_changes_say_up_down_or_same_in_words() -> None:
    assert change_words("hit_at_k", 0.900, 0.950) == ("better", "▲ +0.050 better")
    assert change_words("hit_at_k", 0.950, 0.900) == ("worse", "▼ −0.050 worse")
    assert change_words("hit_at_k", 0.9501, 0.9504) == ("same", "= same")
    assert change_words("false_refusal_rate", 0.0, 0.05) == ("worse", "▲ +0.050 worse")
    assert change_words("false_refusal_rate", 0.05, 0.0) == ("better", "▼ −0.050 better")
    assert change_words("latency_p50_ms", 27.16, 30.0) == ("worse", "▲ +2.8 ms slower")
    assert change_words("mrr", None, 0.5) == ("na", "n/a")


def test_targets_say_met_or_missed() -> None:
    rows = {
        r.metric: r
        for r in metric_rows({"metrics": {"hit_at_k": 0.9, "mrr": 0.5, "false_refusal_rate": 0.0}})
    }
    assert target_words(rows["hit_at_k"].target, 0.9) == ("missed", "≥ 0.95 ✗ missed")
    assert target_words(rows["false_refusal_rate"].target, 0.0) == ("met", "≤ 0.05 ✓ met")
    assert target_words(rows["mrr"].target, 0.5) == ("na", "none")


def test_metrics_against_the_baseline(baseline: dict) -> None:
    newer = json.loads(json.dumps(baseline))
    newer["metrics"]["hit_at_k"] = 0.9
    newer["counts"]["refusal_rate"] = 0  # no unanswerable question in this run
    rows = {r.metric: r for r in metric_rows(newer, baseline)}
    assert (rows["hit_at_k"].value, rows["hit_at_k"].baseline) == (0.9, 1.0)
    assert rows["refusal_rate"].value is None
    html = metrics_html(list(rows.values()), with_baseline=True)
    assert "▼ −0.100 worse" in html and "≥ 0.95 ✗ missed" in html
    assert html.count("= same") == len(rows) - 2  # hit@k down; refusal rate n/a
    assert "Baseline" not in metrics_html(list(rows.values()), with_baseline=False)


# --- documents -----------------------------------------------------------------------------


def _record(doc_id: str, title: str, chunks: int) -> DocRecord:
    return DocRecord(doc_id, title, "2024-05-08", "0" * 64, chunks, "2026-11-29T22:07:01+00:00")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_download_url_encodes_the_whole_id() -> None:
    assert download_url("a b/c?.md") == "/api/v1/documents/a%20b%2Fc%3F.md/file"


def test_the_table_counts_with_plurals_and_escapes_titles() -> None:
    html = documents_html([_record("one.md", "<script>x</script>", 1)], 1)
    assert "1 document indexed, 1 passage" in _text(html)
    assert ">1 passage<" in html and "1 passages" not in html
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'href="/api/v1/documents/one.md/file"' in html
    assert "29 Nov 2026, 22:07 UTC" in html
    assert html.count('data-action="open"') == html.count('data-action="remove"') == 1
    two = documents_html([_record("a.md", "A", 3), _record("b.md", "B", 4)], 7)
    assert "2 documents indexed, 7 passages" in _text(two)
    assert 'id="remove-result"' in documents_html([], 0, Message("Removed a.md."))
    assert "No document is indexed yet" in documents_html([], 0)


def test_the_upload_result_puts_rejected_files_in_an_error_block() -> None:
    report = SyncReport(added=("a.md",), chunks_embedded=1, seconds=0.42)
    html = add_result_html(report, [FileError("empty.txt", "the file is empty")])
    assert "Indexed: 1 added (1 chunk embedded in 0.4 s)." in html
    errors = html[html.index('class="docs-errors"') :]
    assert "1 file was not added" in errors
    assert (
        '<strong>Rejected:</strong> <span class="file">empty.txt</span>: the file is empty'
        in errors
    )
    nothing = add_result_html(SyncReport(), [FileError("x.txt", "bad")])
    assert "Nothing was added." in nothing
    assert "already indexed" in add_result_html(SyncReport(unchanged=("a.md",)), [])
    busy = add_result_html(None, [], "Nothing added: another ingestion is running")
    assert 'class="docs-message error" role="alert"' in busy


def test_the_viewer_shows_pages_and_escapes_the_text(tmp_path: Path) -> None:
    text = "First <page> text.Second page text."
    view = DocumentView(
        "r.pdf",
        "Report",
        "2024-01-02",
        text,
        ((1, 0, 18), (2, 18, len(text))),
        (),
        DocumentFile("r.pdf", tmp_path / "r.pdf", "r.pdf", "application/pdf"),
    )
    html = viewer_html(view, 7)
    assert 'data-opened="7"' in html and 'id="doc-viewer-title"' in html
    assert "First &lt;page&gt; text." in html and "<page>" not in html
    assert html.count('class="doc-page"') == 2 and "2 pages" in html
    assert 'href="/api/v1/documents/r.pdf/file"' in html


def test_a_set_matches_the_documents_that_hold_most_of_its_evidence() -> None:
    from assistant.web.evaluation_view import SetMatch, best_set, evidence_found, set_html

    texts = ["The pilot enrolled exactly\n4,321 participants.", "Another document."]
    assert evidence_found(["enrolled exactly 4,321", "not there", " "], texts) == (1, 2)
    default, pilot = SetMatch("", 0, 117), SetMatch("pilot", 1, 1)
    assert best_set([default, pilot]) == pilot and best_set([]) is None
    assert pilot.matches and not default.matches and SetMatch("x", 0, 0).matches is False
    warned = set_html(default, 1)
    assert "The default set over the 1 served document: 0 of 117" in _text(warned)
    assert "written for other documents" in warned
    assert "eval-mismatch" not in set_html(pilot, 1)


def test_the_llm_path_table_shows_each_recorded_set_beside_the_offline_numbers() -> None:
    report = {
        "run": {"llm_replay": {"replayed": 126, "missing": 0}},
        "metrics": {
            "fact_recall": 0.979,
            "citation_precision": 0.982,
            "refusal_rate": 1.0,
            "false_refusal_rate": 0.021,
        },
    }
    html = llm_path_html({"public": report})
    assert '<th scope="row">public</th>' in html and "126" in html
    assert "0.979" in html and "0.982" in html and "0.021" in html
    assert "No recorded replies" in llm_path_html({})


def test_brief_folders_left_by_a_killed_app_are_removed_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The chat's brief downloads wait in a temporary folder named after the app's process;
    a killed app (kill -9 runs no clean-up) left them behind. The next app removes the
    folders of processes that are gone, and keeps those of running ones."""
    import os
    import tempfile

    from assistant.web.layout import BRIEFS_PREFIX, _briefs_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{BRIEFS_PREFIX}{_exited_pid()}-abc"
    alive = tmp_path / f"{BRIEFS_PREFIX}{os.getppid()}-def"
    for folder in (dead, alive):
        (folder / "session").mkdir(parents=True)
    ours = _briefs_folder()
    try:
        assert not dead.exists() and alive.exists()
        assert Path(ours.name).name.startswith(f"{BRIEFS_PREFIX}{os.getpid()}-")
    finally:
        ours.cleanup()


def _exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
