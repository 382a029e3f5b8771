"""The Evaluation tab: the latest report (the run, the metrics against the targets and the
committed baseline, the chart), its failures first and in words, filterable by category and by
reason, then every question; and running the question set from the page. Its layout,
callbacks and wiring; the report's reading and HTML are in evaluation_view.py.

(No `from __future__ import annotations`: Gradio reads the callbacks' type hints.)
"""

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from assistant.evaluation.metrics import EvalError
from assistant.ingest.sync import IndexBusyError
from assistant.service import Assistant
from assistant.web.evaluation_view import (
    FailedQuestion,
    SetMatch,
    best_set,
    category_choices,
    chart_html,
    evidence_found,
    failed_questions,
    failures_html,
    filter_failures,
    metric_rows,
    metrics_html,
    questions_html,
    reason_choices,
    run_html,
    set_html,
)
from assistant.web.events import PRIVATE, PROGRESS, skip
from assistant.web.render import esc

BASELINE = Path("baseline") / "report.json"  # under the reports folder: the committed baseline
_NOTHING_YET = (
    "No evaluation has been run yet: run it with the button below, or <code>assistant eval</code>."
)

# Copy buttons of the failure cards: the command goes to the clipboard (or is selected, where
# the page is not a secure context), and the button says so.
_COPY_JS = """
element.addEventListener('click', async (event) => {
  const button = event.target.closest('button.copy');
  if (!button) return;
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch (e) {
    const code = button.parentElement.querySelector('code');
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 2500);
});
"""


