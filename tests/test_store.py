"""The Chroma store, embedded and against a real Chroma server: records, versions, rebuilds
seen by a second store (another replica), readers isolated from an open transaction, token
auth, an unreachable server and a restart."""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    BACKENDS,
    CORPUS,
    REPO,
    ChromaServer,
    free_port,
    settings_for,
    unique_collection,
)

from assistant.index.clients import StoreConfig, StoreError, open_client
from assistant.index.embedding import Embedder
from assistant.index.store import ChromaStore
from assistant.index.view import IndexView, Transaction
from assistant.service import build_assistant
from assistant.types import Chunk, DocRecord, Sentence

CBP = "How many people used the CBP One app?"


def chunk(doc_id: str, ordinal: int, text: str) -> Chunk:
    return Chunk(
        id=f"{doc_id}#{ordinal}",
        doc_id=doc_id,
        ordinal=ordinal,
        text=text,
        start=ordinal * 100,
        end=ordinal * 100 + len(text),
        title=doc_id.title(),
        date="2025-01-02",
        section="Intro",
        sentences=(Sentence(ordinal * 100, ordinal * 100 + len(text), text),),
    )


def unit(i: int, dim: int = 8) -> np.ndarray:
    """A stand-in embedding: the store's logic needs no model."""
    v = np.zeros(dim, dtype=np.float32)
    v[i % dim] = 1.0
    return v


def write(txn: Transaction, doc_id: str, texts: list[str], first: int = 0) -> None:
    chunks = [chunk(doc_id, i, t) for i, t in enumerate(texts)]
    txn.mark_pending([(doc_id, doc_id.title(), "2025-01-02")])
    txn.add_chunks(chunks, np.vstack([unit(first + i) for i in range(len(chunks))]))
    rows = [(c, 0) for c in chunks]
    txn.add_sentences(rows, np.vstack([unit(first + i) for i in range(len(rows))]))
    txn.finish_documents([DocRecord(doc_id, doc_id.title(), "2025-01-02", "abc", len(chunks), "")])


def put(store: ChromaStore, doc_id: str, texts: list[str], first: int = 0) -> None:
    """One document, in a transaction of its own."""
    with store.transaction() as txn:
        write(txn, doc_id, texts, first)


def ids(view: IndexView) -> list[str]:
    return sorted(c.id for c in view.iter_chunks())


@pytest.fixture(params=BACKENDS)
def config(request: pytest.FixtureRequest, tmp_path: Path) -> StoreConfig:
    if request.param == "server":
        server: ChromaServer = request.getfixturevalue("chroma_server")
        return StoreConfig(unique_collection(), host=server.host, port=server.port)
    return StoreConfig(unique_collection(), index_dir=tmp_path / "index")


def test_records_chunks_and_sentences_round_trip(config: StoreConfig) -> None:
    store = ChromaStore.open(config)
    assert store.version() == 0 and store.chunk_count() == 0 and store.query(unit(0), 3) == []
    put(store, "alpha.md", ["Alpha one.", "Alpha two."])
    put(store, "beta.md", ["Beta one."], first=2)
    assert store.version() == 2
    assert sorted(store.documents()) == ["alpha.md", "beta.md"]
    assert store.documents()["alpha.md"].chunks == 2
    [(best, similarity)] = store.query(unit(1), 1)
    assert best == chunk("alpha.md", 1, "Alpha two.") and similarity == pytest.approx(1.0)
    assert [c.doc_id for c, _ in store.query(unit(1), 5, doc_ids=["beta.md"])] == ["beta.md"]
    nearest = store.query_many([unit(2), unit(0)], 1)  # one Chroma call, one ranking each
    assert [[c.id for c, _ in ranked] for ranked in nearest] == [["beta.md#0"], ["alpha.md#0"]]
    vectors = store.sentence_vectors(["alpha.md#0", "beta.md#0"])
    assert {k: v.shape for k, v in vectors.items()} == {"alpha.md#0": (1, 8), "beta.md#0": (1, 8)}
    with store.transaction() as txn:
        txn.delete_document("alpha.md")
    assert sorted(store.documents()) == ["beta.md"] and store.version() == 3
    assert [c.id for c in store.iter_chunks()] == ["beta.md#0"]
    assert store.sentence_vectors(["alpha.md#1"]) == {}


