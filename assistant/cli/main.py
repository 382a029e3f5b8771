"""Thin commands: ingest, docs, ask, eval, serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import UserError, run_for_user, short
from assistant.progress import progress_bar
from assistant.refusals import removed_summary
from assistant.types import Answer, SyncReport, Turn

_FIRST_INGEST_WAIT_S = 600.0  # `ask` on an empty index waits this long for an ingest under way


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_for_user(lambda: args.run(args))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description=__doc__)
    sub = p.add_subparsers(required=True, metavar="COMMAND")
    ingest = sub.add_parser("ingest", help="sync corpus/ into the index (incremental)")
    ingest.add_argument("--rebuild", action="store_true", help="drop the index and start over")
    ingest.set_defaults(run=_ingest)
    docs = sub.add_parser("docs", help="list, add or remove documents").add_subparsers(
        required=True, metavar="ACTION"
    )
    docs.add_parser("list", help="the indexed documents").set_defaults(run=_docs_list)
    add = docs.add_parser("add", help="validate files, copy them into corpus/ and index them")
    add.add_argument("paths", nargs="+", type=Path)
    add.set_defaults(run=_docs_add)
    rm = docs.add_parser("remove", help="remove a document from corpus/ and the index")
    rm.add_argument("doc_id")
    rm.set_defaults(run=_docs_remove)
    ask = sub.add_parser("ask", help="answer a question with numbered sources")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer as one JSON object")
    ask.add_argument("--history", type=Path, help="JSON file: a list of {role, content} turns")
    ask.add_argument("--k", type=int, help="passages to retrieve")
    ask.add_argument("--doc", action="append", help="search only this document id (repeatable)")
    ask.add_argument(
        "--explain",
        action="store_true",
        help="also print the query plan, the candidate units with scores and the deciding check",
    )
    ask.set_defaults(run=_ask)
    serve = sub.add_parser("serve", help="start the web app")
    serve.set_defaults(run=_serve)
    _add_eval(sub)
    return p


def _add_eval(sub: Any) -> None:
    try:
        from assistant.cli.eval import add_eval_command
    except ImportError:
        return
    add_eval_command(sub)


def _assistant(sync: bool = False) -> Any:
    from assistant.service import build_assistant

    assistant = build_assistant(Settings())
    if sync:
        _print_report(assistant.sync(progress=progress_bar()))
    return assistant


def _ingest(args: argparse.Namespace) -> int:
    from assistant.service import build_assistant

    report = build_assistant(Settings()).sync(args.rebuild, progress=progress_bar())
    return _print_report(report)


def _docs_list(args: argparse.Namespace) -> int:
    from assistant.service import build_assistant

    records = build_assistant(Settings()).documents()
    if not records:
        print("No documents are indexed; run `assistant ingest`.")
    for r in records:
        print(f"{r.doc_id}\t{r.date or '-'}\t{r.chunks} chunks\t{r.indexed_at}\t{r.title}")
    return 0


def _docs_add(args: argparse.Namespace) -> int:
    from assistant.service import build_assistant

    problems = {p: problem for p in args.paths if (problem := _not_a_file(p))}
    for p, problem in problems.items():
        print(f"error: {short(str(p))}: {problem}", file=sys.stderr)
    found = [p for p in args.paths if p not in problems]
    report, rejected = build_assistant(Settings()).add_files(found, progress=progress_bar())
    for err in rejected:
        print(f"rejected: {short(err.path)}: {err.reason}", file=sys.stderr)
    code = _print_report(report)
    return 1 if rejected or problems else code


def _docs_remove(args: argparse.Namespace) -> int:
    from assistant.service import build_assistant

    if not build_assistant(Settings()).remove(args.doc_id):
        raise UserError(f"no document {args.doc_id!r}; see `assistant docs list`")
    print(f"Removed {args.doc_id}.")
    return 0


def _ask(args: argparse.Namespace) -> int:
    settings = Settings()
    history = _load_history(args.history, settings) if args.history else []
    assistant = _assistant()
    if not assistant.documents():  # a first ingest, or waits for the one under way
        report = assistant.sync(progress=progress_bar(), wait_s=_FIRST_INGEST_WAIT_S)
        _print_report(report, quiet=True)
    answer = assistant.ask(args.question, history, k=args.k, doc_ids=args.doc)
    print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render(answer))
    if args.explain:
        print(
            "\n".join(
                ["", "Explanation:", *assistant.chain.explain(args.question, history, args.k)]
            )
        )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from assistant.web import serve

    serve(Settings())
    return 0


def render(answer: Answer) -> str:
    """The answer as text, with its numbered sources."""
    lines = [answer.text]
    if answer.notice:
        lines.append(f"note: {answer.notice}")
    if answer.removed:
        lines.append(f"note: {removed_summary(answer.removed)}:")
        lines += [f'  - "{r.sentence}" ({r.reason})' for r in answer.removed]
    if answer.query != answer.question:
        lines.append(f"(searched for: {answer.query})")
    if answer.refused:
        lines.append("\nClosest passages:")
        lines += [
            f"  - {h.chunk.title} ({h.chunk.section or 'passage'}): {h.chunk.text[:160]}..."
            for h in answer.hits[:3]
        ]
    elif answer.citations:
        lines.append("\nSources:")
    for c in answer.citations:
        where = ", ".join(x for x in (c.date, c.section, f"p. {c.page}" if c.page else "") if x)
        lines.append(f'  [{c.n}] {c.title} ({where})\n      "{c.quote}"')
    return "\n".join(lines)


def _load_history(path: Path, settings: Settings) -> list[Turn]:
    from assistant.history import parse_history

    limits = settings.history_limits
    name = short(str(path))
    try:
        with path.open("rb") as f:
            data = f.read(limits.max_text_chars * 4 + 1)  # UTF-8: up to 4 bytes a character
    except OSError as exc:
        raise UserError(f"history file {name}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > limits.max_text_chars * 4:
        raise UserError(f"history file {name}: larger than the history limits allow")
    try:
        return parse_history(data.decode("utf-8"), limits)
    except UnicodeDecodeError:
        raise UserError(f"history file {name}: not UTF-8 text") from None


def _not_a_file(path: Path) -> str:
    """Why path cannot be added, or "" when it is a file."""
    try:
        return "" if path.is_file() else "no such file"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _print_report(report: SyncReport, quiet: bool = False) -> int:
    for err in report.failed:
        print(f"failed: {err}", file=sys.stderr)
    if not quiet:
        print(report.summary())
    return 1 if report.failed else 0
