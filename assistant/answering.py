"""Answerers behind one interface. The offline composer (default) answers with sentences of
the retrieved passages; the LLM answerer lives in assistant/llm.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant import questions
from assistant.retrieval import HybridRetriever, lexical_tokens
from assistant.support import (
    PassageTerms,
    answerable_sentence,
    quantities,
    states_rate,
    unmentioned,
    unspecific,
)
from assistant.types import Hit, Sentence, Turn
from assistant.units import is_answer_unit

OnToken = Callable[[str], None]
REFUSAL_TEXT = "I could not find this in the documents."
_DIGIT = re.compile(r"\d")


class AnswererError(RuntimeError):
    """The answerer's backend failed (one line for the user); the chain falls back to the
    offline composer."""


@dataclass(frozen=True)
class Draft:
    """An answer before verification: [n] markers refer to hits[n-1]."""

    text: str
    refused: bool
    notice: str = ""
    answerer: str = "offline"
    flagged: bool = False
    refusal_reason: str = ""  # the named check that refused; "" when answered


class Answerer(Protocol):
    name: str

    def draft(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        history: Sequence[Turn],
        on_token: OnToken | None = None,
    ) -> Draft: ...

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...


@dataclass(frozen=True)
class ComposerConfig:
    refusal_threshold: float = 0.22
    max_sentences: int = 3
    max_list_sentences: int = 6
    dense_weight: float = 0.55
    keep_ratio: float = 0.85  # a further sentence must score this share of the best one
    duplicate_cosine: float = 0.9


@dataclass(frozen=True)
class _Candidate:
    hit_index: int  # 0-based position in hits
    doc_id: str
    sentence: Sentence
    vector: np.ndarray
    terms: frozenset[str]


class OfflineComposer:
    """Extractive answers: the best-supported sentences of the passages, each cited."""

    name = "offline"

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return questions.condense(question, history)

    def __init__(self, retriever: HybridRetriever, config: ComposerConfig) -> None:
        self.retriever = retriever
        self.config = config

    def draft(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        history: Sequence[Turn] = (),
        on_token: OnToken | None = None,
    ) -> Draft:
        candidates = self._candidates(hits)
        chosen, best = self._select(
            question, query, questions.sub_queries(question, query), candidates
        )
        reason = self._refuse(question, query, hits, chosen, best)
        if reason:
            return Draft(REFUSAL_TEXT, refused=True, refusal_reason=reason)
        text = " ".join(f"{c.sentence.text} [{c.hit_index + 1}]" for c in chosen)
        if on_token:
            on_token(text)
        return Draft(text, refused=False)

    def _candidates(self, hits: Sequence[Hit]) -> list[_Candidate]:
        vectors = self.retriever.store.sentence_vectors(h.chunk.id for h in hits)
        stemmer = self.retriever.lexical().stemmer
        seen: set[tuple[str, int]] = set()
        out: list[_Candidate] = []
        for i, hit in enumerate(hits):
            sents = hit.chunk.sentences
            vecs = vectors.get(hit.chunk.id)
            if vecs is None or len(vecs) != len(sents):
                continue
            terms = lexical_tokens([s.text for s in sents], stemmer)
            for sent, vec, toks in zip(sents, vecs, terms, strict=True):
                usable = answerable_sentence(sent.text) and is_answer_unit(sent)
                if (hit.chunk.doc_id, sent.start) not in seen and usable:
                    seen.add((hit.chunk.doc_id, sent.start))
                    out.append(_Candidate(i, hit.chunk.doc_id, sent, vec, frozenset(toks)))
        return out

    def _scorer(self, text: str, vector: np.ndarray) -> Callable[[_Candidate], float]:
        lexical = self.retriever.lexical()
        terms = set(lexical_tokens([text], lexical.stemmer)[0])
        weights = {t: lexical.idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        w = self.config.dense_weight
        number = questions.wants_number(text)

        def score(c: _Candidate) -> float:
            lex = sum(v for t, v in weights.items() if t in c.terms) / total
            bonus = 0.05 if number and _DIGIT.search(c.sentence.text) else 0.0
            return w * float(c.vector @ vector) + (1 - w) * lex + bonus - 0.005 * c.hit_index

        return score

    def _select(
        self, question: str, query: str, parts: list[str], cands: list[_Candidate]
    ) -> tuple[list[_Candidate], float]:
        if not cands:
            return [], 0.0
        embed = self.retriever.embedder.encode_query
        whole = self._scorer(query, embed(query))
        chosen: list[_Candidate] = []
        for part in parts:
            mine = self._scorer(part, embed(part))
            pick = max(cands, key=lambda c: whole(c) + mine(c))
            if pick not in chosen:  # one sentence may answer two parts
                chosen.append(pick)
        ranked = sorted(cands, key=whole, reverse=True)
        best = whole(ranked[0])
        limit = self._limit(query, len(parts))
        chosen = chosen or [ranked[0]]
        follow = _continuation(chosen[0], cands)
        if follow is not None and follow not in chosen and len(chosen) < limit:
            chosen.insert(1, follow)
        asked = self._terms(question)
        for c in ranked:
            if len(chosen) >= limit or whole(c) < best * self.config.keep_ratio:
                break
            novel = all(float(c.vector @ o.vector) < self.config.duplicate_cosine for o in chosen)
            if novel and c.terms & asked:  # an extra sentence must touch the question itself
                chosen.append(c)
        return chosen, max(best, *(whole(c) for c in chosen))

    def _terms(self, text: str) -> frozenset[str]:
        return frozenset(lexical_tokens([text], self.retriever.lexical().stemmer)[0])

    def _limit(self, query: str, parts: int) -> int:
        if questions.wants_list(query):
            return max(self.config.max_list_sentences, parts)
        return max(self.config.max_sentences, parts)

    def _refuse(
        self,
        question: str,
        query: str,
        hits: Sequence[Hit],
        chosen: list[_Candidate],
        best: float,
    ) -> str:
        """Refuse when the best sentence scores low; when the question names something the
        passages never mention (or, for how-many and who questions, the answering sentence
        does not); when a rate question's answer gives no rate; when a which/who question is
        answered only with "some ..."; or when a how-many question gets no new quantity.
        Returns the name of the check that refused, or "" to answer."""
        if not chosen:
            return "no_passage"
        passages = PassageTerms.of(h.chunk.text for h in hits)
        if unmentioned(questions.names(query), query, passages):
            return "name_not_in_passages"
        multi = len(questions.split_parts(question)) > 1
        answering = PassageTerms.of(c.sentence.text for c in (chosen if multi else chosen[:1]))
        pointed = questions.wants_number(question) or questions.wants_person(question)
        if pointed and unmentioned(questions.names(question), "", answering):
            return "name_not_in_answer"  # "How many Ecuadorians ...?" answered by everyone's count
        if questions.wants_rate(question) and not states_rate(answering.text):
            return "no_rate"  # "What is the interest rate ...?" answered by the loan's amount
        if best < self.config.refusal_threshold:
            return "low_support"
        if unspecific(question, chosen[0].sentence.text):
            return "unspecific"
        if questions.wants_number(question):
            asked = set(quantities(question))
            if not any(set(quantities(c.sentence.text)) - asked for c in chosen[:1]):
                return "no_number"
        return ""


_ANAPHOR = re.compile(r"^(?:(?:The|This|These|Those|Such)\s+([a-z]+)|It|Its|They|Their)\b")


def _continuation(first: _Candidate, cands: list[_Candidate]) -> _Candidate | None:
    """The sentence right after `first` when it goes on about the same thing ("The
    initiative aims to ..." after a sentence naming the initiative)."""
    after = [c for c in cands if c.doc_id == first.doc_id and c.sentence.start > first.sentence.end]
    nxt = min(after, key=lambda c: c.sentence.start, default=None)
    if nxt is None or nxt.sentence.start - first.sentence.end > 3:
        return None
    m = _ANAPHOR.match(nxt.sentence.text)
    if m is None or (m.group(1) and m.group(1) not in first.sentence.text.lower()):
        return None
    return nxt
