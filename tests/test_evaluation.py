"""Fast unit tests of the evaluation harness: metrics on small literal inputs, loading,
aggregation, reports, comparison and the `eval` command's user errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.cli import main as cli
from assistant.config import Settings
from assistant.evaluation.metrics import (
    METRICS,
    EvalError,
    EvalItem,
    all_facts,
    citation_precision,
    citation_recall,
    collapse,
    fact_present,
    fact_recall,
    hit_at_k,
    load_items,
    parse_items,
    percentile,
    reciprocal_rank,
    refusals_by_reason,
    score_question,
    score_run,
    select_split,
    squad_normalize,
    summarize,
    token_f1,
)
from assistant.evaluation.report import (
    check_thresholds,
    compare_metrics,
    latest_report,
    load_report,
    metrics_table_markdown,
    parse_threshold,
    run_dir,
    write_report,
)
from assistant.evaluation.run import new_run_id, run_eval
from assistant.types import Answer, Chunk, Citation, Hit, Turn

# --- builders ------------------------------------------------------------------------------


def chunk(cid: str, text: str) -> Chunk:
    return Chunk(id=cid, doc_id="doc.txt", ordinal=0, text=text, start=0, end=len(text))


def citation(n: int, cid: str, quote: str = "q") -> Citation:
    return Citation(n, cid, "doc.txt", "Doc", "", "", None, quote, 0, len(quote))


def answer(
    text: str,
    passages: Sequence[tuple[str, str]] = (),
    cited: Sequence[str] = (),
    refused: bool = False,
    reason: str = "",
) -> Answer:
    hits = tuple(Hit(chunk(cid, t), 1.0 / r, r) for r, (cid, t) in enumerate(passages, 1))
    cites = tuple(citation(n, cid) for n, cid in enumerate(cited, 1))
    return Answer("q?", "q?", text, cites, hits, refused, refusal_reason=reason)


def item(
    facts: Sequence[Sequence[str]] = (("547,000",),),
    evidence: Sequence[str] = ("more than 547,000 individuals used CBP One",),
    answerable: bool = True,
    category: str = "number",
    reference: str = "More than 547,000 individuals used CBP One.",
    qid: str = "q1",
) -> EvalItem:
    return EvalItem(
        id=qid,
        question="How many used CBP One?",
        answer=reference if answerable else "",
        facts=tuple(tuple(f) for f in facts) if answerable else (),
        evidence=tuple(evidence) if answerable else (),
        answerable=answerable,
        category=category,
    )


EVIDENCE_PASSAGE = ("c1", "From 2023,  More than 547,000\nindividuals used CBP One and presented.")
OTHER_PASSAGE = ("c2", "Canada is investing C$75 million over six years.")


# --- facts and normalisation -----------------------------------------------------------


def test_collapse_lowercases_and_collapses_whitespace() -> None:
    assert collapse("  More than\n 547,000\tPeople ") == "more than 547,000 people"


def test_fact_matches_any_alternative_case_and_whitespace_insensitively() -> None:
    assert fact_present(("Antony Blinken", "Blinken"), "Secretary BLINKEN led it")
    assert fact_present(("six  years",), "over Six\nyears")
    assert not fact_present(("547,000",), "547000 people")


def test_fact_recall_and_all_facts() -> None:
    facts = [("C$75 million", "75 million"), ("six years", "6 years"), ("Canada",)]
    text = "It invests 75 million over 6 years."
    assert fact_recall(facts, text) == pytest.approx(2 / 3)
    assert all_facts(facts, text) == 0.0
    assert all_facts(facts, text + " Canada.") == 1.0
    assert fact_recall([], text) is None and all_facts([], text) is None


# --- SQuAD F1 ----------------------------------------------------------------------------


def test_squad_normalize_drops_case_punctuation_and_articles() -> None:
    assert squad_normalize("The Cat, an  apple & A dog!") == "cat apple dog"
    assert squad_normalize("547,000 (about)") == "547000 about"


def test_token_f1() -> None:
    assert token_f1("The cat sat.", "a cat sat") == 1.0
    # pred: cat sat on mat (4), ref: cat sat (2) -> P=1/2, R=1 -> F1=2/3
    assert token_f1("the cat sat on the mat", "cat sat") == pytest.approx(2 / 3)
    assert token_f1("dog", "cat") == 0.0
    assert token_f1("", "cat") == 0.0
    assert token_f1("the", "a") == 1.0  # both empty after normalisation
    assert token_f1("cat cat", "cat") == pytest.approx(2 / 3)  # counts, not sets


# --- retrieval ---------------------------------------------------------------------------


def test_hit_and_reciprocal_rank() -> None:
    evidence = ["MORE THAN 547,000 individuals"]
    passages = [OTHER_PASSAGE[1], EVIDENCE_PASSAGE[1]]
    assert hit_at_k(passages, evidence, 5) == 1.0
    assert reciprocal_rank(passages, evidence, 5) == 0.5
    assert hit_at_k(passages, evidence, 1) == 0.0  # relevant passage beyond k
    assert reciprocal_rank(passages, evidence, 1) == 0.0
    assert reciprocal_rank([EVIDENCE_PASSAGE[1], EVIDENCE_PASSAGE[1]], evidence, 5) == 1.0
    assert hit_at_k([], evidence, 5) == 0.0


# --- citations -------------------------------------------------------------------------


def test_citation_precision_counts_evidence_or_fact_alternative() -> None:
    evidence = ["more than 547,000 individuals"]
    facts = [("C$75 million", "75 million")]
    cited = [EVIDENCE_PASSAGE[1], OTHER_PASSAGE[1], "Nothing relevant here."]
    assert citation_precision(cited, evidence, facts) == pytest.approx(2 / 3)
    assert citation_precision([], evidence, facts) is None


def test_citation_recall() -> None:
    evidence = ["more than 547,000 individuals", "C$75 million over six years"]
    assert citation_recall([EVIDENCE_PASSAGE[1]], evidence) == 0.5
    assert citation_recall([EVIDENCE_PASSAGE[1], OTHER_PASSAGE[1]], evidence) == 1.0
    assert citation_recall([], evidence) == 0.0
    assert citation_recall([EVIDENCE_PASSAGE[1]], []) is None


# --- one question ----------------------------------------------------------------------


def test_good_answer_scores_fully_without_failures() -> None:
    a = answer(
        "More than 547,000 individuals used CBP One. [1]",
        [OTHER_PASSAGE, EVIDENCE_PASSAGE],
        cited=["c1"],
    )
    s = score_question(item(), a, 12.5, k=5)
    assert s.values["hit_at_k"] == 1.0 and s.values["mrr"] == 0.5
    assert s.values["fact_recall"] == 1.0 and s.values["all_facts"] == 1.0
    assert s.values["token_f1"] == 1.0  # the [1] marker is not part of the answer
    assert s.values["citation_precision"] == 1.0 and s.values["citation_recall"] == 1.0
    assert s.values["false_refusal_rate"] == 0.0 and s.values["refusal_rate"] is None
    assert s.values["latency_ms"] == 12.5
    assert s.failures == ()


def test_markers_do_not_split_a_fact() -> None:
    a = answer("It gives C$75 million [1] over six years.", [OTHER_PASSAGE], cited=["c2"])
    facts = [("C$75 million over six years",)]
    s = score_question(item(facts=facts, evidence=["C$75 million"]), a, 1.0, k=5)
    assert s.values["fact_recall"] == 1.0


def test_refused_answerable_question_scores_zero() -> None:
    a = answer("I could not find this.", [OTHER_PASSAGE], refused=True)
    s = score_question(item(facts=[("547,000",), ("CBP One",)]), a, 1.0, k=5)
    assert s.values["fact_recall"] == 0.0 and s.values["all_facts"] == 0.0
    assert s.values["token_f1"] == 0.0
    assert s.values["citation_precision"] is None and s.values["citation_recall"] == 0.0
    assert s.values["false_refusal_rate"] == 1.0
    assert s.failures == ("retrieval miss", "false refusal")


def test_unsupported_citation_and_missing_fact_are_failures() -> None:
    a = answer(
        "Canada gives C$75 million. [1] Something else. [2]",
        [EVIDENCE_PASSAGE, OTHER_PASSAGE, ("c3", "Unrelated text.")],
        cited=["c2", "c3"],
    )
    s = score_question(item(), a, 1.0, k=5)
    assert s.values["citation_precision"] == 0.0
    assert s.values["citation_recall"] == 0.0
    assert "missing fact: 547,000" in s.failures
    assert "cited passage without evidence: c2" in s.failures
    assert "cited passage without evidence: c3" in s.failures
    assert any(f.startswith("evidence not cited: more than 547,000") for f in s.failures)
    assert "retrieval miss" not in s.failures


def test_citation_of_a_chunk_not_among_hits_counts_as_unsupported() -> None:
    a = answer("More than 547,000. [1] [2]", [EVIDENCE_PASSAGE], cited=["c1", "ghost"])
    s = score_question(item(), a, 1.0, k=5)
    assert s.values["citation_precision"] == 0.5
    assert "cited passage without evidence: ghost" in s.failures


def test_answerable_without_citations() -> None:
    a = answer("More than 547,000 individuals.", [EVIDENCE_PASSAGE])
    s = score_question(item(), a, 1.0, k=5)
    assert s.values["citation_precision"] is None and s.values["citation_recall"] == 0.0
    assert s.failures == ("no citations",)


def test_unanswerable_question() -> None:
    refused = score_question(
        item(answerable=False), answer("no", [OTHER_PASSAGE], refused=True), 1.0, 5
    )
    assert refused.values["refusal_rate"] == 1.0
    assert refused.values["false_refusal_rate"] is None
    for name in ("hit_at_k", "mrr", "fact_recall", "token_f1", "citation_recall"):
        assert refused.values[name] is None
    assert refused.failures == ()
    answered = score_question(item(answerable=False), answer("Yes. [1]"), 1.0, 5)
    assert answered.values["refusal_rate"] == 0.0
    assert answered.failures == ("not refused",)


# --- aggregation -----------------------------------------------------------------------


def test_percentile_interpolates_linearly() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0], 100) == 3.0
    assert percentile([], 50) == 0.0


def test_summarize_excludes_not_applicable_and_rates_refusals() -> None:
    good = answer("More than 547,000 [1]", [EVIDENCE_PASSAGE], cited=["c1"])
    scores = [
        score_question(item(qid="a"), good, 10.0, 5),
        score_question(item(qid="b"), answer("no", [OTHER_PASSAGE], refused=True), 20.0, 5),
        score_question(item(answerable=False), answer("no", refused=True), 30.0, 5),
        score_question(item(answerable=False), answer("sure [1]"), 40.0, 5),
    ]
    summary = summarize(scores)
    m, n = summary.metrics, summary.counts
    assert list(m) == list(METRICS)
    assert m["hit_at_k"] == 0.5 and n["hit_at_k"] == 2
    assert m["citation_precision"] == 1.0 and n["citation_precision"] == 1
    assert m["citation_recall"] == 0.5 and n["citation_recall"] == 2
    assert m["refusal_rate"] == 0.5 and n["refusal_rate"] == 2
    assert m["false_refusal_rate"] == 0.5 and n["false_refusal_rate"] == 2
    assert m["latency_p50_ms"] == 25.0 and n["latency_p50_ms"] == 4
    assert n["questions"] == 4


def test_summarize_writes_zero_when_no_question_applies() -> None:
    summary = summarize([score_question(item(answerable=False), answer("x"), 5.0, 5)])
    assert summary.metrics["hit_at_k"] == 0.0 and summary.counts["hit_at_k"] == 0
    assert summarize([]).metrics["latency_p95_ms"] == 0.0


# --- loading ---------------------------------------------------------------------------

GOOD = {
    "id": "q1",
    "question": "How many?",
    "answer": "547,000",
    "facts": ["547,000", ["C$75 million", "75 million"]],
    "evidence": ["more than 547,000"],
    "answerable": True,
    "category": "number",
}


def _line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_parse_items_reads_facts_alternatives_and_history() -> None:
    history = [{"role": "user", "content": "What is CBP One?"}]
    items = parse_items([_line(), "", _line(id="q2", history=history)], "set.jsonl")
    assert items[0].facts == (("547,000",), ("C$75 million", "75 million"))
    assert items[0].history == ()
    assert items[1].history == (Turn("user", "What is CBP One?"),)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"id": "x"}), "missing key(s): question, answer"),
        (_line(answerable="yes"), "'answerable' must be true or false"),
        (_line(facts="547,000"), "'facts' must be a list"),
        (_line(facts=[[]]), "empty list of alternatives"),
        (_line(evidence=[""]), "'evidence' must be a list of non-empty strings"),
        (_line(question="  "), "'question' must not be empty"),
        (_line(history=[{"role": "bot", "content": "hi"}]), "'history' turn"),
        (_line(id="q0"), "duplicate id 'q0' (first on line 1)"),
        (_line(split="train"), "'split' must be 'dev' or 'test', not 'train'"),
    ],
)
def test_loading_errors_name_the_file_and_line(tmp_path: Path, bad: str, reason: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(_line(id="q0") + "\n\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(EvalError) as err:
        load_items(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line 3: ") and reason in message
    assert "\n" not in message


def test_loading_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="no such questions file"):
        load_items(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(EvalError, match="no questions"):
        load_items(tmp_path / "empty.jsonl")


def test_the_shipped_set_loads() -> None:
    items = load_items(Path(__file__).resolve().parents[1] / "evals" / "questions.jsonl")
    assert len(items) >= 80 and any(i.history for i in items)


def test_the_realistic_set_loads_as_one_dev_split() -> None:
    """Its old test split was selected on and merged into dev (issue 22): asking for test says
    so in one line instead of scoring nothing."""
    path = Path(__file__).resolve().parents[1] / "evals" / "realistic" / "questions.jsonl"
    items = load_items(path)
    assert select_split(items, "dev") == select_split(items, "all") == items
    assert len(items) >= 150
    with pytest.raises(EvalError, match=r"no questions in split 'test'"):
        select_split(items, "test", "questions.jsonl")


def test_select_split_keeps_items_without_a_split_in_every_split() -> None:
    dev = replace(item(qid="d"), split="dev")
    test = replace(item(qid="t"), split="test")
    both = item(qid="b")
    assert [i.id for i in select_split([dev, test, both], "dev")] == ["d", "b"]
    assert [i.id for i in select_split([dev, test, both], "test")] == ["t", "b"]
    assert [i.id for i in select_split([dev, test, both], "all")] == ["d", "t", "b"]
    with pytest.raises(EvalError, match=r"set.jsonl: no questions in split 'test'"):
        select_split([dev], "test", "set.jsonl")
    with pytest.raises(EvalError, match="unknown split 'train'; choose one of dev, test, all"):
        select_split([dev], "train")


def test_parse_items_reads_the_split() -> None:
    items = parse_items([_line(split="dev"), _line(id="q2")], "set.jsonl")
    assert [i.split for i in items] == ["dev", ""]


def test_refusals_are_counted_by_reason_apart_for_answerable_and_unanswerable() -> None:
    unanswerable = item(answerable=False, qid="u")
    scores = [
        score_question(unanswerable, answer("no", refused=True, reason="no_number"), 1.0, 5),
        score_question(unanswerable, answer("no", refused=True, reason="low_support"), 1.0, 5),
        score_question(unanswerable, answer("no", refused=True, reason="low_support"), 1.0, 5),
        score_question(unanswerable, answer("Yes. [1]"), 1.0, 5),  # answered: not counted
        score_question(item(), answer("no", refused=True), 1.0, 5),  # no reason given
        score_question(item(), answer("547,000 [1]", [EVIDENCE_PASSAGE], ["c1"]), 1.0, 5),
    ]
    assert refusals_by_reason(scores, answerable=False) == {"low_support": 2, "no_number": 1}
    assert list(refusals_by_reason(scores, answerable=False)) == ["low_support", "no_number"]
    assert refusals_by_reason(scores, answerable=True) == {"unspecified": 1}


# --- comparison and thresholds ---------------------------------------------------------

OLD = {name: 0.8 for name in METRICS} | {"false_refusal_rate": 0.1, "latency_p50_ms": 100.0}


def test_compare_flags_regressions_beyond_tolerance_only() -> None:
    new = dict(OLD) | {
        "hit_at_k": 0.78,  # exactly on the tolerance: not a regression
        "mrr": 0.77,
        "fact_recall": 0.9,
        "false_refusal_rate": 0.13,
        "refusal_rate": 0.5,
        "latency_p50_ms": 900.0,  # latency is never gated
    }
    deltas = {d.metric: d for d in compare_metrics(OLD, new, tolerance=0.02)}
    regressed = {name for name, d in deltas.items() if d.regressed}
    assert regressed == {"mrr", "false_refusal_rate", "refusal_rate"}
    assert deltas["fact_recall"].delta == pytest.approx(0.1)


def test_compare_false_refusal_improvement_is_not_a_regression() -> None:
    new = dict(OLD) | {"false_refusal_rate": 0.0}
    assert not any(d.regressed for d in compare_metrics(OLD, new))


def test_compare_skips_metrics_missing_from_the_old_report() -> None:
    assert [d.metric for d in compare_metrics({"mrr": 0.5}, OLD)] == ["mrr"]


def test_parse_threshold() -> None:
    t = parse_threshold("hit_at_k=0.85")
    assert (t.metric, t.value, t.ceiling) == ("hit_at_k", 0.85, False)
    assert parse_threshold("false_refusal_rate = 0.1").ceiling


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hit_at_k", "expected METRIC=VALUE"),
        ("recall=0.5", "unknown metric 'recall'; valid metrics: hit_at_k, mrr,"),
        ("mrr=high", "'high' is not a number"),
        ("mrr=nan", "finite"),
    ],
)
def test_parse_threshold_errors(text: str, reason: str) -> None:
    with pytest.raises(EvalError) as err:
        parse_threshold(text)
    assert reason in str(err.value)


def test_check_thresholds_floor_and_ceiling() -> None:
    metrics = {"hit_at_k": 0.8, "false_refusal_rate": 0.2}
    floors = [parse_threshold("hit_at_k=0.85"), parse_threshold("hit_at_k=0.8")]
    assert check_thresholds(metrics, floors) == ["hit_at_k = 0.800 is below 0.850"]
    ceilings = [parse_threshold("false_refusal_rate=0.1")]
    assert check_thresholds(metrics, ceilings) == ["false_refusal_rate = 0.200 is above 0.100"]
    assert check_thresholds(metrics, [parse_threshold("false_refusal_rate=0.2")]) == []


# --- a run with a stand-in assistant, and its report files ------------------------------


class FakeAssistant:
    """Answers from a table; refuses what it does not know."""

    answerer_name = "fake"

    def __init__(self, settings: Settings, answers: dict[str, Answer]) -> None:
        self.settings = settings
        self.answers = answers
        self.asked: list[tuple[str, tuple[Turn, ...], int | None]] = []

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Answer:
        self.asked.append((question, tuple(history), k))
        refusal = answer("I could not find this.", refused=True, reason="low_support")
        return self.answers.get(question, refusal)


def _fake_items() -> list[EvalItem]:
    first = item(qid="q1", category="number")
    second = replace(first, id="q2", question="Other?", category="fact")
    third = replace(item(answerable=False, qid="q3"), question="Cake?", category="unanswer")
    return [first, second, third]


def _fake_report(tmp_path: Path) -> tuple[Path, FakeAssistant]:
    good = answer("More than 547,000 individuals used CBP One. [1]", [EVIDENCE_PASSAGE], ["c1"])
    fake = FakeAssistant(Settings(corpus_dir=tmp_path), {"How many used CBP One?": good})
    progress: list[tuple[int, int]] = []
    run = run_eval(fake, _fake_items(), k=3, progress=lambda d, t: progress.append((d, t)))
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [k for _, _, k in fake.asked] == [3, 3, 3]
    paths = write_report(score_run(run), tmp_path / "reports" / run.info.run_id)
    return paths.json, fake


def test_run_and_report_files(tmp_path: Path) -> None:
    report_json, _ = _fake_report(tmp_path)
    folder = report_json.parent
    assert {p.name for p in folder.iterdir()} == {"report.json", "report.md", "report.png"}
    data = load_report(folder)
    assert list(data["metrics"]) == list(METRICS)
    assert all(isinstance(v, float) for v in data["metrics"].values())
    assert set(data["by_category"]) == {"fact", "number", "unanswer"}
    assert all(list(m) == list(METRICS) for m in data["by_category"].values())
    assert data["metrics"]["false_refusal_rate"] == 0.5
    assert data["metrics"]["refusal_rate"] == 1.0
    assert data["run"]["k"] == 3 and data["run"]["answerer"] == "fake"
    assert data["run"]["questions"] == 3
    q2 = next(q for q in data["questions"] if q["id"] == "q2")
    assert q2["failures"] == ["retrieval miss", "false refusal"]
    assert q2["answer"]["refused"] is True
    assert q2["answer"]["refusal_reason"] == "low_support"
    assert data["refusals_by_reason"] == {"low_support": 1}  # q3, unanswerable
    assert data["false_refusals_by_reason"] == {"low_support": 1}  # q2, answerable
    assert (data["run"]["split"], data["run"]["question_set"]) == ("all", "")
    q1 = data["questions"][0]
    assert q1["answer"]["citations"][0]["chunk_id"] == "c1"
    assert q1["answer"]["passages"][0]["rank"] == 1
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert markdown.index("## Failures (1 of 3 questions)") < markdown.index("## All questions")
    assert "| hit@k | 1.000 | 2 |" not in markdown  # hit@k applies to 2, one missed
    assert "| hit@k | 0.500 | 2 |" in markdown
    assert "| low_support | 1 | 1 |" in markdown
    assert "> **refused (low_support):** I could not find this." in markdown
    failing = markdown.split("## Failures")[1].split("## All questions")[0]
    assert "Explain: `HF_HUB_OFFLINE=1 .venv/bin/assistant ask --explain '" in failing
    assert "- **split**: all" in markdown
    assert (folder / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_latest_report_and_load_errors(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert latest_report(reports) is None
    report_json, _ = _fake_report(tmp_path)
    assert latest_report(reports) == report_json
    with pytest.raises(EvalError, match="no such report"):
        load_report(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EvalError, match="no 'metrics' object"):
        load_report(tmp_path / "bad.json")


def test_metrics_table_markdown_marks_not_applicable() -> None:
    table = metrics_table_markdown(
        {"metrics": {"hit_at_k": 0.0, "mrr": 0.25}, "counts": {"hit_at_k": 0, "mrr": 4}}
    )
    assert "| hit@k | n/a | 0 |" in table and "| MRR | 0.250 | 4 |" in table


def test_run_ids_and_folders(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    assert new_run_id(datetime(2026, 11, 28, 5, 12, 59, tzinfo=UTC)) == "20261128-0512"
    assert run_dir(tmp_path, "x") == tmp_path / "x"
    (tmp_path / "x").mkdir()
    assert run_dir(tmp_path, "x") == tmp_path / "x-2"


# --- the `eval` command's user errors (no assistant is built) ---------------------------


def _main_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(["eval", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_cli_missing_questions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _main_error(capsys, "--questions", str(tmp_path / "none.jsonl"))
    assert "no such questions file" in err


def test_cli_bad_json_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_line() + "\n{oops\n", encoding="utf-8")
    assert f"{path}, line 2: not valid JSON" in _main_error(capsys, "--questions", str(path))


def test_cli_unknown_metric(capsys: pytest.CaptureFixture[str]) -> None:
    err = _main_error(capsys, "--fail-under", "speed=1")
    assert "unknown metric 'speed'" in err and "false_refusal_rate" in err


def test_cli_missing_compare_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such report" in _main_error(capsys, "--compare", str(tmp_path / "r.json"))


def test_cli_missing_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such corpus folder" in _main_error(capsys, "--corpus", str(tmp_path / "nope"))


REPO_EVALS = Path(__file__).resolve().parents[1] / "evals"


@pytest.fixture
def repo_evals(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's evals/ folder as the setting, wherever pytest was started."""
    monkeypatch.setenv("ASSISTANT_EVALS_DIR", str(REPO_EVALS))
    return REPO_EVALS


@pytest.mark.usefixtures("repo_evals")
def test_cli_unknown_set(capsys: pytest.CaptureFixture[str]) -> None:
    err = _main_error(capsys, "--set", "nope")
    assert "--set 'nope': no such question set" in err and "realistic" in err


@pytest.mark.usefixtures("repo_evals")
def test_cli_set_cannot_leave_the_evals_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such question set" in _main_error(capsys, "--set", "../corpus")


@pytest.mark.usefixtures("repo_evals")
def test_cli_empty_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dev-only.jsonl"
    path.write_text(_line(split="dev") + "\n", encoding="utf-8")
    err = _main_error(capsys, "--set", "realistic", "--questions", str(path), "--split", "test")
    assert f"{path}: no questions in split 'test'" in err


def test_cli_rejects_an_unknown_split(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["eval", "--split", "train"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'train'" in capsys.readouterr().err
