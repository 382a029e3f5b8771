"""The Evaluation tab's reading of a report dict (what report.json holds), as pure functions:
each failure in words (the expected fact, the quote that was missing, the check that refused),
the metrics beside their targets and the committed baseline, and the HTML of each part.

report.json is read tolerantly: keys may be missing or added (older and newer reports, the
split of a question, the refusal reason of an answer) without breaking the page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.evaluation.metrics import LATENCY_METRICS, LOWER_IS_BETTER, METRICS
from assistant.evaluation.report import LABELS, Threshold
from assistant.refusals import REFUSAL_REASONS
from assistant.web.render import esc
from assistant.web.wording import num, plural, readable_utc

#: The targets docs/evaluation.md states; the others are reported, not targeted.
TARGETS: Mapping[str, Threshold] = {
    t.metric: t
    for t in (
        Threshold("hit_at_k", 0.95),
        Threshold("fact_recall", 0.90),
        Threshold("citation_precision", 0.95),
        Threshold("refusal_rate", 0.90),
        Threshold("false_refusal_rate", 0.05),
    )
}

#: Failure names in report.json -> the filter's wording. Unknown names are shown as they are.
REASON_LABELS: Mapping[str, str] = {
    "missing fact": "Expected fact missing",
    "evidence not cited": "Evidence not cited",
    "cited passage without evidence": "Citation without evidence",
    "retrieval miss": "Evidence not retrieved",
    "no citations": "No citations",
    "false refusal": "Refused an answerable question",
    "not refused": "Answered an unanswerable question",
}

REFUSAL_WORDS: Mapping[str, str] = REFUSAL_REASONS  # the one wording (assistant/refusals.py)


# --- failures in words ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One thing that went wrong with one question."""

    kind: str  # the failure's name in report.json, e.g. "missing fact": what the filter keys on
    text: str  # what went wrong, in words
    quote: str = ""  # the expected fact or evidence, or the quote that was cited

    @property
    def label(self) -> str:
        return reason_label(self.kind)


@dataclass(frozen=True)
class FailedQuestion:
    """A question with at least one failure, as the failures list shows it."""

    id: str
    category: str
    question: str
    earlier_turns: int
    reasons: tuple[Reason, ...]
    answer: str
    refused: bool
    expected: str
    split: str  # the question's set (dev/test) when the report names one, else ""


def reason_label(kind: str) -> str:
    return REASON_LABELS.get(kind) or (kind[:1].upper() + kind[1:])


def refusal_words(name: str) -> str:
    return REFUSAL_WORDS.get(name) or name.replace("_", " ")


def failed_questions(data: Mapping[str, Any]) -> tuple[FailedQuestion, ...]:
    """The questions of a report with failures, in report order."""
    k = _mapping(data.get("run")).get("k")
    found = []
    for q in _dicts(data.get("questions")):
        failures = [str(f) for f in q.get("failures") or []]
        if not failures:
            continue
        answer = _mapping(q.get("answer"))
        found.append(
            FailedQuestion(
                id=str(q.get("id", "?")),
                category=str(q.get("category", "")),
                question=str(q.get("question", "")),
                earlier_turns=len(q.get("history") or []),
                reasons=tuple(describe_failure(f, answer, k) for f in failures),
                answer=str(answer.get("text", "")),
                refused=bool(answer.get("refused")),
                expected=str(q.get("reference_answer") or ""),
                split=str(q.get("split") or q.get("set") or ""),
            )
        )
    return tuple(found)


