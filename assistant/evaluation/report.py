"""Reports of a scored run: report.json, report.md and report.png, and comparing two runs.

Markdown, chart and comparison work on the report *dict* (what report.json holds), so a report
loaded from disk renders exactly like a fresh one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import (
    LATENCY_METRICS,
    LOWER_IS_BETTER,
    METRICS,
    EvalError,
    QuestionScore,
    Report,
)

LABELS: Mapping[str, str] = {
    "hit_at_k": "hit@k",
    "mrr": "MRR",
    "fact_recall": "fact recall",
    "all_facts": "all facts",
    "token_f1": "token F1",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "refusal_rate": "refusal rate",
    "false_refusal_rate": "false refusal rate",
    "latency_p50_ms": "latency p50 (ms)",
    "latency_p95_ms": "latency p95 (ms)",
}
SHORT: Mapping[str, str] = {
    "hit_at_k": "hit@k",
    "mrr": "MRR",
    "fact_recall": "facts",
    "all_facts": "all",
    "token_f1": "F1",
    "citation_precision": "cit P",
    "citation_recall": "cit R",
    "refusal_rate": "refuse",
    "false_refusal_rate": "false ref",
    "latency_p50_ms": "p50 ms",
    "latency_p95_ms": "p95 ms",
}
CHART_METRICS: tuple[str, ...] = (
    "hit_at_k",
    "fact_recall",
    "citation_precision",
    "citation_recall",
    "refusal_rate",
    "false_refusal_rate",
)
_EPSILON = 1e-9  # float noise when a metric sits exactly on the tolerance


@dataclass(frozen=True)
class ReportPaths:
    json: Path
    markdown: Path
    chart: Path


# --- report.json ---------------------------------------------------------------------------


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON form of a report; every metric is a number (0.0 where none applied; see
    `counts` for how many questions each metric applied to)."""
    return {
        "run": asdict(report.info),
        "metrics": dict(report.overall.metrics),
        "counts": dict(report.overall.counts),
        "by_category": {c: dict(s.metrics) for c, s in report.by_category.items()},
        "counts_by_category": {c: dict(s.counts) for c, s in report.by_category.items()},
        "refusals_by_reason": dict(report.refusals_by_reason),
        "false_refusals_by_reason": dict(report.false_refusals_by_reason),
        "removed_sentences": removed_sentences(report),
        "questions": [question_to_dict(q) for q in report.questions],
    }


def removed_sentences(report: Report) -> dict[str, int]:
    """How many draft sentences the citation check did not show, and in how many answers."""
    counts = [len(q.answer.removed) for q in report.questions]
    return {"sentences": sum(counts), "answers": sum(1 for n in counts if n)}


