"""The `eval` subcommand: run a question set, write the report, compare and gate.

Imported by `assistant.cli.main` whenever the parser is built, so heavy imports stay inside the
command function.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.evaluation.metrics import ALL_SPLITS, SPLITS
from assistant.progress import progress_bar

if TYPE_CHECKING:
    from assistant.evaluation.recorded import RecordedModel
    from assistant.evaluation.report import Threshold
    from assistant.service import Assistant

_EPILOG = """\
--set NAME evaluates the set in evals/NAME/ (questions.jsonl, and corpus/ indexed into a
temporary index); --questions and --corpus override either part. --split dev|test keeps the
items of one split (items without a split belong to every split); the default is all.
--fail-under METRIC=VALUE fails (exit 1) when the metric is below VALUE; for the lower-is-better
metrics (false_refusal_rate, latency_p50_ms, latency_p95_ms) VALUE is a ceiling instead, failing
when the metric is above it. --compare fails when a metric is worse than the old report's by more
than --tolerance (higher is better, except false_refusal_rate); latency is printed, not gated.
"""


def add_eval_command(sub: Any) -> None:
    p = sub.add_parser(
        "eval",
        help="score the assistant on a question set and write a report",
        description="Ask every question of a JSONL set, score the answers and write\n"
        "report.json, report.md and report.png.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--questions", type=Path, help="JSONL set (default: evals/questions.jsonl)")
    p.add_argument(
        "--corpus", type=Path, help="evaluate on this folder, indexed into a temporary index"
    )
    p.add_argument(
        "--set",
        dest="question_set",
        metavar="NAME",
        help="a named set: evals/NAME/questions.jsonl over evals/NAME/corpus (e.g. realistic)",
    )
    p.add_argument(
        "--split",
        choices=(*SPLITS, ALL_SPLITS),
        default=ALL_SPLITS,
        help="ask only the questions of this split (default: all)",
    )
    p.add_argument("--k", type=int, help="passages to retrieve (default: the setting)")
    p.add_argument(
        "--llm-replay",
        type=Path,
        metavar="DIR",
        help="answer with the LLM path, its model replies replayed from a recording folder "
        "(prompts without a reply are added to it as pending)",
    )
    p.add_argument("--out", type=Path, help="report folder (default: evals/reports/<run-id>)")
    p.add_argument("--compare", type=Path, metavar="REPORT.json", help="an earlier report")
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="exit 1 when the metric is below VALUE (above, for lower-is-better); repeatable",
    )
    p.add_argument(
        "--tolerance", type=float, default=0.02, help="allowed drop for --compare (0.02)"
    )
    p.set_defaults(run=eval_command)


def eval_command(args: argparse.Namespace) -> int:
    from assistant.errors import UserError
    from assistant.evaluation.metrics import EvalError

    try:
        return _eval(args)
    except EvalError as exc:
        raise UserError(str(exc)) from None


def _eval(args: argparse.Namespace) -> int:
    from assistant.evaluation.metrics import load_items, score_run, select_split
    from assistant.evaluation.report import (
        load_report,
        metrics_table_markdown,
        report_to_dict,
        run_dir,
        write_report,
    )
    from assistant.evaluation.run import run_eval

    settings = Settings()
    questions, corpus = _set_paths(settings, args)
    _check_args(args, corpus)
    thresholds = _thresholds(args.fail_under)
    old = load_report(args.compare) if args.compare else None
    items = select_split(load_items(questions), args.split, str(questions))
    print(f"{len(items)} questions ({args.split}) from {questions}", file=sys.stderr)
    with _replayed_model(args.llm_replay) as model:
        if model is not None:
            settings = settings.model_copy(update=model.settings_update())
        with _assistant(settings, corpus) as assistant:
            _sync_and_warm_up(assistant)
            run = run_eval(
                assistant,
                items,
                args.k,
                progress_bar("evaluating", "question"),
                questions_file=str(questions),
                split=args.split,
                question_set=args.question_set or "",
            )
        if model is not None:
            run = replace(run, info=replace(run.info, llm_replay=model.stats.to_dict()))
            print(model.summary(), file=sys.stderr)
    report = score_run(run)
    folder = "-".join(filter(None, [run.info.run_id, args.question_set, _split_tag(args.split)]))
    paths = write_report(report, args.out or run_dir(settings.evals_dir / "reports", folder))
    data = report_to_dict(report)
    print(metrics_table_markdown(data))
    removed = data["removed_sentences"]
    print(
        f"\nSentences removed by the citation check: {removed['sentences']} "
        f"(in {removed['answers']} answers)"
    )
    print(f"\nReport: {paths.markdown}\n        {paths.json}\n        {paths.chart}")
    failed = _compare(old, data, args.tolerance) if old else False
    return 1 if _gate(data, thresholds) or failed else 0


def _set_paths(settings: Settings, args: argparse.Namespace) -> tuple[Path, Path | None]:
    """The questions file and corpus folder to use: --questions and --corpus win over --set,
    which wins over the default set (evals/questions.jsonl over the configured corpus)."""
    from assistant.errors import UserError

    if not args.question_set:
        return args.questions or settings.evals_dir / "questions.jsonl", args.corpus
    name = args.question_set
    folder = settings.evals_dir / name
    if "/" in name or "\\" in name or name.startswith(".") or not folder.is_dir():
        known = sorted(p.parent.name for p in settings.evals_dir.glob("*/questions.jsonl"))
        raise UserError(
            f"--set {name!r}: no such question set in {settings.evals_dir}; "
            f"known sets: {', '.join(known) or 'none'}"
        )
    set_corpus = folder / "corpus"
    return (
        args.questions or folder / "questions.jsonl",
        args.corpus or (set_corpus if set_corpus.is_dir() else None),
    )


def _split_tag(split: str) -> str:
    return "" if split == ALL_SPLITS else split


def _check_args(args: argparse.Namespace, corpus: Path | None) -> None:
    from assistant.errors import UserError

    if args.k is not None and not 0 < args.k <= 50:
        raise UserError(f"--k must be between 1 and 50, not {args.k}")
    if args.tolerance < 0:
        raise UserError(f"--tolerance must not be negative, not {args.tolerance}")
    if corpus is not None and not corpus.is_dir():
        raise UserError(f"{corpus}: no such corpus folder")


def _thresholds(texts: list[str]) -> list[Threshold]:
    from assistant.evaluation.report import parse_threshold

    return [parse_threshold(t) for t in texts]


@contextmanager
def _replayed_model(folder: Path | None) -> Iterator[RecordedModel | None]:
    """A local OpenAI-compatible endpoint replaying the recording in folder (or nothing)."""
    from assistant.evaluation.recorded import RecordedModel, Recordings

    if folder is None:
        yield None
        return
    with RecordedModel(Recordings.open(folder)) as model:
        yield model


@contextmanager
def _assistant(settings: Settings, corpus: Path | None) -> Iterator[Assistant]:
    """The normal assistant, or one over `corpus` with its own throwaway embedded index."""
    from assistant.service import build_assistant

    if corpus is None:
        yield build_assistant(settings)
        return
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True) as tmp:
        update = {
            "corpus_dir": corpus,
            "index_dir": Path(tmp) / "index",
            "data_dir": Path(tmp) / "data",
            "chroma_host": None,  # never sync a throwaway corpus into a shared server
        }
        yield build_assistant(settings.model_copy(update=update))


def _sync_and_warm_up(assistant: Assistant) -> None:
    report = assistant.sync(progress=progress_bar("embedding", "chunk"))
    for err in report.failed:
        print(f"failed: {err}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    assistant.chain.explain("warm up")  # load the model and lexical index before timing


def _compare(old: dict[str, Any], new: dict[str, Any], tolerance: float) -> bool:
    from assistant.evaluation.report import compare_metrics, deltas_table

    deltas = compare_metrics(old["metrics"], new["metrics"], tolerance)
    print(f"\nCompared with {old.get('run', {}).get('run_id', 'the old report')}:")
    print(deltas_table(deltas))
    regressed = [d.metric for d in deltas if d.regressed]
    if regressed:
        print(f"regressed beyond {tolerance}: {', '.join(regressed)}", file=sys.stderr)
    return bool(regressed)


def _gate(data: dict[str, Any], thresholds: list[Threshold]) -> bool:
    from assistant.evaluation.report import check_thresholds

    problems = check_thresholds(data["metrics"], thresholds)
    for line in problems:
        print(f"fail-under: {line}", file=sys.stderr)
    return bool(problems)