def describe_failure(failure: str, answer: Mapping[str, Any], k: object = None) -> Reason:
    """One failure string of report.json ("missing fact: Biden") in words."""
    kind, _, detail = failure.partition(": ")
    kind, detail = kind.strip(), detail.strip()
    if kind == "missing fact":
        return Reason(kind, "The answer does not state the expected fact", detail)
    if kind == "evidence not cited":
        return Reason(kind, "No citation covers the expected evidence", detail)
    if kind == "cited passage without evidence":
        return _unsupported_citation(detail, answer)
    if kind == "retrieval miss":
        among = f"the {k} passages" if isinstance(k, int) else "the passages"
        return Reason(kind, f"None of {among} retrieved holds the expected evidence")
    if kind == "no citations":
        return Reason(kind, "The answer cites no passage")
    if kind == "false refusal":
        reason = str(answer.get("refusal_reason") or "")
        why = f"; the check that refused: {refusal_words(reason)}" if reason else ""
        return Reason(kind, f"Refused, though the documents answer this question{why}")
    if kind == "not refused":
        return Reason(
            kind,
            "Answered, though the documents do not answer this question: it should "
            "have been refused",
        )
    return Reason(kind, reason_label(kind), detail)


def _unsupported_citation(chunk_id: str, answer: Mapping[str, Any]) -> Reason:
    kind = "cited passage without evidence"
    citation = next(
        (c for c in _dicts(answer.get("citations")) if c.get("chunk_id") == chunk_id), {}
    )
    passage = next((p for p in _dicts(answer.get("passages")) if p.get("chunk_id") == chunk_id), {})
    which = f"Citation [{citation['n']}]" if "n" in citation else "A citation"
    source = f" (in {passage['doc_id']})" if passage.get("doc_id") else ""
    text = (
        f"{which} quotes a passage{source} that holds neither the expected evidence nor an "
        "expected fact"
    )
    return Reason(kind, text, str(citation.get("quote", "")))


def filter_failures(
    items: Sequence[FailedQuestion], category: str = "", kind: str = ""
) -> list[FailedQuestion]:
    """The failed questions of a category (all when ""), with a failure of a kind (any when "")."""
    return [
        f
        for f in items
        if (not category or f.category == category)
        and (not kind or any(r.kind == kind for r in f.reasons))
    ]


def category_choices(items: Sequence[FailedQuestion]) -> list[tuple[str, str]]:
    """(label, value) of the category filter: all, then each category with failures."""
    counts = Counter(f.category for f in items)
    return [(f"All categories ({len(items)})", "")] + [
        (f"{c} ({n})", c) for c, n in sorted(counts.items())
    ]


def reason_choices(items: Sequence[FailedQuestion]) -> list[tuple[str, str]]:
    """(label, value) of the reason filter: any, then each kind of failure seen, with the
    number of questions that have it."""
    counts = Counter(kind for f in items for kind in dict.fromkeys(r.kind for r in f.reasons))
    return [(f"Any reason ({len(items)})", "")] + [
        (f"{reason_label(k)} ({n})", k) for k, n in sorted(counts.items(), key=_by_label)
    ]


def _by_label(item: tuple[str, int]) -> str:
    return reason_label(item[0])


def explain_command(question: str) -> str:
    """The command line that explains how the assistant answers a question (POSIX shell,
    double-quoted: backslash, double quote, dollar and backquote escaped)."""
    text = " ".join(question.split())
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return f'assistant ask --explain "{text}"'


# --- metrics against the targets and the baseline -------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    metric: str
    value: float | None  # None: no question applied
    baseline: float | None  # None: no baseline, or no question applied there
    target: Threshold | None


def metric_rows(
    data: Mapping[str, Any], baseline: Mapping[str, Any] | None = None
) -> list[MetricRow]:
    """Every metric of the report, in display order, with its baseline value and target."""
    rows = []
    for name in METRICS:
        value = _metric(data, name)
        if value is None and name not in _mapping(data.get("metrics")):
            continue
        old = _metric(baseline, name) if baseline is not None else None
        rows.append(MetricRow(name, value, old, TARGETS.get(name)))
    return rows


def _metric(data: Mapping[str, Any] | None, name: str) -> float | None:
    if data is None:
        return None
    value = _mapping(data.get("metrics")).get(name)
    count = _mapping(data.get("counts")).get(name)
    if not isinstance(value, int | float) or isinstance(value, bool) or count == 0:
        return None
    return float(value) if math.isfinite(value) else None


def formatted(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.1f} ms" if metric in LATENCY_METRICS else f"{value:.3f}"


