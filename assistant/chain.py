"""The answering chain as a LangChain Runnable: condense -> retrieve -> answer -> verify."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer.base import REFUSAL_TEXT, Answerer, AnswererError, Draft, OnToken
from assistant.answer.composer import OfflineComposer
from assistant.errors import UserError
from assistant.index.snapshot import Retrieved
from assistant.query import questions
from assistant.query.plan import QueryPlan, read_question
from assistant.retrieve.hybrid import HybridRetriever
from assistant.text.aliases import Aliases
from assistant.types import Answer, Turn
from assistant.verify.citations import verify

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# What one question may cost: each part is searched and answered, each distinct term scored
# (a real question has 1-2 parts and at most ~15 terms; 2,000 characters of parts cost 40x)
MAX_PARTS = 6
MAX_TERMS = 60


class QuestionError(UserError, ValueError):
    """The question cannot be asked as it is; the message says what to do."""


@dataclass
class _State:
    question: str
    history: Sequence[Turn]
    k: int | None
    doc_ids: Sequence[str] | None
    on_token: OnToken | None
    query: str = ""
    plan: QueryPlan | None = None
    retrieved: Retrieved | None = None
    draft: Draft | None = None
    timings: dict[str, float] = field(default_factory=dict)


class AnswerChain:
    def __init__(
        self,
        retriever: HybridRetriever,
        answerer: Answerer,
        fallback: OfflineComposer,
        max_question_chars: int,
        aliases: Aliases | None = None,
    ) -> None:
        self.retriever = retriever
        self.aliases = aliases or Aliases.general()
        self.answerer = answerer
        self.fallback = fallback
        self.max_question_chars = max_question_chars
        self.runnable: Runnable[_State, Answer] = (
            RunnableLambda(self._condense, name="condense")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
            | RunnableLambda(self._verify, name="verify")
        )

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        on_token: OnToken | None = None,
    ) -> Answer:
        state = _State(self.clean(question), tuple(history), k, doc_ids, on_token)
        return self.runnable.invoke(state)

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as the answerer produces them, then the verified Answer."""
        pieces: queue.Queue[Any] = queue.Queue()
        cleaned = self.clean(question)

        def run() -> None:
            try:
                pieces.put(self.ask(cleaned, history, k, doc_ids, on_token=pieces.put))
            except BaseException as exc:  # handed to the caller's thread
                pieces.put(exc)

        threading.Thread(target=run, daemon=True).start()
        while True:
            item = pieces.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if isinstance(item, Answer):
                return

    def explain(
        self, question: str, history: Sequence[Turn] = (), k: int | None = None
    ) -> list[str]:
        """How the offline composer decides on this question: the plan, the candidate units
        with their scores (best first) and the check that decided (for `ask --explain`)."""
        state = self._retrieved(question, history, k)
        assert state.plan is not None and state.retrieved is not None
        _, why = self.fallback.compose(state.plan, state.retrieved)
        lines = ["plan:", *(f"  {line}" for line in why.plan), "passages:"]
        lines += [
            f"  [{h.rank}] {h.score:.4f} {h.chunk.doc_id} | {h.chunk.section}"
            for h in state.retrieved.hits
        ]
        lines.append("candidate units (score, passage, text):")
        lines += [f"  {score:.3f} {where} | {text[:120]}" for score, where, text in why.candidates]
        lines.append(f"decided by: {why.verdict}")
        return lines

    def clean(self, question: str) -> str:
        text = _CONTROL.sub(" ", question or "").strip()
        if not text:
            raise QuestionError("Please type a question.")
        if len(text) > self.max_question_chars:
            raise QuestionError(
                f"The question is {len(text):,} characters long; the limit is "
                f"{self.max_question_chars:,}. Please shorten it."
            )
        return text

    # --- stages ----------------------------------------------------------------------
    def _condense(self, s: _State) -> _State:
        """Offline, a follow-up carries the earlier question's subject words; an LLM answerer
        rewrites it as a standalone question (falling back to the offline form)."""
        with _timed(s, "condense_ms"):
            offline = questions.condense(s.question, s.history)
            s.query = offline
            if offline != s.question and self.answerer is not self.fallback:
                rewritten = self.answerer.condense(s.question, s.history).strip()
                s.query = rewritten if rewritten and rewritten != s.question else offline
            s.plan = read_question(s.question, s.query, self.aliases)
            check_cost(s.plan)
            s.query = s.plan.query
        return s

    def _retrieve(self, s: _State) -> _State:
        assert s.plan is not None
        with _timed(s, "embed_ms"):
            s.plan = s.plan.with_vectors(self.retriever.embedder)
        s.retrieved = self.retriever.retrieve(s.plan, s.k, s.doc_ids, timings=s.timings)
        return s

    def answers_offline(self, question: str) -> bool:
        """Whether the offline composer answers the question from its passages with at least
        one checked citation, as `ask` would show it (no model call): used to vet example
        questions."""
        state = self._retrieved(question)
        assert state.plan is not None and state.retrieved is not None
        draft = self.fallback.draft(state.plan, state.retrieved)
        chunks = [h.chunk for h in state.retrieved.hits]
        return not draft.refused and bool(verify(draft.text, chunks).citations)

    def _retrieved(
        self, question: str, history: Sequence[Turn] = (), k: int | None = None
    ) -> _State:
        """A question read into its plan and its passages retrieved, without answering."""
        return self._retrieve(
            self._condense(_State(self.clean(question), tuple(history), k, None, None))
        )

    def _answer(self, s: _State) -> _State:
        with _timed(s, "answer_ms"):
            try:
                assert s.plan is not None and s.retrieved is not None
                s.draft = self.answerer.draft(s.plan, s.retrieved, s.history, s.on_token)
            except AnswererError as exc:
                s.draft = self._offline(s, f"{exc} Showing the answer built from the documents.")
        return s

    def _verify(self, s: _State) -> Answer:
        with _timed(s, "verify_ms"):
            assert s.draft is not None and s.retrieved is not None
            hits = s.retrieved.hits
            asked = f"{s.question}\n{s.query}"  # the question's frame, a follow-up's included
            checked = verify(s.draft.text, [h.chunk for h in hits], asked)
            # the draft's sentences not shown, even when it is replaced (a refusal claims nothing)
            removed = () if s.draft.refused else checked.removed
            draft = s.draft
            if not draft.refused and not checked.citations and draft.answerer != "offline":
                draft = self._offline(
                    s,
                    "The model's answer cited no passage that supports it; showing the "
                    "answer built from the documents instead.",
                )
                checked = verify(draft.text, [h.chunk for h in hits], asked)
                removed += () if draft.refused else checked.removed
        refused = draft.refused or not checked.citations
        return Answer(
            question=s.question,
            query=s.query,
            text=REFUSAL_TEXT if refused else checked.text,
            citations=() if refused else checked.citations,
            hits=tuple(hits),
            refused=refused,
            timings={**s.timings, "total_ms": sum(s.timings.values())},
            answerer=draft.answerer,
            notice=draft.notice
            or (
                "Some citations did not check out and were removed."
                if checked.flagged or draft.flagged
                else ""
            ),
            removed=removed,
            refusal_reason=(draft.refusal_reason or "no_verified_citation") if refused else "",
        )

    def _offline(self, s: _State, notice: str) -> Draft:
        assert s.plan is not None and s.retrieved is not None
        d = self.fallback.draft(s.plan, s.retrieved, s.history)
        return Draft(
            d.text, d.refused, notice=notice, answerer="offline", refusal_reason=d.refusal_reason
        )


def check_cost(plan: QueryPlan) -> None:
    """QuestionError (one line) when a question asks for more work than any real one: more
    than MAX_PARTS parts, or more than MAX_TERMS distinct search terms."""
    if len(plan.parts) > MAX_PARTS:
        raise QuestionError(
            f"The question asks {len(plan.parts)} things at once; the limit is {MAX_PARTS}. "
            "Please ask them a few at a time."
        )
    terms = {w.lower() for w in questions.content_words(plan.question)}
    if len(terms) > MAX_TERMS:
        raise QuestionError(
            f"The question has {len(terms)} different search terms; the limit is {MAX_TERMS}. "
            "Please shorten it to what you want to know."
        )


class _timed:
    def __init__(self, state: _State, name: str) -> None:
        self.state, self.name = state, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        took = (time.perf_counter() - self.start) * 1000
        self.state.timings[self.name] = self.state.timings.get(self.name, 0.0) + took