def test_another_store_on_the_same_index_sees_changes_and_rebuilds(config: StoreConfig) -> None:
    """Two stores on one index are two replicas: the reader sees every write and the version
    only grows, even across a rebuild (dropped and re-created collections) by the writer."""
    writer, reader = ChromaStore.open(config), ChromaStore.open(config)
    put(writer, "alpha.md", ["Alpha one."])
    seen = reader.version()
    assert seen == 1 and [c.id for c in reader.iter_chunks()] == ["alpha.md#0"]
    with writer.transaction(rebuild=True) as txn:
        write(txn, "gamma.md", ["Gamma one."], first=3)
    assert reader.version() > seen  # a reader that cached version 1 rebuilds its BM25 index
    assert [c.id for c in reader.iter_chunks()] == ["gamma.md#0"]
    assert [c.id for c, _ in reader.query(unit(3), 1)] == ["gamma.md#0"]
    assert sorted(reader.documents()) == ["gamma.md"]


def test_a_reader_sees_one_whole_version_while_a_writer_works(config: StoreConfig) -> None:
    """A reader in another store (another process, for the index) answers from the committed
    version during a transaction, and a view it holds stays on its version after the commit;
    the next view is the new version, whole."""
    writer, reader = ChromaStore.open(config), ChromaStore.open(config)
    put(writer, "alpha.md", ["Alpha one.", "Alpha two."])
    put(writer, "beta.md", ["Beta one."], first=2)
    with reader.view() as before:
        with writer.transaction() as txn:  # alpha changes, beta goes, gamma arrives
            txn.delete_document("alpha.md")
            write(txn, "alpha.md", ["Alpha one, revised."], first=4)
            txn.delete_document("beta.md")
            write(txn, "gamma.md", ["Gamma one."], first=5)
            with reader.view() as during:
                for view in (before, during):
                    assert view.version == 2
                    assert ids(view) == ["alpha.md#0", "alpha.md#1", "beta.md#0"]
                    assert sorted(view.documents()) == ["alpha.md", "beta.md"]
                    assert [c.id for c, _ in view.query_many([unit(2)], 1)[0]] == ["beta.md#0"]
                    assert view.chunk_count() == 3
        assert before.version == 2 and ids(before) == ["alpha.md#0", "alpha.md#1", "beta.md#0"]
        assert set(before.sentence_vectors(["beta.md#0"])) == {"beta.md#0"}
    with reader.view() as after:
        assert after.version == 3 and ids(after) == ["alpha.md#0", "gamma.md#0"]
        assert [c.text for c in after.iter_chunks() if c.doc_id == "alpha.md"] == [
            "Alpha one, revised."
        ]
        assert sorted(after.documents()) == ["alpha.md", "gamma.md"]
        assert [c.id for c, _ in after.query_many([unit(5)], 1)[0]] == ["gamma.md#0"]


def test_a_failed_transaction_leaves_the_committed_version(config: StoreConfig) -> None:
    """A writer that fails half-way (or is killed) changes nothing readers see, and the next
    writer starts from the committed version, not from the leftovers."""
    store = ChromaStore.open(config)
    put(store, "alpha.md", ["Alpha one."])
    with pytest.raises(RuntimeError, match="disk full"), store.transaction() as txn:
        txn.delete_document("alpha.md")
        write(txn, "beta.md", ["Beta one."], first=1)
        raise RuntimeError("disk full")
    assert store.version() == 1 and sorted(store.documents()) == ["alpha.md"]
    put(store, "gamma.md", ["Gamma one."], first=2)
    with store.view() as view:
        assert view.version == 2 and ids(view) == ["alpha.md#0", "gamma.md#0"]
        assert sorted(view.documents()) == ["alpha.md", "gamma.md"]


