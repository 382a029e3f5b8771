"""The real assistant on the shipped corpus and the public question set: the report is
complete, and no quality metric fell below the committed baseline (minus a tolerance)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main as cli
from assistant.config import Settings
from assistant.evaluation.metrics import METRICS, load_items, score_run
from assistant.evaluation.report import ReportPaths, compare_metrics, write_report
from assistant.evaluation.run import run_eval
from assistant.service import build_assistant

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "evals" / "questions.jsonl"
BASELINE = REPO / "evals" / "reports" / "baseline" / "report.json"
TOLERANCE = 0.02


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> ReportPaths:
    tmp = tmp_path_factory.mktemp("eval")
    shutil.copytree(REPO / "corpus", tmp / "corpus")
    settings = Settings(
        corpus_dir=tmp / "corpus",
        index_dir=tmp / "index",
        data_dir=tmp / "data",
        chroma_host=None,  # a temporary embedded index, whatever the environment says
    )
    assistant = build_assistant(settings)
    assert not assistant.sync().failed
    run = run_eval(assistant, load_items(QUESTIONS), questions_file=str(QUESTIONS))
    return write_report(score_run(run), tmp / "report")


@pytest.fixture(scope="module")
def report(paths: ReportPaths) -> dict[str, Any]:
    return json.loads(paths.json.read_text(encoding="utf-8"))


def test_the_three_report_files_exist(paths: ReportPaths) -> None:
    for path in (paths.json, paths.markdown, paths.chart):
        assert path.is_file() and path.stat().st_size > 0, path


def test_report_json_has_exactly_the_metric_keys(report: dict[str, Any]) -> None:
    assert set(report["metrics"]) == set(METRICS)
    assert all(isinstance(v, int | float) for v in report["metrics"].values())
    for category, metrics in report["by_category"].items():
        assert set(metrics) == set(METRICS), category


def test_every_question_is_reported(report: dict[str, Any]) -> None:
    ids = [json.loads(line)["id"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    assert [q["id"] for q in report["questions"]] == ids
    assert report["run"]["questions"] == len(ids)
    for q in report["questions"]:
        assert isinstance(q["failures"], list), q["id"]
        assert q["answer"]["passages"], q["id"]


def test_no_quality_metric_fell_below_the_baseline(report: dict[str, Any]) -> None:
    if not BASELINE.is_file():
        pytest.fail(
            f"no baseline at {BASELINE.relative_to(REPO)}: create it with "
            "`assistant eval --out evals/reports/baseline` and commit it"
        )
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))["metrics"]
    deltas = compare_metrics(baseline, report["metrics"], TOLERANCE)
    worse = [f"{d.metric}: {d.old:.3f} -> {d.new:.3f}" for d in deltas if d.regressed]
    assert not worse, f"below the baseline by more than {TOLERANCE}: {'; '.join(worse)}"
    assert {d.metric for d in deltas} == set(METRICS), "the baseline lacks some metrics"


def test_eval_command_on_its_own_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--corpus indexes a folder into a throwaway index; --compare and --fail-under gate."""
    corpus = shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    questions = tmp_path / "few.jsonl"
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions.write_text("\n".join(lines[:2] + lines[-1:]) + "\n", encoding="utf-8")
    old = tmp_path / "old.json"
    worst = dict.fromkeys(METRICS, 0.0) | {"false_refusal_rate": 1.0}
    old.write_text(json.dumps({"metrics": worst}), encoding="utf-8")
    args = ["eval", "--corpus", str(corpus), "--questions", str(questions), "--k", "3"]
    out = tmp_path / "out"
    assert cli.main([*args, "--out", str(out), "--compare", str(old)]) == 0
    printed = capsys.readouterr().out
    assert "| hit@k |" in printed and str(out / "report.md") in printed
    written = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert written["run"]["corpus_dir"] == str(corpus) and written["run"]["k"] == 3
    assert written["run"]["questions"] == 3
    assert not (corpus.parent / "index").exists()
    assert cli.main([*args, "--out", str(tmp_path / "o2"), "--fail-under", "mrr=1.01"]) == 1
    assert "fail-under: mrr" in capsys.readouterr().err


def test_eval_command_on_a_split_of_the_realistic_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--set realistic indexes evals/realistic/corpus (every format) into a throwaway index;
    --split keeps one split; the report records both and counts refusals by reason."""
    monkeypatch.setenv("ASSISTANT_EVALS_DIR", str(REPO / "evals"))
    lines = (REPO / "evals" / "realistic" / "questions.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    dev = [i for i in items if i["split"] == "dev"]
    chosen = [
        next(i for i in dev if i["answerable"]),
        next(i for i in dev if not i["answerable"]),
        dev[1] | {"id": "a-test-item", "split": "test"},  # the set is all dev: one made here
        {k: v for k, v in dev[-1].items() if k != "split"} | {"id": "no-split"},
    ]
    questions = tmp_path / "few.jsonl"
    questions.write_text("".join(json.dumps(i) + "\n" for i in chosen), encoding="utf-8")
    out = tmp_path / "out"
    args = ["eval", "--set", "realistic", "--questions", str(questions), "--split", "dev"]
    assert cli.main([*args, "--out", str(out)]) == 0
    assert "3 questions (dev)" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    run = report["run"]
    assert (run["split"], run["question_set"], run["questions"]) == ("dev", "realistic", 3)
    assert run["corpus_dir"] == str(REPO / "evals" / "realistic" / "corpus")
    assert [q["id"] for q in report["questions"]] == [chosen[0]["id"], chosen[1]["id"], "no-split"]
    refused = [q for q in report["questions"] if q["answer"]["refused"]]
    assert sum(report["refusals_by_reason"].values()) + sum(
        report["false_refusals_by_reason"].values()
    ) == len(refused)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "- **set**: realistic" in markdown and "- **split**: dev" in markdown
    assert "## Refusals by reason" in markdown
