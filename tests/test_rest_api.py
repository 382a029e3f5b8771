"""The REST API (/api/v1) on the real app (`python app.py` on a free loopback port, a temporary
copy of the shipped corpus plus a document in a subfolder, so one id has a "/"): every route's
success and error cases, streamed answers, uploads and removals, the file route against
traversal, a busy index, the gate in front of it, the OpenAPI document and the docs page; and
the bound on an answer's size, without a server.

The login (bearer tokens, the throttle) is tested against a guarded app in test_security.py
and test_openai_api.py.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import httpx
import pytest
from conftest import ChromaServer
from conftest_web import RunningApp, cli_answer, running_app
from filelock import FileLock

from assistant.types import Answer, Chunk, Citation, Hit, RemovedSentence
from assistant.web.schemas import MAX_ANSWER_BYTES, AnswerOut, answer_json

server = pytest.mark.server
browser = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")

CBP = "How many people used CBP One?"
FOLLOW_UP = "And how many have been approved through Safe Mobility Offices?"
NESTED = "field-notes/harbor-notes.md"  # an id with a "/"
NESTED_TEXT = (
    "---\ntitle: Harbor field notes\ndate: 2025-03-02\n---\n\n# Harbor field notes\n\n"
    "The Harbor Lantern Festival drew 12,400 visitors on its first evening. "
    "Entry was free for children under twelve.\n"
)
SIDECAR = "field-notes/harbor-notes.md.meta.yaml"
MAX_FILE_MB = 0.2  # uploads above 200 KB are refused
MAX_UPLOAD = int(MAX_FILE_MB * 2_000_000) * 10 + 1_000_000  # one upload request, in bytes
BODY_S = 5  # a request body must arrive within this
ANSWER_FIELDS = set(AnswerOut.model_fields) - {"truncated"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    root = tmp_path_factory.mktemp("rest-api")
    root.joinpath(".env").write_text("ASSISTANT_LLM_API_KEY=sk-dotenv-secret\n", encoding="utf-8")
    files = {NESTED: NESTED_TEXT, SIDECAR: "title: Harbor field notes (sidecar)\n"}
    env = {"ASSISTANT_MAX_FILE_MB": str(MAX_FILE_MB), "ASSISTANT_BODY_TIMEOUT_S": str(BODY_S)}
    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # a process id that has ended
    gone.wait()
    left = root / "data" / "uploads" / f"{gone.pid}-killed-mid-upload"
    left.mkdir(parents=True)
    (left / "half.pdf").write_bytes(b"%PDF-1.4 half")
    with running_app(root, env=env, files=files) as running:
        yield running


def url(app: RunningApp, path: str) -> str:
    return app.url.rstrip("/") + path


def doc_path(doc_id: str, suffix: str = "") -> str:
    return f"/api/v1/documents/{quote(doc_id, safe='')}{suffix}"


def shipped_id(app: RunningApp) -> str:
    return next(p.name for p in (app.root / "corpus").glob("*.txt"))


def is_error(reply: httpx.Response, status: int, contains: str = "") -> str:
    """The reply is `status` with {"error": "one line"} and nothing else; returns the line."""
    assert reply.status_code == status, (reply.status_code, reply.text[:300])
    body = reply.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    line = body["error"]
    assert line and "\n" not in line and "Traceback" not in line, line
    assert contains in line, (contains, line)
    return line


def events(reply: httpx.Response) -> list[tuple[str, Any]]:
    """Server-sent events as (event, parsed data)."""
    found, event = [], ""
    for line in reply.iter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            found.append((event, json.loads(line.removeprefix("data:"))))
    return found


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "timings"}


# --- answers -------------------------------------------------------------------------------------


@server
def test_ask_returns_the_answer_the_cli_prints(api: RunningApp) -> None:
    reply = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}, timeout=60)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    answer = reply.json()
    assert set(answer) == ANSWER_FIELDS  # the OpenAPI model describes what is sent
    assert not answer["refused"] and "547,000" in answer["text"] and answer["citations"]
    cli = cli_answer(api, CBP)
    assert set(cli) == ANSWER_FIELDS
    assert without_timings(answer) == without_timings(cli)


@server
def test_ask_takes_history_k_and_document_ids(api: RunningApp) -> None:
    first = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}, timeout=60).json()
    history = [
        {"role": "user", "content": CBP},
        {"role": "assistant", "content": first["text"]},
    ]
    body = {"question": FOLLOW_UP, "history": history}
    follow = httpx.post(url(api, "/api/v1/ask"), json=body, timeout=60).json()
    assert "21,000" in follow["text"] and follow["query"] != FOLLOW_UP
    two = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP, "k": 2}, timeout=60).json()
    assert len(two["hits"]) == 2
    lantern = "How many visitors did the Harbor Lantern Festival draw?"
    only = {"question": lantern, "doc_ids": [NESTED]}
    scoped = httpx.post(url(api, "/api/v1/ask"), json=only, timeout=60).json()
    assert scoped["hits"] and {h["doc_id"] for h in scoped["hits"]} == {NESTED}
    assert "12,400" in scoped["text"]
    elsewhere = {"question": lantern, "doc_ids": [shipped_id(api)]}
    other = httpx.post(url(api, "/api/v1/ask"), json=elsewhere, timeout=60).json()
    assert NESTED not in {h["doc_id"] for h in other["hits"]} and "12,400" not in other["text"]


@server
def test_a_streamed_answer_is_events_that_end_with_the_answer(api: RunningApp) -> None:
    body = {"question": CBP, "stream": True}
    with httpx.stream("POST", url(api, "/api/v1/ask"), json=body, timeout=60) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        got = events(reply)
    kinds = [kind for kind, _ in got]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 2, kinds
    answer = got[-1][1]
    assert set(answer) == ANSWER_FIELDS and "547,000" in answer["text"]
    preview = "".join(data["text"] for kind, data in got if kind == "delta")
    assert preview.strip() == answer["text"].strip()  # the offline answer passes verification
    plain = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}, timeout=60).json()
    assert without_timings(answer) == without_timings(plain)
    # a question that cannot be asked fails before the stream starts, with its status
    empty = httpx.post(url(api, "/api/v1/ask"), json={"question": " ", "stream": True})
    is_error(empty, 400, "Please type a question.")


DEEP = "[" * 100_000 + "]" * 100_000


@server
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"question": ', "not valid JSON"),
        ("", "no body"),
        ("[1, 2]", "body"),
        ('"How many people used CBP One?"', "body"),
        ('{"question": 5}', "question: Input should be a valid string"),
        ('{"question": ["a"]}', "question: Input should be a valid string"),
        ('{"question": null}', "question"),
        ("{}", "question: Field required"),
        ('{"question": ""}', "Please type a question."),
        ('{"question": "\\u0000\\u0007 "}', "Please type a question."),
        (json.dumps({"question": "why " * 600}), "the limit is 2,000"),
        ('{"question": "q", "history": ' + DEEP + "}", "not valid JSON"),
        ('{"question": "q", "history": "[]"}', "history: Input should be a valid list"),
        ('{"question": "q", "history": [{"role": "system", "content": "x"}]}', "history[0].role"),
        ('{"question": "q", "history": [{"role": "user", "content": 3}]}', "history[0].content"),
        (
            json.dumps({"question": "q", "history": [{"role": "user", "content": "x"}] * 51}),
            "history: List should have at most 50 items",
        ),
        (
            json.dumps({"question": "q", "history": [{"role": "user", "content": "x" * 20_001}]}),
            "the limit is 20,000",
        ),
        ('{"question": "q", "k": 0}', "k: Input should be greater than or equal to 1"),
        ('{"question": "q", "k": 51}', "k: Input should be less than or equal to 50"),
        ('{"question": "q", "k": "3"}', "k: Input should be a valid integer"),
        ('{"question": "q", "doc_ids": "a.txt"}', "doc_ids: Input should be a valid list"),
        ('{"question": "q", "stream": "yes"}', "stream: Input should be a valid boolean"),
        ('{"question": "q", "colour": "red"}', "colour: Extra inputs are not permitted"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_bad_input_is_400_with_one_line(api: RunningApp, body: str, message: str) -> None:
    headers = {"content-type": "application/json"}
    reply = httpx.post(url(api, "/api/v1/ask"), content=body, headers=headers, timeout=60)
    is_error(reply, 400, message)


@server
def test_errors_are_one_line_json_on_every_route(api: RunningApp) -> None:
    is_error(httpx.get(url(api, "/api/v1/nope")), 404, "No such route")
    is_error(httpx.put(url(api, "/api/v1/ask")), 405, "PUT is not accepted")
    is_error(httpx.get(url(api, doc_path("nope.txt"))), 404, "no document with id 'nope.txt'")
    is_error(httpx.get(url(api, doc_path("nope.txt", "/file"))), 404, "nope.txt")
    is_error(httpx.delete(url(api, doc_path("nope.txt"))), 404, "nope.txt")
    text = {"content-type": "text/plain"}
    is_error(httpx.post(url(api, "/api/v1/ask"), content=CBP, headers=text), 400, "body")
    huge = httpx.post(url(api, "/api/v1/ask"), json={"question": "x" * 2_000_000})
    is_error(huge, 413, "too large")
    assert httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}).status_code == 200


@server
def test_wrong_host_or_origin_is_refused_on_the_apis(api: RunningApp) -> None:
    ask = {"question": CBP}
    chat = {"messages": [{"role": "user", "content": CBP}]}
    for path, body in (("/api/v1/ask", ask), ("/v1/chat/completions", chat)):
        forged = httpx.post(url(api, path), json=body, headers={"Host": "evil.example"})
        cross = httpx.post(url(api, path), json=body, headers={"Origin": "http://evil.example"})
        if path.startswith("/api/"):
            is_error(forged, 400, "Invalid Host header")
            is_error(cross, 403, "Cross-origin requests are not accepted.")
        else:  # OpenAI's error shape
            assert forged.status_code == 400 and "Invalid Host" in forged.json()["error"]["message"]
            assert cross.status_code == 403 and cross.json()["error"]["type"] == "permission_error"
        assert "547,000" not in forged.text + cross.text
    for path in ("/api/v1/documents", doc_path(shipped_id(api), "/file")):
        image = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
        is_error(httpx.get(url(api, path), headers=image), 403, "Cross-site")


# --- documents -----------------------------------------------------------------------------------


@server
def test_documents_one_document_and_its_file(api: RunningApp) -> None:
    listed = httpx.get(url(api, "/api/v1/documents")).json()
    assert {d["id"] for d in listed} == {shipped_id(api), NESTED}
    for d in listed:
        assert set(d) == {"id", "title", "date", "chunks", "indexed_at"} and d["chunks"] > 0
    nested = next(d for d in listed if d["id"] == NESTED)
    assert nested["title"] == "Harbor field notes (sidecar)" and nested["date"] == "2025-03-02"
    for doc_id in (NESTED, shipped_id(api)):
        detail = httpx.get(url(api, doc_path(doc_id)))
        assert detail.status_code == 200
        view = detail.json()
        assert (
            view["id"] == doc_id and view["text"] and view["file_url"] == doc_path(doc_id, "/file")
        )
        assert {"pages", "sections", "filename", "media_type", "chunks", "indexed_at"} <= set(view)
        original = httpx.get(url(api, view["file_url"]))
        assert original.status_code == 200
        assert original.content == (api.root / "corpus" / doc_id).read_bytes()
        assert original.headers["content-disposition"].startswith("attachment;")
        assert original.headers["x-content-type-options"] == "nosniff"
    # citation spans index into the text the document route returns
    answer = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}).json()
    text = httpx.get(url(api, doc_path(shipped_id(api)))).json()["text"]
    for c in answer["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]
    # an id with a slash works unencoded too
    assert httpx.get(url(api, f"/api/v1/documents/{NESTED}/file")).status_code == 200


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """One GET with the request target sent exactly as given (no client-side normalising)."""
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode("latin-1"))
        data = b""
        while piece := s.recv(65536):
            data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@server
def test_the_file_route_serves_indexed_documents_only(api: RunningApp) -> None:
    root = api.root.resolve()
    (root / "corpus" / "stray.bin").write_bytes(b"STRAY-FILE-NOT-INDEXED")
    secrets = {
        b"root:x:0:0": "/etc/passwd",
        b"sk-dotenv-secret": str(root / ".env"),
        b"SQLite format 3": str(root / "index" / "chroma.sqlite3"),
        b"STRAY-FILE-NOT-INDEXED": str(root / "corpus" / "stray.bin"),
        b"sidecar": str(root / "corpus" / SIDECAR),
    }
    ids = [
        *secrets.values(),
        "../../../../../../etc/passwd",
        "../.env",
        "stray.bin",
        SIDECAR,
        f"{NESTED}/../../.env",
        "field-notes/../../.env",
        "index/chroma.sqlite3",
        f"corpus/{shipped_id(api)}",
        f"./{shipped_id(api)}",
        f"{shipped_id(api)}/",
        "..\\..\\.env",
        "",
    ]
    targets = []
    for doc_id in ids:
        for suffix in ("/file", ""):
            targets += [
                f"/api/v1/documents/{quote(doc_id, safe='')}{suffix}",
                f"/api/v1/documents/{quote(doc_id, safe='/')}{suffix}",
                f"/api/v1/documents/{quote(quote(doc_id, safe=''), safe='')}{suffix}",
                f"/api/v1/documents/{doc_id.replace('.', '%2e').replace('/', '%2f')}{suffix}",
            ]
    port = int(urlparse(api.url).port or 0)
    for target in targets:
        status, body = raw_get(port, target)
        assert status in (400, 404, 405), (target, status, body[:200])
        leaked = [m for m in secrets if m in body]
        assert not leaked, (target, leaked)
        if status != 404 or not target.startswith("/api/v1/documents/"):
            continue
        assert set(json.loads(body)) == {"error"}, (target, body[:200])


@server
def test_upload_then_remove_a_document(api: RunningApp, tmp_path: Path) -> None:
    note = tmp_path / "tide-report.md"
    note.write_text(
        "# Tide report\n\nThe spring tide on 3 April reached 4.7 metres at the harbor gauge.\n",
        encoding="utf-8",
    )
    files = [("files", (note.name, note.read_bytes(), "text/markdown"))]
    added = httpx.post(url(api, "/api/v1/documents"), files=files, timeout=120)
    assert added.status_code == 201, added.text
    report = added.json()
    assert report["added"] == ["tide-report.md"] and report["rejected"] == []
    assert "1 added" in report["summary"]
    assert "tide-report.md" in {d["id"] for d in httpx.get(url(api, "/api/v1/documents")).json()}
    question = {"question": "How high was the spring tide on 3 April?", "doc_ids": [note.name]}
    answer = httpx.post(url(api, "/api/v1/ask"), json=question, timeout=60).json()
    assert "4.7 metres" in answer["text"]
    again = httpx.post(url(api, "/api/v1/documents"), files=files, timeout=120)
    is_error(again, 400, "tide-report.md: a document named tide-report.md is already in the corpus")
    removed = httpx.delete(url(api, doc_path(note.name)), timeout=60)
    assert removed.status_code == 200 and removed.json() == {"removed": "tide-report.md"}
    assert not (api.root / "corpus" / note.name).exists()
    is_error(httpx.get(url(api, doc_path(note.name))), 404, "tide-report.md")
    is_error(httpx.delete(url(api, doc_path(note.name))), 404, "tide-report.md")


@server
def test_uploads_are_checked_like_the_cli_checks_them(api: RunningApp, tmp_path: Path) -> None:
    before = sorted(p.name for p in (api.root / "corpus").rglob("*"))
    # the same reasons as `assistant docs add`
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ not a document")
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    cli = subprocess.run(
        [sys.executable, "-m", "assistant", "docs", "add", str(bad), str(empty)],
        cwd=api.root,
        env=api.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    reasons = [
        line.removeprefix("rejected: ")
        for line in cli.stderr.splitlines()
        if line.startswith("rejected: ")
    ]
    assert len(reasons) == 2, cli.stderr
    for path, reason in zip((bad, empty), reasons, strict=True):
        files = [("files", (path.name, path.read_bytes(), "application/octet-stream"))]
        reply = httpx.post(url(api, "/api/v1/documents"), files=files, timeout=60)
        assert is_error(reply, 400) == reason
    big = tmp_path / "big.md"
    big.write_text("# Big\n\n" + "A sentence about tides. " * 20_000, encoding="utf-8")
    assert big.stat().st_size > MAX_FILE_MB * 1_000_000
    files = [("files", (big.name, big.read_bytes(), "text/markdown"))]
    is_error(httpx.post(url(api, "/api/v1/documents"), files=files, timeout=60), 413, "limit")
    # a name with folders in it lands in the corpus folder itself, reduced, or is refused
    sneaky = [("files", ("../../escape.md", b"# Escape\n\nText.\n", "text/markdown"))]
    reply = httpx.post(url(api, "/api/v1/documents"), files=sneaky, timeout=120)
    assert reply.status_code == 201 and reply.json()["added"] == ["escape.md"]
    assert not (api.root / "escape.md").exists() and not (api.root.parent / "escape.md").exists()
    assert httpx.delete(url(api, doc_path("escape.md")), timeout=60).status_code == 200
    is_error(httpx.post(url(api, "/api/v1/documents"), timeout=60), 400, "files")
    assert sorted(p.name for p in (api.root / "corpus").rglob("*")) == before


@server
def test_a_busy_index_is_409_and_answers_go_on(api: RunningApp) -> None:
    lock = FileLock(str(api.root / "index" / ".ingest.lock"))
    files = [("files", ("busy.md", b"# Busy\n\nA line.\n", "text/markdown"))]
    with lock.acquire(timeout=30):
        is_error(
            httpx.post(url(api, "/api/v1/documents"), files=files, timeout=60),
            409,
            "another ingestion is running",
        )
        is_error(httpx.delete(url(api, doc_path(NESTED)), timeout=60), 409, "another ingestion")
        answer = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}, timeout=60)
        assert answer.status_code == 200 and "547,000" in answer.json()["text"]
    assert not (api.root / "corpus" / "busy.md").exists()


@server
def test_an_unreachable_index_is_503_and_the_app_recovers(tmp_path: Path) -> None:
    """Against a Chroma server that stops: health and answers say 503 in one line (after the
    store's ~5 s of retries), and work again once it is back."""
    chroma = ChromaServer(tmp_path / "db")
    chroma.start()
    env = {"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(chroma.port)}
    try:
        with running_app(tmp_path / "app", env=env) as app:
            assert httpx.get(url(app, "/api/v1/health")).status_code == 200
            chroma.stop()
            health = httpx.get(url(app, "/api/v1/health"), timeout=60)
            is_error(health, 503, "127.0.0.1")
            asked = httpx.post(url(app, "/api/v1/ask"), json={"question": CBP}, timeout=60)
            is_error(asked, 503)
            chroma.start()
            assert httpx.get(url(app, "/api/v1/health"), timeout=60).status_code == 200
    finally:
        chroma.stop()


# --- health, load, OpenAPI, docs -----------------------------------------------------------------


@server
def test_health(api: RunningApp) -> None:
    reply = httpx.get(url(api, "/api/v1/health"))
    assert reply.status_code == 200
    health = reply.json()
    assert health["status"] == "ok" and health["answerer"] == "offline composer"
    assert health["documents"] == len(httpx.get(url(api, "/api/v1/documents")).json())
    assert isinstance(health["index_version"], int) and health["index_version"] >= 1


@server
def test_twenty_clients_at_once_get_answers(api: RunningApp) -> None:
    questions = [CBP, FOLLOW_UP, "Who hosted the third ministerial meeting?"]
    errors: list[str] = []
    lock = threading.Lock()
    together = threading.Barrier(20, timeout=30)

    def client(n: int) -> None:
        with httpx.Client(timeout=120) as http:
            together.wait()
            for i in range(5):
                body = {"question": questions[(n + i) % len(questions)]}
                reply = http.post(url(api, "/api/v1/ask"), json=body)
                if reply.status_code != 200 or "citations" not in reply.json():
                    with lock:
                        errors.append(f"{reply.status_code} {reply.text[:100]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors[:3]


@server
def test_the_openapi_document_validates_and_the_docs_page_is_local(api: RunningApp) -> None:
    from openapi_spec_validator import validate

    spec = httpx.get(url(api, "/api/v1/openapi.json")).json()
    validate(spec)
    assert {
        "/api/v1/ask",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/documents/{doc_id}/file",
        "/api/v1/health",
        "/v1/chat/completions",
        "/v1/models",
    } <= set(spec["paths"])
    ask = spec["paths"]["/api/v1/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AskRequest"
    )
    assert {"400", "409", "429", "503"} <= set(ask["responses"])
    page = httpx.get(url(api, "/api/v1/docs"))
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http://" not in page.text and "https://" not in page.text and "//" not in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        got = httpx.get(url(api, f"/api/v1/docs/assets/{asset}"))
        assert got.status_code == 200 and len(got.content) > 10_000
    is_error(httpx.get(url(api, "/api/v1/docs/assets/swagger-ui.js.map")), 404)


@server
@browser
def test_the_docs_page_shows_every_route_and_loads_nothing_from_outside(api: RunningApp) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = chromium.new_page()
            outside: list[str] = []
            page.on(
                "request",
                lambda r: None if r.url.startswith(api.url) else outside.append(r.url),
            )
            page.goto(url(api, "/api/v1/docs"))
            page.wait_for_selector(".opblock", timeout=30_000)
            shown = set(page.locator(".opblock-summary-path").all_inner_texts())
            routes = {"/api/v1/ask", "/api/v1/documents/{doc_id}/file", "/v1/chat/completions"}
            assert routes <= shown
            assert not outside, outside
        finally:
            chromium.close()


# --- the size of an answer, without a server -----------------------------------------------------


def test_an_answer_is_never_over_its_bound() -> None:
    """Issue 16 item 3: 50 passages of 100,000 characters each (a document with no sentence
    breaks) would make a 5 MB answer; the JSON is cut to under 1 MB, says so, and parses."""
    huge = "word " * 20_000
    chunks = [Chunk(f"c:{n}", "d.txt", n, huge, 0, len(huge), title=huge[:5000]) for n in range(50)]
    hits = tuple(Hit(c, 0.5, n + 1) for n, c in enumerate(chunks))
    cites = tuple(
        Citation(n + 1, c.id, "d.txt", c.title, "", huge, None, huge, 0, len(huge))
        for n, c in enumerate(chunks)
    )
    removed = (RemovedSentence(huge, "not supported by its sources"),) * 500
    answer = Answer("q", "q", huge, cites, hits, False, removed=removed)
    body = answer_json(answer)
    assert len(body) <= MAX_ANSWER_BYTES
    data = json.loads(body)
    assert data["truncated"] is True and set(data) == ANSWER_FIELDS | {"truncated"}
    small = Answer("q", "q", "t [1]", (), (Hit(chunks[0], 0.5, 1),), False)
    assert "truncated" not in json.loads(answer_json(small))  # only when something was cut


# --- issue 24: slow, chunked and invalid requests, on every API surface ------------------------


def slow_body(port: int, path: str) -> socket.socket:
    """A client that sends its headers and part of its body, then waits."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    conn.sendall(head.encode() + b'{"question": "How many')
    return conn


def status_of(conn: socket.socket) -> int:
    """The status line's code of what the server answers on conn (0: closed without one)."""
    data = b""
    conn.settimeout(BODY_S * 4)
    while b"\r\n" not in data:
        try:
            piece = conn.recv(4096)
        except TimeoutError:
            break
        if not piece:
            break
        data += piece
    conn.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


@server
def test_slow_request_bodies_hold_no_answering_slot(api: RunningApp) -> None:
    """Hole 3: clients that send headers and part of a body held the answering slots (4) as
    long as they stayed open, so every direct answer waited. Now a slot is taken only once a
    body is complete: with 8 slow clients open, REST, OpenAI and Gradio's direct route
    answer; the slow ones get 408 once their deadline passes."""
    port = int(urlparse(api.url).port or 0)
    slow = [slow_body(port, p) for p in ("/api/v1/ask", "/v1/chat/completions") * 4]
    try:
        rest = httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}, timeout=60)
        chat = {"messages": [{"role": "user", "content": CBP}]}
        openai = httpx.post(url(api, "/v1/chat/completions"), json=chat, timeout=60)
        gradio = httpx.post(url(api, "/gradio_api/run/ask"), json={"data": [CBP, ""]}, timeout=60)
        assert rest.status_code == 200 and "547,000" in rest.json()["text"]
        assert openai.status_code == 200 and "547,000" in openai.text
        assert gradio.status_code == 200 and "547,000" in gradio.text
    finally:
        codes = [status_of(conn) for conn in slow]
    assert codes == [408] * len(slow), codes


def chunks(total: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """A body of `total` bytes sent without a Content-Length (chunked)."""
    yield head
    piece = b"x" * 65_536
    sent = len(head) + len(tail)
    while sent < total:
        yield piece
        sent += len(piece)
    yield tail


@server
def test_a_chunked_body_over_the_limit_is_413_like_any_other(api: RunningApp) -> None:
    """Hole 8: a body over the limit without a Content-Length was cut short and then read as
    bad JSON (400) or a bad upload. Now it counts against the same limits: 413, and nothing
    of an upload reaches the corpus."""
    before = sorted(p.name for p in (api.root / "corpus").rglob("*"))
    json_type = {"content-type": "application/json"}
    for path in ("/api/v1/ask", "/v1/chat/completions", "/gradio_api/run/ask"):
        body = chunks(2_000_000, b'{"question": "', b'"}')
        reply = httpx.post(url(api, path), content=body, headers=json_type, timeout=60)
        assert reply.status_code == 413, (path, reply.status_code, reply.text[:200])
        assert "too large" in reply.text and "not valid JSON" not in reply.text
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.md"\r\n'
        "Content-Type: text/markdown\r\n\r\n# Big\n\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    form = {"content-type": f"multipart/form-data; boundary={boundary}"}
    for path in ("/api/v1/documents", "/gradio_api/upload"):
        body = chunks(MAX_UPLOAD + 1_000_000, head, tail)
        reply = httpx.post(url(api, path), content=body, headers=form, timeout=60)
        assert reply.status_code == 413, (path, reply.status_code, reply.text[:200])
    assert sorted(p.name for p in (api.root / "corpus").rglob("*")) == before
    assert httpx.post(url(api, "/api/v1/ask"), json={"question": CBP}).status_code == 200


@server
def test_upload_folders_left_by_a_killed_app_are_removed_at_start(api: RunningApp) -> None:
    """Also noted in issue 24: an upload's temporary folder outlived a kill -9. Uploads wait
    in the data folder, one folder per request named after its process; folders of
    processes that are gone are removed when the app starts, and a finished upload leaves
    none."""
    uploads = api.root / "data" / "uploads"
    assert not list(uploads.glob("*-killed-mid-upload"))
    files = [("files", ("empty.md", b"", "text/markdown"))]
    is_error(httpx.post(url(api, "/api/v1/documents"), files=files, timeout=60), 400, "empty")
    assert uploads.is_dir() and not list(uploads.iterdir())


LONE = "How many people used \\ud800 CBP One?"  # a JSON escape decoding to a lone surrogate


@server
def test_invalid_unicode_is_one_line_on_every_api(api: RunningApp) -> None:
    """Hole 6: a lone surrogate in a question, a document id, a history or OpenAI's messages
    answered 500 with a traceback in the log. Now 400 (Gradio: an error) with one line."""
    json_type = {"content-type": "application/json"}
    turn = '{"role": "user", "content": "' + LONE + '"}'
    rest = [
        '{"question": "' + LONE + '"}',
        '{"question": "q", "doc_ids": ["a\\udcff.txt"]}',
        '{"question": "q", "history": [' + turn + "]}",
        '{"question": "' + LONE + '", "stream": true}',
    ]
    for body in rest:
        reply = httpx.post(url(api, "/api/v1/ask"), content=body, headers=json_type, timeout=60)
        assert "not valid text" in is_error(reply, 400)
    chat = '{"messages": [' + turn + "]}"
    reply = httpx.post(url(api, "/v1/chat/completions"), content=chat, headers=json_type)
    assert reply.status_code == 400 and "not valid text" in reply.json()["error"]["message"]
    history = json.dumps(json.dumps([{"role": "user", "content": "x"}])).replace("x", "\\ud800")
    for data in ('["' + LONE + '", ""]', '["q", ' + history + "]"):
        body = '{"data": ' + data + "}"
        reply = httpx.post(url(api, "/gradio_api/run/ask"), content=body, headers=json_type)
        error = reply.json()["error"]
        assert isinstance(error, str) and "not valid text" in error and "\n" not in error
    assert "Traceback" not in api.log


@server
@pytest.mark.parametrize("route", ["run", "call"])
def test_gradio_ask_with_too_few_inputs_is_one_line(api: RunningApp, route: str) -> None:
    """Hole 7: Gradio's `ask` called with 0 or 1 inputs answered {"error": null}. Every event
    call is checked against its inputs: 400 with one line naming them."""
    for data in ([], [CBP]):
        reply = httpx.post(url(api, f"/gradio_api/{route}/ask"), json={"data": data})
        assert reply.status_code == 400, reply.text[:300]
        error = reply.json()["error"]
        assert isinstance(error, str) and "\n" not in error
        assert f"ask takes 2 inputs in `data` ([question, history]); got {len(data)}" in error
    reply = httpx.post(url(api, f"/gradio_api/{route}/ask"), json={"data": "q"})
    assert reply.status_code == 400 and "must be a list" in reply.json()["error"]