def test_embedded_versions_are_folders_collected_once_no_reader_holds_them(
    tmp_path: Path,
) -> None:
    config = StoreConfig(unique_collection(), index_dir=tmp_path / "index")
    writer, reader = ChromaStore.open(config), ChromaStore.open(config)
    put(writer, "alpha.md", ["Alpha one."])
    folders = lambda: sorted(p.name for p in (tmp_path / "index").glob("v*"))  # noqa: E731
    with reader.view() as held:
        put(writer, "beta.md", ["Beta one."], first=1)
        put(writer, "gamma.md", ["Gamma one."], first=2)
        assert folders() == ["v1", "v3"]  # v2 had no reader; v1 is held
        assert ids(held) == ["alpha.md#0"]
    assert (tmp_path / "index" / "CURRENT").read_text() == "3\n"
    assert reader.version() == 3 and reader.chunk_count() == 3  # the reader moved to v3
    put(writer, "delta.md", ["Delta one."], first=3)
    assert folders() == ["v3", "v4"]  # v1 went; the reader is on v3 until its next read
    assert reader.chunk_count() == 4
    with writer.transaction() as txn:
        txn.delete_document("delta.md")
    assert folders() == ["v4", "v5"]


@pytest.mark.server
def test_server_removed_records_are_collected_after_the_grace_period(
    chroma_server: ChromaServer,
) -> None:
    config = StoreConfig(
        unique_collection(), host=chroma_server.host, port=chroma_server.port, grace_s=1.0
    )
    store = ChromaStore.open(config)
    put(store, "alpha.md", ["Alpha one.", "Alpha two."])
    with store.transaction() as txn:
        txn.delete_document("alpha.md")
    client = open_client(config)
    raw = client.get_collection(f"{config.collection}_g1_chunks")
    assert raw.count() == 2  # removed at version 2, kept for readers still on version 1
    time.sleep(1.2)
    put(store, "beta.md", ["Beta one."], first=2)
    assert raw.count() == 1 and [c.id for c in store.iter_chunks()] == ["beta.md#0"]
    with store.transaction(rebuild=True) as txn:
        write(txn, "gamma.md", ["Gamma one."], first=3)
    time.sleep(1.2)
    put(store, "delta.md", ["Delta one."], first=4)
    names = {c.name for c in client.list_collections() if c.name.startswith(config.collection)}
    assert names == {
        f"{config.collection}_{n}" for n in ("pointer", "g4_chunks", "g4_sentences", "g4_docs")
    }
    assert sorted(c.id for c in store.iter_chunks()) == ["delta.md#0", "gamma.md#0"]


# --- a Chroma server --------------------------------------------------------------------


