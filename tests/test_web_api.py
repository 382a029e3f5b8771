"""The web app's `ask` endpoint, called on the real app (`python app.py` on a free loopback
port, a temporary copy of the shipped corpus) with gradio_client and with plain HTTP; and the
pure renderers of the page (escaping, citation links, highlighted quotes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest_web import REPO, RunningApp, running_app
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant.history import HistoryLimits
from assistant.types import Answer, Chunk, Citation, Hit
from assistant.web.api import parse_history
from assistant.web.chat import history_turns
from assistant.web.render import answer_html, chat_messages, passage_html, sources_html

server = pytest.mark.server

CBP = "How many people used CBP One?"
FOLLOW_UP = "And how many have been approved through Safe Mobility Offices?"
ANSWER_KEYS = {
    "question",
    "query",
    "text",
    "citations",
    "hits",
    "refused",
    "refusal_reason",
    "timings",
    "answerer",
    "notice",
    "removed",
    "unsupported",
}
CITATION_KEYS = {"n", "chunk_id", "doc_id", "title", "date", "section", "page", "quote"}


# --- the real app ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(tmp_path_factory.mktemp("web-api")) as running:
        yield running


@pytest.fixture(scope="module")
def client(app: RunningApp) -> Client:
    return Client(app.url, verbose=False)


def http_ask(
    app: RunningApp, question: Any, history: Any = "", named: bool = False
) -> tuple[str, Any]:
    """Gradio 6's two-step HTTP API: POST the call (positional `data`, or named arguments on
    the v2 route), then read its SSE stream."""
    base = app.url.rstrip("/")
    if named:
        body: dict[str, Any] = {"question": question, **({"history": history} if history else {})}
        posted = httpx.post(f"{base}/gradio_api/call/v2/ask", json=body)
    else:
        posted = httpx.post(f"{base}/gradio_api/call/ask", json={"data": [question, history]})
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    event, data = "", None
    with httpx.stream("GET", f"{base}/gradio_api/call/ask/{event_id}", timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line.removeprefix("data:"))
                break
    return event, data


def check_answer(data: dict[str, Any], fact: str) -> None:
    assert set(data) == ANSWER_KEYS
    assert data["refused"] is False, data["text"]
    assert fact in data["text"]
    assert data["citations"] and data["hits"]
    texts = {h["chunk_id"]: h["text"] for h in data["hits"]}
    for c in data["citations"]:
        assert set(c) >= CITATION_KEYS
        assert c["title"] and c["date"] == "2024-05-08" and c["doc_id"].endswith(".txt")
        assert c["quote"] in texts[c["chunk_id"]]  # every quote is inside a passage shown
        assert f"[{c['n']}]" in data["text"]


@server
def test_startup_synced_the_index_and_printed_the_url(app: RunningApp) -> None:
    assert "1 added" in app.log
    assert f"running at {app.url}" in app.log


@server
def test_ask_with_gradio_client(client: Client) -> None:
    data = client.predict(CBP, "", api_name="/ask")
    check_answer(data, "547,000")
    assert data["question"] == CBP and data["answerer"] == "offline"


@server
def test_ask_with_plain_http_is_the_same_answer(app: RunningApp, client: Client) -> None:
    event, payload = http_ask(app, CBP)
    assert event == "complete"
    (data,) = payload
    check_answer(data, "547,000")
    event, payload = http_ask(app, CBP, named=True)
    assert event == "complete" and payload[0]["text"] == data["text"]
    again = client.predict(CBP, "", api_name="/ask")
    assert {k: v for k, v in data.items() if k != "timings"} == {
        k: v for k, v in again.items() if k != "timings"
    }


@server
def test_one_shot_http_post_also_answers(app: RunningApp) -> None:
    """POST /gradio_api/run/ask: one request, one JSON reply (outside the queue)."""
    url = f"{app.url.rstrip('/')}/gradio_api/run/ask"
    reply = httpx.post(url, json={"data": [CBP, ""]}, timeout=60)
    assert reply.status_code == 200
    check_answer(reply.json()["data"][0], "547,000")
    bad = httpx.post(url, json={"data": ["", ""]}, timeout=60)
    assert bad.status_code == 500 and bad.json()["error"] == "Please type a question."


@server
def test_a_follow_up_uses_the_history(app: RunningApp, client: Client) -> None:
    first = client.predict(CBP, "", api_name="/ask")
    history = json.dumps(
        [{"role": "user", "content": CBP}, {"role": "assistant", "content": first["text"]}]
    )
    data = client.predict(FOLLOW_UP, history, api_name="/ask")
    check_answer(data, "21,000")
    assert data["question"] == FOLLOW_UP
    for named in (False, True):
        event, payload = http_ask(app, FOLLOW_UP, history, named=named)
        assert event == "complete" and payload[0]["text"] == data["text"]


@server
def test_history_is_optional(client: Client) -> None:
    check_answer(client.predict(CBP, api_name="/ask"), "547,000")


@server
@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        ("", "", "Please type a question."),
        ("   \n ", "", "Please type a question."),
        (CBP, "[{not json", "history must be a JSON list"),
        (CBP, '{"role": "user"}', "history must be a JSON list"),
        (CBP, '[{"role": "system", "content": "x"}]', "turn 0 is not one"),
    ],
)
def test_bad_input_is_one_clear_error_and_the_app_keeps_serving(
    app: RunningApp, client: Client, question: str, history: str, message: str
) -> None:
    with pytest.raises(AppError) as caught:
        client.predict(question, history, api_name="/ask")
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)
    event, payload = http_ask(app, question, history)
    assert event == "error"
    assert message in payload["error"] and "Traceback" not in json.dumps(payload)
    assert "547,000" in client.predict(CBP, "", api_name="/ask")["text"]


@server
@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        (5, "", "question must be a string; got int"),
        (["How many people used CBP One?"], "", "question must be a string; got list"),
        ({"q": 1}, "", "question must be a string; got dict"),
        (CBP, "[" * 100_000 + "]" * 100_000, "nested 100,000 levels deep"),
        (CBP, 7, "sent as a string; got a number"),
        (CBP, json.dumps([{"role": "user", "content": "x"}] * 51), "the limit is 40"),
        (CBP, json.dumps([{"role": "user", "content": "x" * 20_001}]), "the limit is 2,000"),
    ],
    ids=["number", "list", "object", "deep-history", "history-number", "51-turns", "20k-chars"],
)
def test_wrong_types_and_unbounded_history_are_one_line_errors_not_empty_ones(
    app: RunningApp, question: Any, history: Any, message: str
) -> None:
    """Issue 16 item 7: these answered {"error": null}."""
    url = f"{app.url.rstrip('/')}/gradio_api/run/ask"
    reply = httpx.post(url, json={"data": [question, history]}, timeout=60)
    assert reply.status_code in (400, 500), reply.text[:300]  # Gradio's status for a gr.Error
    error = reply.json()["error"]
    assert isinstance(error, str) and message in error and "\n" not in error
    event, payload = http_ask(app, question, history)
    assert event == "error" and message in payload["error"]


@server
def test_a_too_long_question_is_refused_with_the_limit(client: Client) -> None:
    with pytest.raises(AppError, match="the limit is 2,000"):
        client.predict("why " * 600, "", api_name="/ask")


@server
def test_a_busy_port_is_one_line_error(app: RunningApp, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    port = app.url.rstrip("/").rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "GRADIO_"))}
    env.update(
        ASSISTANT_CORPUS_DIR=str(tmp_path / "corpus"),
        ASSISTANT_INDEX_DIR=str(tmp_path / "index"),
        ASSISTANT_DATA_DIR=str(tmp_path / "data"),
        ASSISTANT_PORT=port,
        GRADIO_ANALYTICS_ENABLED="False",
    )
    done = subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert f"error: cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "ASSISTANT_PORT" in done.stderr and "Traceback" not in done.stderr
    assert "Syncing" not in done.stdout  # said before the index is touched, not after a sync
    assert not (tmp_path / "index").exists()


@server
def test_ask_is_the_only_public_endpoint(client: Client) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    assert list(api["named_endpoints"]) == ["/ask"]
    assert [p["parameter_name"] for p in api["named_endpoints"]["/ask"]["parameters"]] == [
        "question",
        "history",
    ]


# --- pure renderers ------------------------------------------------------------------------------

EVIL = '<script>alert("x")</script> & <b>bold</b>'
QUOTE = "More than 547,000 <people> used CBP One."
CHUNK_TEXT = f"Before & after. {QUOTE} Then more."
CHUNK = Chunk("c:1", "doc.txt", 1, CHUNK_TEXT, 1000, 1000 + len(CHUNK_TEXT), title=EVIL)
START = 1000 + CHUNK_TEXT.index(QUOTE)
END = START + len(QUOTE)
CITATION = Citation(1, "c:1", "doc.txt", EVIL, "2024-05-08", "S <1>", None, QUOTE, START, END)
ANSWER = Answer(
    question=f"{EVIL}?",
    query="searched <query>",
    text=f"{QUOTE} [1] Unknown marker [7].",
    citations=(CITATION,),
    hits=(Hit(CHUNK, 0.9, 1),),
    refused=False,
    notice="Note <i>this</i>",
)


def test_answer_html_escapes_and_links_each_marker_to_its_card() -> None:
    out = answer_html(ANSWER, turn=3)
    assert "<script>" not in out and "<people>" not in out and "<i>" not in out
    assert "&lt;people&gt;" in out
    assert '<a class="cite" href="#src-3-1">1</a>' in out
    assert "[7]" in out and "#src-3-7" not in out  # no card, no link
    assert "Searched for: <q>searched &lt;query&gt;</q>" in out
    assert "Note: Note &lt;i&gt;this&lt;/i&gt;" in out
    assert "\n\n" not in out  # one HTML block: Markdown leaves it alone


def test_a_refusal_looks_different_and_lists_the_closest_passages() -> None:
    close = (Hit(CHUNK, 0.9, 1, dense_score=0.6, lexical_score=2.0),)
    refused = Answer("Q", "Q", "I could not find this in the documents.", (), close, True)
    out = answer_html(refused, turn=1)
    assert 'class="refusal"' in out and "Not found in the documents" in out
    assert "closest passages" in out and "Before &amp; after." in out
    assert "<script>" not in out and 'class="answer"' not in out


def test_sources_cards_highlight_the_quote_inside_its_passage() -> None:
    out = sources_html([("first?", ANSWER), ("second?", ANSWER)])
    assert out.index('id="src-1-1"') < out.index('id="src-2-1"')  # in the chat's order
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "8 May 2024, section “S &lt;1&gt;”" in out
    assert passage_html(CITATION, ANSWER.hits) == (
        'Before &amp; after. <mark data-n="1">More than 547,000 &lt;people&gt; used CBP One.</mark>'
        " Then more."
    )


def test_a_quote_whose_span_does_not_match_is_found_by_text_or_shown_alone() -> None:
    shifted = Citation(1, "c:1", "doc.txt", "T", "", "", None, QUOTE, 0, 5)
    assert '<mark data-n="1">More than 547,000 &lt;people&gt; used CBP One.</mark>' in (
        passage_html(shifted, ANSWER.hits)
    )
    assert (
        passage_html(shifted, ())
        == '<mark data-n="1">More than 547,000 &lt;people&gt; used CBP One.</mark>'
    )


def test_chat_messages_and_history_follow_the_exchanges() -> None:
    messages = chat_messages([("first?", ANSWER)])
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "&lt;script&gt;" not in messages[0]["content"]  # the question as typed: "first?"
    assert [(t.role, t.content) for t in history_turns([("first?", ANSWER)])] == [
        ("user", "first?"),
        ("assistant", ANSWER.text),
    ]


def test_parse_history() -> None:
    limits = HistoryLimits(max_turns=100, max_chars=40_000, max_question_chars=2_000)

    def parse(text: str) -> list:  # type: ignore[type-arg]
        return parse_history(text, limits)

    assert parse("") == [] and parse("  ") == []
    turns = parse('[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]')
    assert [(t.role, t.content) for t in turns] == [("user", "a"), ("assistant", "b")]
    for bad in ("{", "[1]", '{"role": "user"}', '[{"role": "user", "content": 3}]', "[" * 10**5):
        with pytest.raises(ValueError, match="history must be a JSON list"):
            parse(bad)
    with pytest.raises(ValueError, match="history has 51 turns; the limit is 50"):
        parse(json.dumps([{"role": "user", "content": "x"}] * 51))  # the API's own bound
    with pytest.raises(ValueError, match="the limit is 40 \\(ASSISTANT_MAX_HISTORY_TURNS"):
        parse_history(
            json.dumps([{"role": "user", "content": "x"}] * 41), HistoryLimits(40, 40_000, 2_000)
        )


def test_app_py_exposes_build_app() -> None:
    import runpy

    namespace = runpy.run_path(str(REPO / "app.py"))
    assert callable(namespace["build_app"]) and callable(namespace["main"])
