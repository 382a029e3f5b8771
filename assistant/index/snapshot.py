"""One version of the index as retrieval and answering read it: BM25 over every chunk in its
context, the term statistics answerers weigh words with, every unit's terms and every sentence's
vector, built once per index version (never per query); and `Retrieved`, what retrieval hands
forward: the hits with the snapshot they came from, so answering reads the same version even when
a write commits meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
import Stemmer

from assistant.index.view import IndexView
from assistant.types import Chunk, Hit
from assistant.units import TABLE_ROW, row_cells, row_subject


def make_stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def lexical_tokens(texts: Sequence[str], stemmer: Stemmer.Stemmer) -> list[list[str]]:
    """The terms BM25 sees: lower-cased, English stop words removed, Snowball-stemmed."""
    tokenized = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokenized]


@dataclass
class LexicalIndex:
    """BM25 over every chunk with its context (document title and section, so a question's
    words for the document a fact sits in count), the term statistics answerers weigh words
    with, and every sentence's vector: one object built once per index version (never per
    query), so retrieval and answering read the same snapshot."""

    version: int
    chunks: list[Chunk]
    bm25: bm25s.BM25 | None
    stemmer: Stemmer.Stemmer
    doc_freq: dict[str, int] = field(default_factory=dict)
    sentence_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    sentence_rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # chunk -> rows
    sentence_chunk: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unit_terms: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # per sentence
    unit_context_terms: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # lead-in
    context_terms: dict[str, frozenset[str]] = field(default_factory=dict)  # title + section
    column_terms: dict[str, frozenset[str]] = field(default_factory=dict)  # table columns
    subject_terms: dict[str, frozenset[str]] = field(default_factory=dict)  # table row subjects

    @classmethod
    def build(cls, view: IndexView, stemmer: Stemmer.Stemmer) -> LexicalIndex:
        version = view.version
        chunks = list(view.iter_chunks())
        if not chunks:
            return cls(version, [], None, stemmer)
        tokens = lexical_tokens([c.in_context for c in chunks], stemmer)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        doc_freq: dict[str, int] = {}
        for terms in tokens:
            for term in set(terms):
                doc_freq[term] = doc_freq.get(term, 0) + 1
        index = cls(version, chunks, bm25, stemmer, doc_freq)
        index._load_sentences(view)
        index._tokenize_units()
        return index

    def _tokenize_units(self) -> None:
        """Every sentence's terms, its context's (lead-in, caption, question), each chunk's
        title and section and every table column's name and row's subject, in one pass per index version, so
        answering a question tokenises only the question."""
        texts = [s.text for c in self.chunks for s in c.sentences]
        texts += [s.context for c in self.chunks for s in c.sentences]
        texts += [f"{c.title} {c.section}" for c in self.chunks]
        columns = _table_columns(self.chunks)
        subjects = _row_subjects(self.chunks)
        texts += columns + subjects
        tokens = iter(lexical_tokens(texts, self.stemmer)) if texts else iter(())
        for c in self.chunks:
            self.unit_terms[c.id] = [frozenset(next(tokens)) for _ in c.sentences]
        for c in self.chunks:
            self.unit_context_terms[c.id] = [frozenset(next(tokens)) for _ in c.sentences]
        for c in self.chunks:
            self.context_terms[c.id] = frozenset(next(tokens))
        self.column_terms = {col: frozenset(next(tokens)) for col in columns}
        self.subject_terms = {subject: frozenset(next(tokens)) for subject in subjects}

    def _load_sentences(self, view: IndexView) -> None:
        vectors = view.sentence_vectors(c.id for c in self.chunks)
        blocks, owners, at = [], [], 0
        for i, chunk in enumerate(self.chunks):
            vecs = vectors.get(chunk.id)
            if vecs is None or len(vecs) != len(chunk.sentences) or not len(vecs):
                continue
            blocks.append(vecs)
            owners += [i] * len(vecs)
            self.sentence_rows[chunk.id] = (at, at + len(vecs))
            at += len(vecs)
        if blocks:
            self.sentence_matrix = np.vstack(blocks).astype(np.float32)
            self.sentence_chunk = np.asarray(owners, dtype=np.int64)

    def sentence_vectors(self, chunk_id: str) -> np.ndarray | None:
        """The vectors of a chunk's sentences, in order (None when the store had none)."""
        rows = self.sentence_rows.get(chunk_id)
        return None if rows is None else self.sentence_matrix[rows[0] : rows[1]]

    def idf(self, term: str) -> float:
        n = max(len(self.chunks), 1)
        df = self.doc_freq.get(term, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def terms(self, text: str) -> list[str]:
        return lexical_tokens([text], self.stemmer)[0]

    def search(
        self, query: str, n: int, doc_ids: Sequence[str] | None
    ) -> list[tuple[Chunk, float]]:
        if self.bm25 is None:
            return []
        terms = [t for t in self.terms(query) if t in self.doc_freq]
        if not terms:
            return []
        scores = self.bm25.get_scores(terms)
        order = np.argsort(-scores)
        allowed = set(doc_ids) if doc_ids else None
        results: list[tuple[Chunk, float]] = []
        for i in order:
            if scores[i] <= 0 or len(results) >= n:
                break
            chunk = self.chunks[int(i)]
            if allowed is None or chunk.doc_id in allowed:
                results.append((chunk, float(scores[i])))
        return results

    def search_sentences(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None
    ) -> list[tuple[Chunk, float]]:
        """Chunks ranked by their best sentence's cosine with the query: a fact stated in one
        sentence of a long chunk is found even when the chunk as a whole is about more."""
        if not len(self.sentence_matrix):
            return []
        sims = self.sentence_matrix @ vector
        best: dict[int, float] = {}
        for row in np.argsort(-sims):
            owner = int(self.sentence_chunk[row])
            if owner in best:
                continue
            chunk = self.chunks[owner]
            if doc_ids and chunk.doc_id not in doc_ids:
                continue
            best[owner] = float(sims[row])
            if len(best) >= n:
                break
        return [(self.chunks[i], s) for i, s in best.items()]


def _table_columns(chunks: Sequence[Chunk]) -> list[str]:
    """The column names of every table row of the chunks, once each."""
    rows = (s.text for c in chunks for s in c.sentences if s.kind == TABLE_ROW)
    return sorted({column for text in rows for column, _ in row_cells(text) if column})


def _row_subjects(chunks: Sequence[Chunk]) -> list[str]:
    """The subject of every table row of the chunks (`row_subject`), once each."""
    rows = (s.text for c in chunks for s in c.sentences if s.kind == TABLE_ROW)
    return sorted({subject for text in rows if (subject := row_subject(text))})


@dataclass(frozen=True)
class Retrieved:
    """What retrieval found and the snapshot of the index it read."""

    hits: list[Hit]
    snapshot: LexicalIndex