class _TokenProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int]
    token: str

    def _forward(self) -> None:
        sent = self.headers.get("X-Chroma-Token") or self.headers.get("Authorization", "")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if sent.removeprefix("Bearer ") != self.token:
            self._reply(401, b"401 Unauthorized: missing or wrong token", "text/plain")
            return
        hop = {"host", "connection", "keep-alive", "transfer-encoding", "content-length"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            conn.request(self.command, self.path, body or None, headers)
            resp = conn.getresponse()
            self._reply(resp.status, resp.read(), resp.getheader("Content-Type", ""))
        finally:
            conn.close()

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def token_proxy(server: ChromaServer, token: str) -> Iterator[int]:
    """What a deployment puts in front of Chroma 1.x, whose server has no token auth of its
    own (nginx, Envoy, Caddy): requests with the token pass, anything else gets a 401."""
    handler = type(
        "Handler", (_TokenProxyHandler,), {"upstream": (server.host, server.port), "token": token}
    )
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(proxy.server_address[1])
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.server
def test_the_token_is_sent_and_a_wrong_or_missing_one_is_one_clear_line(
    chroma_server: ChromaServer, tmp_path: Path, embedder: Embedder
) -> None:
    with token_proxy(chroma_server, "s3cret-token") as port:
        good = StoreConfig(unique_collection(), host="127.0.0.1", port=port, token="s3cret-token")
        put(ChromaStore.open(good), "alpha.md", ["Alpha one."])
        for token in ("wrong", None):
            with pytest.raises(StoreError) as refused:
                ChromaStore.open(replace(good, token=token))
            message = str(refused.value)
            assert f"the Chroma server at 127.0.0.1:{port} refused" in message
            assert "401" in message and "ASSISTANT_CHROMA_TOKEN" in message
            assert "\n" not in message

        # the whole assistant, through the proxy, from settings (ASSISTANT_CHROMA_TOKEN)
        shutil.copytree(CORPUS, tmp_path / "corpus")
        settings = settings_for(
            tmp_path,
            chroma_server,
            unique_collection(),
            chroma_port=port,
            chroma_token="s3cret-token",
        )
        assistant = build_assistant(settings, embedder=embedder)
        assert assistant.sync().added
        assert "547,000" in assistant.ask(CBP).text


@pytest.mark.server
def test_an_unreachable_server_is_retried_then_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreError) as unreachable:
        ChromaStore.open(StoreConfig("c1x", host="127.0.0.1", port=port))
    took = time.monotonic() - started
    message = str(unreachable.value)
    assert message.startswith(f"the Chroma server at 127.0.0.1:{port} is not reachable (")
    assert message.endswith("check it is running") and "\n" not in message
    assert 4.0 < took < 10.0  # retried with backoff for about 5 s, then gave up


@pytest.mark.server
def test_the_cli_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_CHROMA_HOST="127.0.0.1", ASSISTANT_CHROMA_PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", CBP],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and not done.stdout
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: the Chroma server at 127.0.0.1:") and "not reachable" in line


@pytest.mark.server
def test_a_server_restart_fails_clearly_then_recovers_with_nothing_lost(
    tmp_path: Path, embedder: Embedder
) -> None:
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    try:
        shutil.copytree(CORPUS, tmp_path / "corpus")
        assistant = build_assistant(
            settings_for(tmp_path, server, unique_collection()), embedder=embedder
        )
        assistant.sync()
        chunks, documents = assistant.store.chunk_count(), assistant.documents()
        assert "547,000" in assistant.ask(CBP).text

        server.stop()
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"is not reachable .*check it is running$"):
            assistant.ask(CBP)
        failed_after = time.monotonic() - started
        with pytest.raises(StoreError, match="is not reachable"):
            list(assistant.stream(CBP))  # the streaming path raises it too, in the caller

        started = time.monotonic()
        server.start(wait=False)  # back within the retry window: the question just waits
        assert "547,000" in assistant.ask(CBP).text
        recovered_after = time.monotonic() - started
        assert assistant.store.chunk_count() == chunks and assistant.documents() == documents
        print(
            f"\nserver down: StoreError after {failed_after:.1f} s; "
            f"restarted: answered after {recovered_after:.1f} s"
        )
        assert 4.0 < failed_after < 12.0 and recovered_after < 5.0
    finally:
        server.stop()


@pytest.mark.server
def test_the_per_question_version_check_is_cheap(chroma_server: ChromaServer) -> None:
    store = ChromaStore.open(
        StoreConfig(unique_collection(), host=chroma_server.host, port=chroma_server.port)
    )
    put(store, "alpha.md", ["Alpha one."])
    times = []
    for _ in range(50):
        started = time.perf_counter()
        store.version()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(f"\nversion check against the server: median {median:.2f} ms")
    assert median < 50