@dataclass
class EvaluationHandlers:
    """The evaluation's callbacks. Each returns, in order: the run line, the metrics, the
    chart, the two filters, the failures, every question, the failed questions (state), and
    the question set to run (its choices, each with how much of its evidence the served
    documents hold)."""

    assistant: Assistant
    _texts_of: tuple[tuple[str, str], ...] = ()
    _texts_cache: list[str] = field(default_factory=list)

    @property
    def reports_dir(self) -> Path:
        return self.assistant.settings.evals_dir / "reports"

    def latest_report(self) -> tuple[Any, ...]:
        from assistant.evaluation.report import latest_report, load_report

        matches = self.set_matches()
        path = latest_report(self.reports_dir)
        if path is None:
            return (*_message(_NOTHING_YET)[:-1], _set_choice(matches))
        try:
            return self._report(load_report(path), path.parent, matches)
        except EvalError as exc:
            return (*_message(esc(str(exc)))[:-1], _set_choice(matches))

    def llm_path(self) -> str:
        """The LLM path's table: each recording's committed replay report
        (evals/recordings/NAME/report.json)."""
        from assistant.evaluation.report import load_report
        from assistant.web.evaluation_view import llm_path_html

        reports = {}
        for path in sorted(
            (self.assistant.settings.evals_dir / "recordings").glob("*/report.json")
        ):
            try:
                reports[path.parent.name] = load_report(path)
            except EvalError:
                continue
        return llm_path_html(reports)

    def question_sets(self) -> dict[str, Path]:
        """The sets there are: "" (evals/questions.jsonl) and each evals/NAME/questions.jsonl."""
        evals = self.assistant.settings.evals_dir
        sets = {"": evals / "questions.jsonl"} if (evals / "questions.jsonl").is_file() else {}
        for path in sorted(evals.glob("*/questions.jsonl")):
            sets[path.parent.name] = path
        return sets

    def set_matches(self) -> list[SetMatch]:
        """Each set with how much of its evidence the served documents hold (unreadable sets
        are left out: running one says why)."""
        from assistant.evaluation.metrics import load_items

        texts = self._texts()
        matches = []
        for name, path in self.question_sets().items():
            try:
                items = load_items(path)
            except EvalError:
                continue
            found, total = evidence_found((q for i in items for q in i.evidence), texts)
            matches.append(SetMatch(name, found, total))
        return matches

    def _texts(self) -> list[str]:
        """The served documents' texts, read again only when the documents change."""
        records = self.assistant.documents()
        key = tuple((r.doc_id, r.sha256) for r in records)
        if key != self._texts_of:
            self._texts_cache = [self.assistant.document(r.doc_id).text for r in records]
            self._texts_of = key
        return self._texts_cache

    def run_eval(
        self, chosen: str | None = None, progress: gr.Progress = PROGRESS
    ) -> tuple[Any, ...]:
        from assistant.evaluation.metrics import load_items, score_run
        from assistant.evaluation.report import report_to_dict, run_dir, write_report
        from assistant.evaluation.run import run_eval

        sets = self.question_sets()
        name = chosen if chosen in sets else ""
        questions = sets.get(name, self.assistant.settings.evals_dir / "questions.jsonl")
        progress(0, desc="Loading the questions")

        def asked(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Question {done} of {total}")

        try:
            items = load_items(questions)
            run = run_eval(
                self.assistant,
                items,
                progress=asked,
                questions_file=str(questions),
                question_set=name,
            )
        except (EvalError, IndexBusyError) as exc:
            return (
                f'<p class="eval-error" role="alert">The evaluation could not run: {esc(exc)}</p>',
                *skip(8),
            )
        report = score_run(run)
        folder = "-".join(filter(None, [run.info.run_id, name]))
        paths = write_report(report, run_dir(self.reports_dir, folder))
        return self._report(report_to_dict(report), paths.chart.parent, self.set_matches())

    def filter(
        self, category: str | None, kind: str | None, failed: list[FailedQuestion] | None
    ) -> str:
        items = failed or []
        return failures_html(filter_failures(items, category or "", kind or ""), len(items))

    def _report(
        self, data: dict[str, Any], folder: Path, matches: list[SetMatch]
    ) -> tuple[Any, ...]:
        asked = str(data.get("run", {}).get("question_set") or "")
        match = next((m for m in matches if m.name == asked), None)
        baseline, is_baseline = self._baseline(folder)
        withheld = _withheld(data, baseline, match) if baseline is not None else ""
        if withheld:
            baseline, is_baseline = None, False
        failed = list(failed_questions(data))
        documents = len(self.assistant.documents())
        return (
            set_html(match, documents) + run_html(data, baseline, is_baseline, withheld),
            metrics_html(metric_rows(data, baseline), baseline is not None and not is_baseline),
            _chart(data, folder / "report.png"),
            gr.Dropdown(choices=category_choices(failed), value="", interactive=bool(failed)),
            gr.Dropdown(choices=reason_choices(failed), value="", interactive=bool(failed)),
            failures_html(failed, len(failed)),
            questions_html(data),
            failed,
            _set_choice(matches, asked if match and match.matches else None),
        )

    def _baseline(self, folder: Path) -> tuple[dict[str, Any] | None, bool]:
        """The committed baseline's report (None when absent or unreadable), and whether the
        report shown is that baseline."""
        from assistant.evaluation.report import load_report

        path = self.reports_dir / BASELINE
        if not path.is_file():
            return None, False
        try:
            baseline = load_report(path)
        except EvalError:
            return None, False
        return baseline, folder.resolve() == path.parent.resolve()


def _chart(data: dict[str, Any], png: Path) -> str:
    """The run's chart, served by Gradio from the reports folder (launch allows that folder)."""
    if not png.is_file():
        return ""
    src = "/gradio_api/file=" + quote(str(png.resolve()), safe="/")
    return chart_html(src, data, _png_size(png))


def _png_size(png: Path) -> tuple[int, int] | None:
    """A PNG's width and height, from its header (None when it is not a PNG)."""
    with png.open("rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _message(text: str) -> tuple[Any, ...]:
    empty = gr.Dropdown(choices=[], value=None, interactive=False)
    return (f'<p class="eval-empty">{text}</p>', "", "", empty, empty, "", "", [], gr.skip())


def _withheld(data: dict[str, Any], baseline: dict[str, Any], match: SetMatch | None) -> str:
    """Why a run is not compared with the baseline ("" when it is): a baseline is compared
    with a run of the same set and split, over the documents the set was written for; never
    across corpora."""
    run, old = data.get("run", {}), baseline.get("run", {})
    for key, what in (("question_set", "question set"), ("split", "split")):
        if str(run.get(key) or "") != str(old.get(key) or ""):
            return f"it is of another {what}"
    if match is None or not match.matches:
        return "this set was written for other documents than the ones served"
    return ""


def _set_choice(matches: list[SetMatch], chosen: str | None = None) -> Any:
    """The set to run: the one asked for, else the one written for the served documents."""
    best = best_set(matches)
    value = chosen if chosen is not None else (best.name if best else None)
    return gr.Dropdown(
        choices=[(m.label, m.name) for m in matches], value=value, interactive=bool(matches)
    )


def evaluation_tab(h: EvaluationHandlers) -> None:
    """Lays out the Evaluation tab (inside the app's gr.Tabs) and wires its events."""
    with gr.Tab("Evaluation", id="eval-tab", elem_id="eval-panel") as tab:
        run_line = gr.HTML(elem_id="eval-run", js_on_load=None)
        with gr.Row(elem_id="eval-run-row"):
            question_set = gr.Dropdown(
                label="Question set (evidence found in the served documents)",
                choices=[],
                interactive=False,
                elem_id="eval-set",
            )
            run = gr.Button(
                "Run the evaluation", variant="secondary", size="sm", elem_id="run-eval"
            )
        gr.HTML("<h3>Metrics</h3>", elem_classes="eval-heading", js_on_load=None)
        metrics = gr.HTML(elem_id="eval-metrics", js_on_load=None)
        gr.HTML("<h3>The LLM path</h3>", elem_classes="eval-heading", js_on_load=None)
        llm = gr.HTML(elem_id="eval-llm", js_on_load=None)
        gr.HTML("<h3>Failures</h3>", elem_classes="eval-heading", js_on_load=None)
        with gr.Row(elem_id="eval-filters"):
            category = gr.Dropdown(
                label="Category", choices=[], interactive=False, elem_id="eval-category"
            )
            reason = gr.Dropdown(
                label="Reason", choices=[], interactive=False, elem_id="eval-reason"
            )
        failures = gr.HTML(elem_id="eval-failures", js_on_load=_COPY_JS)
        chart = gr.HTML(elem_id="eval-chart", js_on_load=None)
        results = gr.HTML(elem_id="eval-results", js_on_load=None)
        failed = gr.State([])

    shown = [run_line, metrics, chart, category, reason, failures, results, failed, question_set]
    run.click(
        h.run_eval,
        question_set,
        shown,
        show_progress_on=[run_line],
        **PRIVATE,
        concurrency_limit=1,
    )
    tab.select(h.latest_report, None, shown, **PRIVATE)
    tab.select(h.llm_path, None, llm, **PRIVATE)
    for dropdown in (category, reason):
        dropdown.input(h.filter, [category, reason, failed], failures, **PRIVATE)