def question_to_dict(score: QuestionScore) -> dict[str, Any]:
    item, answer = score.item, score.answer
    return {
        "id": item.id,
        "category": item.category,
        "question": item.question,
        "answerable": item.answerable,
        "split": item.split,
        "history": [{"role": t.role, "content": t.content} for t in item.history],
        "reference_answer": item.answer,
        "answer": {
            "text": answer.text,
            "refused": answer.refused,
            "refusal_reason": answer.refusal_reason,
            "query": answer.query,
            "answerer": answer.answerer,
            "notice": answer.notice,
            "removed": [{"sentence": r.sentence, "reason": r.reason} for r in answer.removed],
            "citations": [
                {"n": c.n, "chunk_id": c.chunk_id, "quote": c.quote} for c in answer.citations
            ],
            "passages": [
                {
                    "chunk_id": h.chunk.id,
                    "doc_id": h.chunk.doc_id,
                    "score": _finite(h.score),
                    "rank": h.rank,
                    "text": h.chunk.text,
                }
                for h in answer.hits
            ],
        },
        "metrics": {name: _finite(v) for name, v in score.values.items()},
        "failures": list(score.failures),
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# --- files -----------------------------------------------------------------------------


def write_report(report: Report, out_dir: Path) -> ReportPaths:
    """Write report.json, report.md and report.png into out_dir (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report_to_dict(report)
    paths = ReportPaths(out_dir / "report.json", out_dir / "report.md", out_dir / "report.png")
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    paths.json.write_text(text + "\n", encoding="utf-8")
    paths.markdown.write_text(render_markdown(data), encoding="utf-8")
    plot_chart(data, paths.chart)
    return paths


def run_dir(reports_dir: Path, run_id: str) -> Path:
    """reports_dir/run_id, or run_id-2, -3... when a run of the same minute exists."""
    candidate, n = reports_dir / run_id, 1
    while candidate.exists():
        n += 1
        candidate = reports_dir / f"{run_id}-{n}"
    return candidate


def latest_report(reports_dir: Path) -> Path | None:
    """The most recently written `*/report.json` under reports_dir, or None."""
    found = [p for p in reports_dir.glob("*/report.json") if p.is_file()]
    return max(found, key=lambda p: (p.stat().st_mtime, str(p)), default=None)


def load_report(path: Path) -> dict[str, Any]:
    """A report.json (or a folder holding one) as a dict; EvalError when it is not one."""
    if path.is_dir():
        path = path / "report.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalError(f"{path}: no such report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"{path}: not a readable JSON report ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise EvalError(f"{path}: not an evaluation report (no 'metrics' object)")
    return data


# --- report.md -------------------------------------------------------------------------


def render_markdown(data: Mapping[str, Any]) -> str:
    run = data.get("run", {})
    parts = [
        f"# Evaluation report {run.get('run_id', '')}".rstrip(),
        run_markdown(run),
        "## Overall",
        metrics_table_markdown(data),
        "## By category",
        category_table_markdown(data),
        "## Refusals by reason",
        refusals_table_markdown(data),
        failures_markdown(data.get("questions", []), explain_prefix(run)),
        "## All questions",
        questions_table_markdown(data.get("questions", [])),
    ]
    return "\n\n".join(parts) + "\n"


def run_markdown(run: Mapping[str, Any]) -> str:
    rows = [
        ("date", run.get("date")),
        ("set", run.get("question_set") or "-"),
        ("split", run.get("split", "all")),
        ("questions", f"{run.get('questions')} from {run.get('questions_file') or '-'}"),
        ("corpus", run.get("corpus_dir")),
        ("k", run.get("k")),
        ("embedding model", run.get("embedding_model")),
        ("answerer", run.get("answerer")),
        ("chunks", f"{run.get('chunk_tokens')} tokens, {run.get('chunk_overlap_tokens')} overlap"),
    ]
    return "\n".join(f"- **{name}**: {_cell(value)}" for name, value in rows)


def metrics_table_markdown(report_dict: Mapping[str, Any]) -> str:
    """The overall metrics of a report dict as a Markdown table (metric, value, questions)."""
    metrics, counts = report_dict.get("metrics", {}), report_dict.get("counts", {})
    lines = ["| metric | value | questions |", "|---|---:|---:|"]
    for name in METRICS:
        if name in metrics:
            value = _value(name, metrics[name], counts.get(name))
            lines.append(f"| {LABELS[name]} | {value} | {counts.get(name, '')} |")
    return "\n".join(lines)


def category_table_markdown(report_dict: Mapping[str, Any]) -> str:
    by_category = report_dict.get("by_category", {})
    all_counts = report_dict.get("counts_by_category", {})
    head = "| category | n | " + " | ".join(SHORT[m] for m in METRICS) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(METRICS)]
    for category, metrics in by_category.items():
        counts = all_counts.get(category, {})
        cells = [_value(m, metrics.get(m), counts.get(m)) for m in METRICS]
        lines.append(f"| {_cell(category)} | {counts.get('questions', '')} | {' | '.join(cells)} |")
    return "\n".join(lines)


def refusals_table_markdown(report_dict: Mapping[str, Any]) -> str:
    """Refusals per reason: right ones (unanswerable questions) beside false ones (answerable)."""
    right = report_dict.get("refusals_by_reason", {})
    false = report_dict.get("false_refusals_by_reason", {})
    reasons = sorted(set(right) | set(false), key=lambda r: (-right.get(r, 0) - false.get(r, 0), r))
    if not reasons:
        return "No refusals."
    lines = [
        "| reason | refusals (unanswerable) | false refusals (answerable) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {_cell(r)} | {right.get(r, 0)} | {false.get(r, 0)} |" for r in reasons]
    lines.append(f"| **total** | {sum(right.values())} | {sum(false.values())} |")
    return "\n".join(lines)


def failures_markdown(questions: Sequence[Mapping[str, Any]], prefix: str = "") -> str:
    """Each failing question with what went wrong and the command that explains its answer."""
    failing = [q for q in questions if q.get("failures")]
    head = f"## Failures ({len(failing)} of {len(questions)} questions)"
    if not failing:
        return head + "\n\nNone."
    if prefix:
        head += (
            "\n\nThe `--explain` commands below read the set's own index: build it once with "
            f"`{prefix} .venv/bin/assistant ingest`."
        )
    return "\n\n".join([head, *(_failure_markdown(q, prefix) for q in failing)])


_SET_CORPUS = {"realistic": "evals/realistic/corpus"}


def explain_prefix(run: Mapping[str, Any]) -> str:
    """Environment for `assistant ask` on a named set's corpus ("" for the shipped corpus)."""
    corpus = _SET_CORPUS.get(str(run.get("question_set") or ""))
    if corpus is None:
        return ""
    index = f"/tmp/assistant-{run.get('question_set')}"
    return (
        f"ASSISTANT_CORPUS_DIR={corpus} ASSISTANT_INDEX_DIR={index}/index "
        f"ASSISTANT_DATA_DIR={index}/data"
    )


def explain_command(q: Mapping[str, Any], prefix: str = "") -> str:
    """The shell command that prints the plan, candidates and deciding check of an answer."""
    question = str(q.get("question", "")).replace("'", "'\\''")
    env = f"HF_HUB_OFFLINE=1 {prefix} " if prefix else "HF_HUB_OFFLINE=1 "
    history = " --history <its history as JSON>" if q.get("history") else ""
    return f"{env}.venv/bin/assistant ask --explain{history} '{question}'"


def _failure_markdown(q: Mapping[str, Any], prefix: str = "") -> str:
    answer = q.get("answer", {})
    said = "answer"
    if answer.get("refused"):
        reason = answer.get("refusal_reason")
        said = f"refused ({reason})" if reason else "refused"
    lines = [
        f"### {q.get('id')} ({q.get('category')})",
        "",
        f"**Q:** {_inline(q.get('question', ''))}",
        "",
        *(f"- {_inline(f)}" for f in q.get("failures", [])),
        "",
        f"> **{said}:** {_inline(answer.get('text', ''))}",
    ]
    if q.get("reference_answer"):
        lines += [">", f"> **expected:** {_inline(q['reference_answer'])}"]
    lines += ["", f"Explain: `{explain_command(q, prefix)}`"]
    return "\n".join(lines)


def questions_table_markdown(questions: Sequence[Mapping[str, Any]]) -> str:
    shown = ("hit_at_k", "mrr", "fact_recall", "token_f1", "citation_precision", "citation_recall")
    head = "| id | category | " + " | ".join(SHORT[m] for m in shown) + " | refused | ms | result |"
    lines = [head, "|---|---|" + "---:|" * len(shown) + "---|---:|---|"]
    for q in questions:
        metrics = q.get("metrics", {})
        cells = [_value(m, metrics.get(m)) for m in shown]
        refused = "yes" if q.get("answer", {}).get("refused") else "no"
        latency = _value("latency_p50_ms", metrics.get("latency_ms"))
        n = len(q.get("failures", []))
        result = f"{n} failure{'s' * (n != 1)}" if n else "ok"
        lines.append(
            f"| {_cell(q.get('id'))} | {_cell(q.get('category'))} | {' | '.join(cells)} "
            f"| {refused} | {latency} | {result} |"
        )
    return "\n".join(lines)


def _value(metric: str, value: Any, count: Any = None) -> str:
    if value is None or count == 0:
        return "n/a"
    if not isinstance(value, int | float):
        return _cell(value)
    return f"{value:.1f}" if metric in LATENCY_METRICS else f"{value:.3f}"


def _inline(text: Any) -> str:
    return " ".join(str(text).split())


def _cell(value: Any) -> str:
    return _inline("-" if value is None else value).replace("|", "\\|")


# --- report.png ------------------------------------------------------------------------


def plot_chart(data: Mapping[str, Any], path: Path) -> None:
    """Grouped bars of the main metrics, overall then per category; n/a metrics are left out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups = _chart_groups(data)
    fig = Figure(figsize=(max(9.0, 1.5 * len(groups) + 4), 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(CHART_METRICS)
    for i, metric in enumerate(CHART_METRICS):
        offset = (i - (len(CHART_METRICS) - 1) / 2) * width
        xs = [g + offset for g in range(len(groups))]
        heights = [_bar_height(metrics, counts, metric) for _, metrics, counts in groups]
        label = LABELS[metric] + (" (lower is better)" if metric in LOWER_IS_BETTER else "")
        ax.bar(xs, heights, width, label=label)
    ax.set_xticks(
        range(len(groups)),
        [f"{name}\n(n={counts.get('questions', '?')})" for name, _, counts in groups],
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (0 to 1)")
    ax.set_title(f"Evaluation {data.get('run', {}).get('run_id', '')}: main metrics by category")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.savefig(path, dpi=120)


def _chart_groups(
    data: Mapping[str, Any],
) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    counts_by_category = data.get("counts_by_category", {})
    groups = [("all", data.get("metrics", {}), data.get("counts", {}))]
    groups += [
        (c, m, counts_by_category.get(c, {})) for c, m in data.get("by_category", {}).items()
    ]
    return groups


def _bar_height(metrics: Mapping[str, Any], counts: Mapping[str, Any], metric: str) -> float:
    value = metrics.get(metric)
    if not isinstance(value, int | float) or counts.get(metric) == 0:
        return math.nan
    return float(value)


# --- comparison and thresholds ---------------------------------------------------------


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    old: float
    new: float
    regressed: bool  # worse than old by more than the tolerance (never for latency)

    @property
    def delta(self) -> float:
        return self.new - self.old


def compare_metrics(
    old: Mapping[str, Any], new: Mapping[str, Any], tolerance: float = 0.02
) -> list[MetricDelta]:
    """Per-metric deltas of two `metrics` objects. Higher is better except for
    false_refusal_rate; latency is compared but never counts as a regression."""
    deltas = []
    for name in METRICS:
        a, b = old.get(name), new.get(name)
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            continue
        deltas.append(MetricDelta(name, float(a), float(b), _regressed(name, a, b, tolerance)))
    return deltas


def _regressed(name: str, old: float, new: float, tolerance: float) -> bool:
    if name in LATENCY_METRICS:
        return False
    if name in LOWER_IS_BETTER:
        return new > old + tolerance + _EPSILON
    return new < old - tolerance - _EPSILON


def deltas_table(deltas: Sequence[MetricDelta]) -> str:
    lines = ["| metric | old | new | delta | |", "|---|---:|---:|---:|---|"]
    for d in deltas:
        note = "REGRESSED" if d.regressed else ("not gated" if d.metric in LATENCY_METRICS else "")
        digits = 1 if d.metric in LATENCY_METRICS else 3
        lines.append(
            f"| {LABELS[d.metric]} | {d.old:.{digits}f} | {d.new:.{digits}f} "
            f"| {d.delta:+.{digits}f} | {note} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Threshold:
    """--fail-under METRIC=VALUE: a floor, or a ceiling for lower-is-better metrics
    (false_refusal_rate and the latencies)."""

    metric: str
    value: float

    @property
    def ceiling(self) -> bool:
        return self.metric in LOWER_IS_BETTER

    def violated_by(self, actual: float) -> bool:
        return actual > self.value if self.ceiling else actual < self.value


def parse_threshold(text: str) -> Threshold:
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep:
        raise EvalError(f"--fail-under {text!r}: expected METRIC=VALUE, e.g. hit_at_k=0.8")
    if name not in METRICS:
        raise EvalError(f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}")
    try:
        value = float(raw)
    except ValueError:
        raise EvalError(f"--fail-under {text!r}: {raw.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise EvalError(f"--fail-under {text!r}: the value must be a finite number")
    return Threshold(name, value)


def check_thresholds(metrics: Mapping[str, Any], thresholds: Sequence[Threshold]) -> list[str]:
    """One line per violated threshold, e.g. 'hit_at_k = 0.812 is below 0.850'."""
    problems = []
    for t in thresholds:
        actual = float(metrics.get(t.metric, math.nan))
        if math.isnan(actual) or t.violated_by(actual):
            word = "above" if t.ceiling else "below"
            problems.append(f"{t.metric} = {actual:.3f} is {word} {t.value:.3f}")
    return problems