def change_words(metric: str, old: float | None, new: float | None) -> tuple[str, str]:
    """(css class, text) of the change from the baseline: an arrow for the direction, the
    signed difference, and whether that is better or worse, in words ("▲ +0.012 better")."""
    if old is None or new is None:
        return "na", "n/a"
    digits = 1 if metric in LATENCY_METRICS else 3
    delta = round(new - old, digits)
    if delta == 0:
        return "same", "= same"
    lower_better = metric in LOWER_IS_BETTER
    better = (delta < 0) if lower_better else (delta > 0)
    arrow = "▲" if delta > 0 else "▼"
    unit = " ms" if metric in LATENCY_METRICS else ""
    word = (
        ("faster" if better else "slower")
        if metric in LATENCY_METRICS
        else ("better" if better else "worse")
    )
    sign = "+" if delta > 0 else "−"
    return ("better" if better else "worse"), f"{arrow} {sign}{abs(delta):.{digits}f}{unit} {word}"


def target_words(target: Threshold | None, value: float | None) -> tuple[str, str]:
    """(css class, text) of a metric against its target: "≥ 0.95 ✓ met" or "✗ missed"."""
    if target is None:
        return "na", "none"
    bound = f"{'≤' if target.ceiling else '≥'} {target.value:.2f}"
    if value is None:
        return "na", f"{bound}, n/a"
    if target.violated_by(value):
        return "missed", f"{bound} ✗ missed"
    return "met", f"{bound} ✓ met"


# --- HTML ----------------------------------------------------------------------------------


def run_html(
    data: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    is_baseline: bool,
    withheld: str = "",
) -> str:
    """The run line: which run, when, how many questions failed; and what it is compared with
    (`withheld`: why the committed baseline is not)."""
    run = _mapping(data.get("run"))
    questions = _dicts(data.get("questions"))
    failing = sum(1 for q in questions if q.get("failures"))
    facts = [
        f"<strong>Run {esc(run.get('run_id', '?'))}</strong>",
        num(readable_utc(run.get("date"))),
        f"{num(plural(len(questions), 'question'))}, {num(failing)} with failures",
        f"answerer: {esc(run.get('answerer', '?'))}",
        f"{num(run.get('k', '?'))} passages per question",
    ]
    if withheld:
        compared = f"Not compared with the committed baseline: {esc(withheld)}."
    elif is_baseline:
        compared = "This is the committed baseline: run an evaluation to compare with it."
    elif baseline is None:
        compared = "No committed baseline (evals/reports/baseline/report.json) to compare with."
    else:
        old = _mapping(baseline.get("run"))
        compared = (
            f"Compared with the committed baseline: run {esc(old.get('run_id', '?'))} of "
            f"{num(readable_utc(old.get('date')))}."
        )
    return f'<p class="eval-facts">{" · ".join(facts)}</p><p class="eval-compared">{compared}</p>'


