"""The OpenAI-compatible API (/v1) on the real app, with the login on and an API token set:
the official `openai` Python client gets a completion and a stream whose sources match
`assistant ask --json` for the same question; the conversation, the message formats chat front
ends send, errors in OpenAI's shape, and the bearer token (the REST API takes it too)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest_web import RunningApp, cli_answer, running_app

from assistant.types import Answer, Chunk, Citation, Hit
from assistant.web.openai_compat import SOURCES_HEADING, ChatMessage, conversation, reply_text

server = pytest.mark.server

CBP = "How many people used CBP One?"
FOLLOW_UP = "And how many have been approved through Safe Mobility Offices?"
USER, PASSWORD = "ada", "correct horse battery staple"
TOKEN = "api-token-5f0e2c71"
MODEL = "declaration-assistant"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    env = {
        "ASSISTANT_AUTH_USERNAME": USER,
        "ASSISTANT_AUTH_PASSWORD": PASSWORD,
        "ASSISTANT_API_TOKEN": TOKEN,
    }
    with running_app(tmp_path_factory.mktemp("openai-api"), env=env) as running:
        yield running


def client(app: RunningApp, key: str = TOKEN) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=app.url + "v1", api_key=key, max_retries=0, timeout=60)


def check_sources(content: str, answer: dict[str, Any], cli: dict[str, Any]) -> None:
    """The reply's text is the answer then its sources, and they are the CLI's."""
    assert answer["citations"] == cli["citations"] and answer["text"] == cli["text"]
    text, sources = content.split(SOURCES_HEADING)
    assert text == cli["text"]
    lines = sources.splitlines()
    assert len(lines) == len(cli["citations"])
    for line, c in zip(lines, cli["citations"], strict=True):
        assert line.startswith(f"- [{c['n']}] {c['title']} ({c['date']}")
        assert f"“{c['quote']}”" in line


@server
def test_the_openai_client_gets_a_completion_with_the_clis_sources(app: RunningApp) -> None:
    openai = client(app)
    assert [m.id for m in openai.models.list()] == [MODEL]
    completion = openai.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": CBP}]
    )
    assert completion.object == "chat.completion" and completion.model == MODEL
    (choice,) = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content or ""
    assert "547,000" in content
    answer = (completion.model_extra or {})["answer"]  # the documented extra field
    check_sources(content, answer, cli_answer(app, CBP))
    assert completion.usage is not None and completion.usage.completion_tokens > 20


@server
def test_the_openai_client_gets_a_stream_with_the_clis_sources(app: RunningApp) -> None:
    stream = client(app).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": CBP}], stream=True
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    pieces = [c for c in chunks if c.choices[0].delta.content]
    assert len(pieces) >= 2  # the answer, then the sources
    answer = (chunks[-1].model_extra or {})["answer"]
    check_sources(content, answer, cli_answer(app, CBP))
    # the raw stream ends with [DONE]
    body = {"model": MODEL, "messages": [{"role": "user", "content": CBP}], "stream": True}
    raw = httpx.post(
        app.url + "v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    lines = [line for line in raw.text.splitlines() if line]
    assert lines[-1] == "data: [DONE]" and all(line.startswith("data: ") for line in lines)


@server
def test_earlier_messages_are_the_history(app: RunningApp) -> None:
    openai = client(app)
    first = openai.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": CBP}])
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # front ends add one
        {"role": "user", "content": CBP},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},  # parts, too
    ]
    follow = openai.chat.completions.create(model=MODEL, messages=messages)
    answer = (follow.model_extra or {})["answer"]
    assert "21,000" in (follow.choices[0].message.content or "")
    assert answer["question"] == FOLLOW_UP and answer["query"] != FOLLOW_UP
    # the sources list the reply carried is not part of the history the assistant used
    assert "Sources" not in answer["query"]


@server
def test_errors_come_in_openais_shape(app: RunningApp) -> None:
    import openai as sdk

    openai = client(app)
    for messages, message in (
        ([{"role": "user", "content": ""}], "Please type a question."),
        ([{"role": "assistant", "content": "Hi"}], "the last message must be the user's"),
        ([{"role": "user", "content": "why " * 600}], "the limit is 2,000"),
    ):
        with pytest.raises(sdk.BadRequestError) as caught:
            openai.chat.completions.create(model=MODEL, messages=messages)
        assert caught.value.status_code == 400 and message in str(caught.value)
        assert isinstance(caught.value.body, dict) and caught.value.body["message"]
    headers = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    for body in ("{", "[]", '{"messages": []}', '{"messages": [{"role": "user", "content": 5}]}'):
        reply = httpx.post(app.url + "v1/chat/completions", content=body, headers=headers)
        assert reply.status_code == 400, (body, reply.text)
        error = reply.json()["error"]
        assert error["type"] == "invalid_request_error" and "\n" not in error["message"]


@server
def test_the_bearer_token_is_required_and_checked(app: RunningApp) -> None:
    import openai as sdk

    with pytest.raises(sdk.AuthenticationError) as caught:
        client(app, key="wrong").models.list()
    assert "The API token is wrong." in str(caught.value)
    with pytest.raises(sdk.AuthenticationError):  # the password is not the token when one is set
        client(app, key=PASSWORD).models.list()
    base = app.url.rstrip("/")
    for method, path in (
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
        ("GET", "/api/v1/documents"),
        ("POST", "/api/v1/ask"),
        ("GET", "/api/v1/openapi.json"),
    ):
        reply = httpx.request(method, base + path, json={"question": CBP})
        assert reply.status_code == 401 and reply.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in json.dumps(reply.json())
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(base + "/api/v1/documents", headers=auth).status_code == 200
    ask = httpx.post(base + "/api/v1/ask", headers=auth, json={"question": CBP}, timeout=60)
    assert ask.status_code == 200 and "547,000" in ask.json()["text"]
    assert httpx.get(base + "/api/v1/health").status_code == 200  # for load balancers


# --- without a server ----------------------------------------------------------------------------


def test_the_reply_escapes_markup_from_documents_and_keeps_the_markers() -> None:
    """Chat front ends render Markdown: a document's image, link or HTML must stay text."""
    quote = "See ![x](http://evil.example/x.png) and <img src=x onerror=alert(1)> here."
    chunk = Chunk("c:1", "d.md", 0, quote, 0, len(quote), title="T <b>", date="2025-01-02")
    citation = Citation(1, "c:1", "d.md", "T <b>", "2025-01-02", "Intro", 3, quote, 0, len(quote))
    answer = Answer("q", "q", f"{quote} [1]", (citation,), (Hit(chunk, 0.9, 1),), False)
    escaped = r"See \![x]\(http://evil.example/x.png) and \<img src=x onerror=alert(1)> here."
    assert reply_text(answer) == (
        f"{escaped} [1]{SOURCES_HEADING}- [1] T \\<b> (2025-01-02, Intro, p. 3): “{escaped}”"
    )


def test_conversation_takes_the_last_user_message_and_bounds_the_history() -> None:
    many = [ChatMessage(role="user", content="x" * 1000) for _ in range(60)]
    question, history = conversation([*many, ChatMessage(role="user", content="Q?")])
    assert question == "Q?" and len(history) == 20  # 20,000 characters at most
    reply = "An answer [1]" + SOURCES_HEADING + "- [1] Title: “quote”"
    _, history = conversation(
        [
            ChatMessage(role="user", content="first"),
            ChatMessage(role="assistant", content=reply),
            ChatMessage(role="tool", content="ignored"),
            ChatMessage(role="user", content="second"),
        ]
    )
    assert [(t.role, t.content) for t in history] == [
        ("user", "first"),
        ("assistant", "An answer [1]"),
    ]
