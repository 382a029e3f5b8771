"""Evaluation as definition and metrics: the question set, per-question scores, aggregation.

Everything here is pure and deterministic except `load_items`, which reads one file. Running
the questions through an assistant lives in `run.py`; writing reports in `report.py`.

Per question, each metric is a number or None (not applicable); an aggregate is the mean over
the questions where it applies, and 0.0 when none does (the count of questions that applied is
kept beside it, so 0.0-because-empty can be told apart). Per question, `refusal_rate` is 1 when
an unanswerable question was refused and `false_refusal_rate` is 1 when an answerable one was;
a report also counts both kinds of refusal by the answer's `refusal_reason`.

An item may carry a "split" ("dev" to tune on, "test" to report on); `select_split` keeps the
items of one split, and an item without a split belongs to every split.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.types import Answer, Turn
from assistant.verify.citations import strip_markers

#: The metrics of a report, in display order. Higher is better except for LOWER_IS_BETTER.
METRICS: tuple[str, ...] = (
    "hit_at_k",
    "mrr",
    "fact_recall",
    "all_facts",
    "token_f1",
    "citation_precision",
    "citation_recall",
    "refusal_rate",
    "false_refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LATENCY_METRICS = frozenset({"latency_p50_ms", "latency_p95_ms"})
LOWER_IS_BETTER = frozenset({"false_refusal_rate"}) | LATENCY_METRICS
MEAN_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m not in LATENCY_METRICS)

_REQUIRED = ("id", "question", "answer", "facts", "evidence", "answerable", "category")
SPLITS: tuple[str, ...] = ("dev", "test")
ALL_SPLITS = "all"  # every item, whatever its split
UNSPECIFIED_REASON = "unspecified"  # a refusal whose answer names no reason
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)

Fact = tuple[str, ...]  # alternative spellings: present when any of them occurs


class EvalError(ValueError):
    """A problem with evaluation input the user can fix; the message is one line."""


@dataclass(frozen=True)
class EvalItem:
    """One question of an evaluation set, as validated from one JSONL line."""

    id: str
    question: str
    answer: str  # reference answer; "" when unanswerable
    facts: tuple[Fact, ...]
    evidence: tuple[str, ...]  # verbatim corpus excerpts
    answerable: bool
    category: str
    history: tuple[Turn, ...] = ()
    split: str = ""  # "dev", "test", or "" for an item that belongs to every split


@dataclass(frozen=True)
class RunInfo:
    """What a run was: enough to tell two reports apart and to reproduce one."""

    run_id: str
    questions_file: str
    corpus_dir: str
    k: int
    embedding_model: str
    answerer: str
    chunk_tokens: int
    chunk_overlap_tokens: int
    date: str  # ISO 8601, UTC
    questions: int
    split: str = ALL_SPLITS  # which split of the file was asked
    question_set: str = ""  # a named set (e.g. "realistic"), "" for a file given directly
    # With --llm-replay: model replies replayed from a recording, and prompts with none yet.
    llm_replay: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """One question asked: the assistant's answer and the wall time of `ask`."""

    item: EvalItem
    answer: Answer
    latency_ms: float


@dataclass(frozen=True)
class EvalRun:
    """A question set run through an assistant, not yet scored."""

    info: RunInfo
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class QuestionScore:
    """One question scored: metric values (None = not applicable) and what failed."""

    item: EvalItem
    answer: Answer
    latency_ms: float
    values: Mapping[str, float | None]
    failures: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """Aggregated metrics (every key of METRICS) and how many questions each applied to."""

    metrics: Mapping[str, float]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Report:
    """A scored run: per question, overall and per category."""

    info: RunInfo
    questions: tuple[QuestionScore, ...]
    overall: Summary
    by_category: Mapping[str, Summary]
    refusals_by_reason: Mapping[str, int] = field(default_factory=dict)  # unanswerable, refused
    false_refusals_by_reason: Mapping[str, int] = field(default_factory=dict)  # answerable


# --- definition: loading and validating a question set ------------------------------------