def metrics_html(rows: Sequence[MetricRow], with_baseline: bool) -> str:
    head = ["Metric", "This run", "Target"] + (["Baseline", "Change"] if with_baseline else [])
    body = []
    for r in rows:
        target_class, target_text = target_words(r.target, r.value)
        cells = [
            f'<th scope="row">{esc(LABELS.get(r.metric, r.metric))}</th>',
            _cell("This run", num(formatted(r.metric, r.value))),
            _cell("Target", num(target_text), f"target {target_class}"),
        ]
        if with_baseline:
            change_class, change_text = change_words(r.metric, r.baseline, r.value)
            cells.append(_cell("Baseline", num(formatted(r.metric, r.baseline))))
            cells.append(_cell("Change", num(change_text), f"change {change_class}"))
        body.append(f"<tr>{''.join(cells)}</tr>")
    heads = "".join(f'<th scope="col">{h}</th>' for h in head)
    return (
        '<table class="eval-metrics"><caption>Metrics of this run'
        + (", against the targets and the committed baseline" if with_baseline else "")
        + f"</caption><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


LLM_METRICS = ("fact_recall", "citation_precision", "refusal_rate", "false_refusal_rate")


def llm_path_html(reports: Mapping[str, Mapping[str, Any]]) -> str:
    """The LLM path's numbers, one row per recorded set (its replay report), beside the
    offline ones above: the model replies were written blind and replayed, so these are what
    a capable model gives through this app's prompts and citation check."""
    if not reports:
        return (
            '<p class="eval-empty">No recorded replies: see docs/evaluation.md, '
            "The LLM path, measured with recorded replies.</p>"
        )
    head = ["Question set", "Replies"] + [LABELS.get(m, m) for m in LLM_METRICS]
    body = []
    for name, data in reports.items():
        replay = _mapping(_mapping(data.get("run")).get("llm_replay"))
        cells = [
            f'<th scope="row">{esc(name)}</th>',
            _cell("Replies", num(replay.get("replayed", "?"))),
        ]
        cells += [_cell(LABELS.get(m, m), num(formatted(m, _metric(data, m)))) for m in LLM_METRICS]
        body.append(f"<tr>{''.join(cells)}</tr>")
    heads = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    return (
        '<table class="eval-metrics eval-llm"><caption>The LLM path on model replies recorded '
        "blind and replayed (evals/recordings)</caption>"
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _cell(label: str, content: str, css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return f'<td data-label="{esc(label)}"{attr}>{content}</td>'


def failures_html(shown: Sequence[FailedQuestion], total: int) -> str:
    """The failure cards after filtering, with a line saying how many are shown."""
    if total == 0:
        return '<p class="eval-none" role="status">No question failed in this run.</p>'
    count = (
        f"Showing {num(len(shown))} of {plural(total, 'failing question')}."
        if len(shown) != total
        else f"{plural(total, 'failing question')}, shown first below."
    )
    if not shown:
        count += " No failure matches these filters."
    cards = "".join(_failure_card(f) for f in shown)
    return f'<p class="eval-count" role="status">{count}</p><ol class="eval-failures">{cards}</ol>'


def _failure_card(f: FailedQuestion) -> str:
    tags = [f'<span class="tag">{esc(f.category)}</span>'] if f.category else []
    if f.split:
        tags.append(f'<span class="tag">{esc(f.split)} set</span>')
    followup = (
        f'<p class="note">A follow-up, asked after {plural(f.earlier_turns, "earlier turn")}.</p>'
        if f.earlier_turns
        else ""
    )
    reasons = "".join(
        f"<li><strong>{esc(r.label)}.</strong> {esc(r.text)}"
        + (f": <q>{esc(r.quote)}</q>" if r.quote else "")
        + "</li>"
        for r in f.reasons
    )
    said = "Refused" if f.refused else "The answer"
    expected = (
        f'<p class="said"><strong>Expected:</strong> {esc(f.expected)}</p>' if f.expected else ""
    )
    command = explain_command(f.question)
    return (
        f'<li class="eval-failure" id="fail-{esc(f.id)}">'
        f'<h4><span class="qid">{esc(f.id)}</span> {"".join(tags)}</h4>'
        f'<p class="question">{esc(f.question)}</p>{followup}'
        f'<ul class="reasons">{reasons}</ul>'
        f'<p class="said"><strong>{said}:</strong> {esc(f.answer)}</p>{expected}'
        f'<div class="explain"><span>How it was answered:</span> <code>{esc(command)}</code>'
        f'<button type="button" class="copy" data-copy="{esc(command)}" '
        f'aria-label="Copy the command that explains {esc(f.id)}">Copy</button></div></li>'
    )


def questions_html(data: Mapping[str, Any]) -> str:
    """Every question of the run, one row each (id, category, question, result), folded."""
    rows = []
    for q in _dicts(data.get("questions")):
        failures = [str(f) for f in q.get("failures") or []]
        kinds = dict.fromkeys(reason_label(f.partition(": ")[0].strip()) for f in failures)
        result = (
            f'<span class="bad">{plural(len(failures), "failure")}:</span> '
            + esc(", ".join(kinds).lower())
            if failures
            else '<span class="ok">ok</span>'
        )
        rows.append(
            f'<tr><td data-label="Id" class="qid">{esc(q.get("id", ""))}</td>'
            f'<td data-label="Category">{esc(q.get("category", ""))}</td>'
            f'<td data-label="Question">{esc(q.get("question", ""))}</td>'
            f'<td data-label="Result">{result}</td></tr>'
        )
    return (
        f"<details><summary>Every question ({len(rows)})</summary>"
        '<table class="eval-questions"><thead><tr><th scope="col">Id</th>'
        '<th scope="col">Category</th><th scope="col">Question</th><th scope="col">Result</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )


def chart_html(src: str, data: Mapping[str, Any], size: tuple[int, int] | None) -> str:
    """report.png at its own size (scaled down to fit), with a text alternative and a link
    to the full-size image."""
    categories = list(_mapping(data.get("by_category")))
    alt = (
        "Bar chart of hit@k, fact recall, citation precision and recall, refusal rate and "
        f"false refusal rate, overall and for {plural(len(categories), 'category', 'categories')}"
        + (f" ({', '.join(categories)})" if categories else "")
        + "; the numbers are in the metrics table."
    )
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (
        f'<figure class="eval-chart"><img src="{esc(src)}" alt="{esc(alt)}"{dims}>'
        f'<figcaption>The main metrics by category. <a href="{esc(src)}" target="_blank" '
        'rel="noopener">Open the chart at full size</a></figcaption></figure>'
    )


# --- tolerant reading ----------------------------------------------------------------------


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dicts(value: object) -> list[Mapping[str, Any]]:
    items: Iterable[object] = value if isinstance(value, list) else []
    return [v for v in items if isinstance(v, Mapping)]


# --- which question set, over which documents ----------------------------------------------------

# Most of a set's evidence quotes found in the served documents: the set was written for them
# (a set with a few quotes missing on purpose still is; one written for other documents finds
# next to none)
MATCH_SHARE = 0.5


@dataclass(frozen=True)
class SetMatch:
    """A question set and how much of its evidence the served documents hold: a set written
    for other documents scores low whatever the assistant does, and is never compared with a
    baseline."""

    name: str  # "" for the default set (evals/questions.jsonl)
    found: int  # evidence quotes found verbatim (whitespace aside) in the served documents
    total: int

    @property
    def matches(self) -> bool:
        return self.total > 0 and self.found >= MATCH_SHARE * self.total

    @property
    def title(self) -> str:
        return f"the {self.name} set" if self.name else "the default set"

    @property
    def label(self) -> str:
        share = f"{self.found:,} of {self.total:,} evidence quotes in these documents"
        return f"{self.name or 'default'} ({share})"


def evidence_found(evidence: Iterable[str], texts: Iterable[str]) -> tuple[int, int]:
    """(quotes found in any of the texts, quotes), whitespace collapsed on both sides."""
    corpus = "\n".join(" ".join(t.split()) for t in texts)
    quotes = [" ".join(q.split()) for q in evidence if q.strip()]
    return sum(q in corpus for q in quotes), len(quotes)


def best_set(matches: Sequence[SetMatch]) -> SetMatch | None:
    """The set written for the served documents: the largest share of its evidence found."""
    scored = [m for m in matches if m.total]
    return max(scored, key=lambda m: (m.found / m.total, m.total), default=None)


def set_html(match: SetMatch | None, documents: int) -> str:
    """Which set a run used over which documents, and a warning when they do not belong
    together."""
    if match is None:
        return ""
    line = (
        f'<p class="eval-set">{esc(match.title.capitalize())} over the '
        f"{num(plural(documents, 'served document'))}: "
        f"{num(f'{match.found:,} of {match.total:,}')} of its evidence quotes are in them.</p>"
    )
    if match.matches:
        return line
    return line + (
        '<p class="eval-mismatch" role="note">This set was written for other documents: its '
        "scores say little about these, so it is not compared with a baseline. Pick the set "
        "written for the served documents below.</p>"
    )
