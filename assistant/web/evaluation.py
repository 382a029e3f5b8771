"""The Evaluation tab: run the question set from the page and show the latest report (run line,
metrics table, chart, per-question failures); its layout, callbacks and wiring.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints.)
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.evaluation import EvalError
from assistant.indexing import IndexBusyError
from assistant.service import Assistant
from assistant.web.events import PRIVATE, PROGRESS, skip
from assistant.web.render import esc, md

EVAL_HEADERS = ["Id", "Category", "Question", "Failures"]


def report_view(data: dict[str, Any]) -> tuple[str, str, list[list[str]]]:
    """(run line, metrics table, per-question rows) of a report dict."""
    from assistant.reports import metrics_table_markdown

    run = data.get("run", {})
    questions = data.get("questions", [])
    failing = sum(1 for q in questions if q.get("failures"))
    line = (
        f"**Run {md(run.get('run_id', '?'))}** · {md(run.get('date', ''))} · "
        f"{len(questions)} questions, {failing} with failures · answerer: "
        f"{md(run.get('answerer', '?'))} · k = {md(run.get('k', '?'))}"
    )
    rows = [
        [
            str(q.get("id", "")),
            str(q.get("category", "")),
            str(q.get("question", "")),
            "; ".join(q.get("failures", [])) or "ok",
        ]
        for q in questions
    ]
    return line, metrics_table_markdown(data), rows


@dataclass
class EvaluationHandlers:
    """The evaluation's callbacks."""

    assistant: Assistant

    def latest_report(self) -> tuple[Any, ...]:
        from assistant.reports import latest_report, load_report

        path = latest_report(self.assistant.settings.evals_dir / "reports")
        if path is None:
            return ("No evaluation has been run yet: press **Run the evaluation**.", "", None, [])
        try:
            return self._report(load_report(path), path.parent)
        except EvalError as exc:
            return (esc(str(exc)), "", None, [])

    def run_eval(self, progress: gr.Progress = PROGRESS) -> tuple[Any, ...]:
        from assistant.eval_run import run_eval
        from assistant.evaluation import load_items, score_run
        from assistant.reports import report_to_dict, run_dir, write_report

        evals_dir = self.assistant.settings.evals_dir
        questions = evals_dir / "questions.jsonl"
        progress(0, desc="Loading the questions")

        def asked(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Question {done} of {total}")

        try:
            items = load_items(questions)
            run = run_eval(self.assistant, items, progress=asked, questions_file=str(questions))
        except (EvalError, IndexBusyError) as exc:
            return (f"The evaluation could not run: {md(exc)}", *skip(3))
        report = score_run(run)
        paths = write_report(report, run_dir(evals_dir / "reports", run.info.run_id))
        return self._report(report_to_dict(report), paths.chart.parent)

    def _report(self, data: dict[str, Any], folder: Path) -> tuple[Any, ...]:
        line, table, rows = report_view(data)
        chart = folder / "report.png"
        return line, table, str(chart) if chart.is_file() else None, rows


def evaluation_tab(h: EvaluationHandlers) -> None:
    """Lays out the Evaluation tab (inside the app's gr.Tabs) and wires its events."""
    with gr.Tab("Evaluation", id="eval-tab") as tab:
        run = gr.Button("Run the evaluation", variant="primary", elem_id="run-eval")
        run_line = gr.Markdown(elem_id="eval-run")
        with gr.Row(equal_height=False):
            metrics = gr.Markdown(elem_id="eval-metrics")
            chart = gr.Image(
                label="Metrics by category",
                show_label=False,
                type="filepath",
                interactive=False,
                elem_id="eval-chart",
                buttons=["download", "fullscreen"],
            )
        results = gr.Dataframe(
            headers=EVAL_HEADERS,
            interactive=False,
            wrap=True,
            elem_id="eval-results",
            label="Per question",
            column_widths=["8%", "12%", "45%", "35%"],
        )

    shown = [run_line, metrics, chart, results]
    run.click(h.run_eval, None, shown, **PRIVATE, concurrency_limit=1)
    tab.select(h.latest_report, None, shown, **PRIVATE)