def load_items(path: Path) -> list[EvalItem]:
    """Read and validate a JSONL question set; raises EvalError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalError(f"{path}: no such questions file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot read the questions file ({type(exc).__name__})") from None
    return parse_items(text.splitlines(), str(path))


def parse_items(lines: Iterable[str], source: str) -> list[EvalItem]:
    """Validate JSONL lines (blank ones skipped); ids must be unique."""
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = parse_item(line)
        except ValueError as exc:
            raise EvalError(f"{source}, line {number}: {exc}") from None
        if item.id in first_line:
            raise EvalError(
                f"{source}, line {number}: duplicate id {item.id!r} "
                f"(first on line {first_line[item.id]})"
            )
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise EvalError(f"{source}: no questions in the file")
    return items


def parse_item(line: str) -> EvalItem:
    """One JSON object -> EvalItem; ValueError with a short reason when it is not valid."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise ValueError(f"missing key(s): {', '.join(missing)}")
    if not isinstance(raw["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
    return EvalItem(
        id=_text(raw, "id"),
        question=_text(raw, "question"),
        answer=_string(raw, "answer"),
        facts=_facts(raw["facts"]),
        evidence=_texts(raw["evidence"], "evidence"),
        answerable=raw["answerable"],
        category=_text(raw, "category"),
        history=_history(raw.get("history", [])),
        split=_split(raw.get("split", "")),
    )


def _string(raw: Mapping[str, Any], key: str) -> str:
    if not isinstance(raw[key], str):
        raise ValueError(f"{key!r} must be a string")
    return str(raw[key])


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = _string(raw, key)
    if not value.strip():
        raise ValueError(f"{key!r} must not be empty")
    return value


def _texts(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{key!r} must be a list of non-empty strings")
    return tuple(value)


def _facts(value: Any) -> tuple[Fact, ...]:
    if not isinstance(value, list):
        raise ValueError("'facts' must be a list")
    facts = []
    for fact in value:
        alternatives = fact if isinstance(fact, list) else [fact]
        if not alternatives:
            raise ValueError("'facts' has an empty list of alternatives")
        facts.append(_texts(alternatives, "facts"))
    return tuple(facts)


def _split(value: Any) -> str:
    if value == "" or value in SPLITS:
        return str(value)
    raise ValueError(f"'split' must be {' or '.join(repr(s) for s in SPLITS)}, not {value!r}")


def select_split(items: Sequence[EvalItem], split: str, source: str = "") -> list[EvalItem]:
    """The items of one split ("all" keeps every item); items without a split are in every
    split. EvalError when the split is unknown or holds no question."""
    if split == ALL_SPLITS:
        return list(items)
    if split not in SPLITS:
        choices = ", ".join((*SPLITS, ALL_SPLITS))
        raise EvalError(f"unknown split {split!r}; choose one of {choices}")
    chosen = [item for item in items if item.split in (split, "")]
    if not chosen:
        raise EvalError(f"{source or 'the questions file'}: no questions in split {split!r}")
    return chosen


def _history(value: Any) -> tuple[Turn, ...]:
    if not isinstance(value, list):
        raise ValueError("'history' must be a list of {role, content} turns")
    turns = []
    for turn in value:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
        ):
            raise ValueError("every 'history' turn needs role 'user' or 'assistant' and content")
        turns.append(Turn(turn["role"], turn["content"]))
    return tuple(turns)


# --- metrics: pure functions of literal inputs ---------------------------------------------


def collapse(text: str) -> str:
    """Lowercase, whitespace runs collapsed to one space: how facts and evidence match."""
    return " ".join(text.split()).lower()


def fact_present(fact: Fact, text: str) -> bool:
    haystack = collapse(text)
    return any(collapse(alternative) in haystack for alternative in fact)


def fact_recall(facts: Sequence[Fact], text: str) -> float | None:
    """Share of facts present in text; None when there are no facts."""
    if not facts:
        return None
    return sum(fact_present(f, text) for f in facts) / len(facts)


def all_facts(facts: Sequence[Fact], text: str) -> float | None:
    if not facts:
        return None
    return float(all(fact_present(f, text) for f in facts))


def squad_normalize(text: str) -> str:
    """SQuAD answer normalisation: lower, drop punctuation and articles, collapse spaces."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1; 1.0 when both normalise to nothing, 0.0 when only one does."""
    pred, ref = squad_normalize(prediction).split(), squad_normalize(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains_evidence(passage: str, evidence: Sequence[str]) -> bool:
    """A passage is relevant when it contains an evidence excerpt (collapsed, any case)."""
    text = collapse(passage)
    return any(collapse(e) in text for e in evidence)


def first_relevant_rank(passages: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based position of the first relevant passage, or None."""
    for rank, passage in enumerate(passages, 1):
        if contains_evidence(passage, evidence):
            return rank
    return None


def hit_at_k(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    rank = first_relevant_rank(passages[:k], evidence)
    return 0.0 if rank is None else 1.0


def reciprocal_rank(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    rank = first_relevant_rank(passages[:k], evidence)
    return 0.0 if rank is None else 1.0 / rank


def citation_supported(passage: str, evidence: Sequence[str], facts: Sequence[Fact]) -> bool:
    """A cited passage is supported when it holds an evidence excerpt or a fact alternative."""
    return contains_evidence(passage, evidence) or any(fact_present(f, passage) for f in facts)


def citation_precision(
    cited: Sequence[str], evidence: Sequence[str], facts: Sequence[Fact]
) -> float | None:
    """Share of cited passages that are supported; None when nothing is cited."""
    if not cited:
        return None
    return sum(citation_supported(p, evidence, facts) for p in cited) / len(cited)


def citation_recall(cited: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of evidence excerpts inside some cited passage; None when there is no evidence."""
    if not evidence:
        return None
    return sum(any(contains_evidence(p, [e]) for p in cited) for e in evidence) / len(evidence)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation between ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# --- scoring one question --------------------------------------------------------------


def cited_passages(answer: Answer) -> list[tuple[str, str]]:
    """(chunk_id, text) of each distinct cited passage, in citation order; a chunk id not
    among the answer's hits gets text "" (so it counts as unsupported)."""
    texts = {h.chunk.id: h.chunk.text for h in answer.hits}
    ids = dict.fromkeys(c.chunk_id for c in answer.citations)
    return [(chunk_id, texts.get(chunk_id, "")) for chunk_id in ids]


def answer_body(answer: Answer) -> str:
    """The text scored for facts and F1: "" when refused, citation markers removed."""
    return "" if answer.refused else strip_markers(answer.text)


def score_question(item: EvalItem, answer: Answer, latency_ms: float, k: int) -> QuestionScore:
    cited = cited_passages(answer)
    values: dict[str, float | None] = {
        **_retrieval_values(item, answer, k),
        **_answer_values(item, answer),
        **_citation_values(item, answer, [text for _, text in cited]),
        **_refusal_values(item, answer),
        "latency_ms": latency_ms,
    }
    return QuestionScore(item, answer, latency_ms, values, _failures(item, answer, values, cited))


def _retrieval_values(item: EvalItem, answer: Answer, k: int) -> dict[str, float | None]:
    if not item.answerable or not item.evidence:
        return {"hit_at_k": None, "mrr": None}
    passages = [h.chunk.text for h in answer.hits]
    return {
        "hit_at_k": hit_at_k(passages, item.evidence, k),
        "mrr": reciprocal_rank(passages, item.evidence, k),
    }


def _answer_values(item: EvalItem, answer: Answer) -> dict[str, float | None]:
    if not item.answerable:
        return {"fact_recall": None, "all_facts": None, "token_f1": None}
    body = answer_body(answer)
    return {
        "fact_recall": fact_recall(item.facts, body),
        "all_facts": all_facts(item.facts, body),
        "token_f1": token_f1(body, item.answer) if item.answer.strip() else None,
    }


def _citation_values(item: EvalItem, answer: Answer, cited: list[str]) -> dict[str, float | None]:
    if not item.answerable:
        return {"citation_precision": None, "citation_recall": None}
    shown = [] if answer.refused else cited
    return {
        "citation_precision": citation_precision(shown, item.evidence, item.facts),
        "citation_recall": citation_recall(shown, item.evidence),
    }


def _refusal_values(item: EvalItem, answer: Answer) -> dict[str, float | None]:
    refused = float(answer.refused)
    return {
        "refusal_rate": None if item.answerable else refused,
        "false_refusal_rate": refused if item.answerable else None,
    }


def _failures(
    item: EvalItem,
    answer: Answer,
    values: Mapping[str, float | None],
    cited: Sequence[tuple[str, str]],
) -> tuple[str, ...]:
    if not item.answerable:
        return () if answer.refused else ("not refused",)
    found = ["retrieval miss"] if values["hit_at_k"] == 0.0 else []
    if answer.refused:
        return (*found, "false refusal")
    body = answer_body(answer)
    found += [f"missing fact: {f[0]}" for f in item.facts if not fact_present(f, body)]
    if not cited:
        found.append("no citations")
    found += [
        f"cited passage without evidence: {chunk_id}"
        for chunk_id, text in cited
        if not citation_supported(text, item.evidence, item.facts)
    ]
    texts = [text for _, text in cited]
    found += [
        f"evidence not cited: {_clip(e)}"
        for e in item.evidence
        if cited and not any(contains_evidence(t, [e]) for t in texts)
    ]
    return tuple(found)


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- aggregation -----------------------------------------------------------------------


def summarize(scores: Sequence[QuestionScore]) -> Summary:
    """Means over the questions where each metric applies; latency percentiles over all."""
    metrics: dict[str, float] = {}
    counts: dict[str, int] = {}
    for name in MEAN_METRICS:
        applied = [v for s in scores if (v := s.values.get(name)) is not None]
        metrics[name], counts[name] = mean(applied), len(applied)
    latencies = [s.latency_ms for s in scores]
    for name, q in (("latency_p50_ms", 50.0), ("latency_p95_ms", 95.0)):
        metrics[name], counts[name] = percentile(latencies, q), len(latencies)
    counts["questions"] = len(scores)
    return Summary(metrics, counts)


def refusals_by_reason(scores: Sequence[QuestionScore], answerable: bool) -> dict[str, int]:
    """How many refused answers name each reason, among answerable questions (false refusals)
    or unanswerable ones (right refusals); most frequent first, then by name."""
    reasons = Counter(
        s.answer.refusal_reason or UNSPECIFIED_REASON
        for s in scores
        if s.answer.refused and s.item.answerable == answerable
    )
    return dict(sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0])))


def score_run(run: EvalRun) -> Report:
    """Score every question of a run, then aggregate overall and per category (sorted)."""
    scores = tuple(score_question(o.item, o.answer, o.latency_ms, run.info.k) for o in run.outcomes)
    categories = sorted({s.item.category for s in scores})
    by_category = {c: summarize([s for s in scores if s.item.category == c]) for c in categories}
    return Report(
        run.info,
        scores,
        summarize(scores),
        by_category,
        refusals_by_reason=refusals_by_reason(scores, answerable=False),
        false_refusals_by_reason=refusals_by_reason(scores, answerable=True),
    )
