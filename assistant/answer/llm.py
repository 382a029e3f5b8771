"""The LLM answerer: any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp, LM Studio,
OpenAI) through langchain-openai. Its drafts are verified by the chain like any other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.answer.base import REFUSAL_TEXT, AnswererError, Draft, OnToken
from assistant.index.snapshot import Retrieved
from assistant.redact import redact_urls
from assistant.types import Hit, Turn
from assistant.verify.citations import strip_markers

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.query.plan import QueryPlan

NOT_FOUND = "NOT_FOUND"  # the line the system prompt asks for when the passages lack the answer
_NOT_FOUND = re.compile(r"\bNOT[_ ]FOUND\b")
_DELIMITER = re.compile(r"\b(?:BEGIN|END)\s+DATA\b", re.I)

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)  # reasoning models' scratchpad
# Sanitising: the draft is shown as Markdown, so nothing in it may load or link anything.
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REF_DEF = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S.*$", re.M)
_TAG = re.compile(r"<[^<>]*>")
_URL = re.compile(
    r"\b(?:(?:https?|ftp)://|www\.)(?:[^\s<>\[\]\"']*[^\s<>\[\]\"'.,;:!?)])?", re.I
)  # a sentence's closing punctuation stays
_EMPTY_PARENS = re.compile(r"\(\s*\)")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_BLANK_LINES = re.compile(r"\n{3,}")
# A stream's tail that may still become a link, image, tag, URL or NOT_FOUND is held back.
_OPEN_BRACKET = re.compile(r"!?\[[^\]\n]*(?:\](?:\([^)\n]*)?)?\Z")
_LAST_WORD = re.compile(r"\S+\Z")


def load_prompt(name: str) -> str:
    """A prompt data file of assistant/prompts/ (package data)."""
    return resources.files("assistant").joinpath("prompts", name).read_text(encoding="utf-8")


def sanitise(text: str) -> str:
    """Plain text: reasoning blocks, Markdown images, reference definitions, HTML tags and URLs
    removed, links reduced to their text."""
    text = _IMAGE.sub("", _THINK.sub("", text))
    text = _LINK.sub(r"\1", text)
    text = _REF_DEF.sub("", text)
    text = _TAG.sub("", text)
    text = _EMPTY_PARENS.sub("", _URL.sub("", text))
    text = text.replace("![", "[").replace("<", "")
    text = _SPACE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def format_passages(hits: Sequence[Hit]) -> str:
    """Numbered DATA blocks: [n] is hits[n-1], as the citation check expects."""
    return "\n\n".join(_passage(n, hit) for n, hit in enumerate(hits, start=1))


def _passage(n: int, hit: Hit) -> str:
    chunk = hit.chunk
    lines = [f"BEGIN DATA [{n}]", f"Title: {_field(chunk.title) or 'untitled'}"]
    if chunk.date:
        lines.append(f"Date: {_field(chunk.date)}")
    if chunk.section:
        lines.append(f"Section: {_field(chunk.section)}")
    if chunk.page is not None:
        lines.append(f"Page: {chunk.page}")
    return "\n".join([*lines, "Text:", _defuse(chunk.text.strip()), f"END DATA [{n}]"])


def _field(value: str) -> str:
    return _defuse(" ".join(value.split()))


def _defuse(text: str) -> str:
    """A passage cannot close its own DATA block."""
    return _DELIMITER.sub("[delimiter removed]", text)


def describe_failure(exc: BaseException, where: str, timeout_s: float | None) -> str:
    """One line for the user about why the endpoint gave no answer."""
    if isinstance(exc, openai.APIStatusError):
        return f"{where} answered with an error (HTTP {exc.status_code}){_hint(exc.status_code)}."
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        limit = f" ({timeout_s:g} s)" if timeout_s else ""
        return f"{where} did not answer in time{limit}."
    if isinstance(exc, openai.APIConnectionError | ConnectionError):
        return f"{where} could not be reached."
    return f"{where} sent a reply that could not be read."


def _hint(status: int) -> str:
    if status in (401, 403):
        return "; check the API key setting"
    if status == 404:
        return "; check the model name and base URL settings"
    return ""


class _Preview:
    """Streams the sanitised text as it grows; the tail that could still turn into a link,
    an image, a tag, a URL or NOT_FOUND is held back until it is complete."""

    def __init__(self, on_token: OnToken | None) -> None:
        self.on_token = on_token
        self.shown = ""

    def feed(self, raw: str) -> None:
        if self.on_token is None:
            return
        text = _NOT_FOUND.sub("", sanitise(raw[: _safe_cut(raw)]))
        if len(text) > len(self.shown) and text.startswith(self.shown):
            self.on_token(text[len(self.shown) :])
            self.shown = text


def _safe_cut(raw: str) -> int:
    word = _LAST_WORD.search(raw)
    cut = word.start() if word else len(raw)
    if raw.rfind("<") > raw.rfind(">"):
        cut = min(cut, raw.rfind("<"))
    bracket = _OPEN_BRACKET.search(raw)
    return min(cut, bracket.start()) if bracket else cut


class LLMAnswerer:
    """Drafts answers with a chat model from numbered passages; [n] refers to hits[n-1]."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        system_prompt: str,
        *,
        user_template: str | None = None,
        condense_prompt: str | None = None,
        condense_template: str | None = None,
        model_name: str = "",
        base_url: str = "",
        timeout_s: float | None = None,
        history_turns: int = 6,
        max_turn_chars: int = 2000,
    ) -> None:
        self.chat_model = chat_model
        self.name = f"llm:{model_name or getattr(chat_model, 'model_name', 'chat')}"
        shown = redact_urls(base_url) if base_url else ""
        self.where = f"The language model at {shown}" if shown else "The language model"
        self.timeout_s = timeout_s
        self.history_turns = history_turns
        self.max_turn_chars = max_turn_chars
        self.prompt = ChatPromptTemplate.from_messages(
            [
                SystemMessage(content=system_prompt),
                MessagesPlaceholder("history"),
                ("human", user_template or load_prompt("answer_user.txt")),
            ]
        )
        self.condense_prompt = ChatPromptTemplate.from_messages(
            [
                SystemMessage(content=condense_prompt or load_prompt("condense.txt")),
                ("human", condense_template or load_prompt("condense_user.txt")),
            ]
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMAnswerer:
        """Wire a ChatOpenAI client for the configured endpoint; local servers ignore the key."""
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=SecretStr(key),
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
        )
        return cls(
            chat,
            load_prompt("answer_system.txt"),
            model_name=settings.llm_model,
            base_url=settings.llm_base_url or "",
            timeout_s=settings.llm_timeout_s,
        )

    def draft(
        self,
        plan: QueryPlan,
        retrieved: Retrieved,
        history: Sequence[Turn] = (),
        on_token: OnToken | None = None,
    ) -> Draft:
        hits = retrieved.hits
        if not hits:
            return Draft(
                REFUSAL_TEXT, refused=True, answerer=self.name, refusal_reason="no_passage"
            )
        raw = self._generate(self.messages(plan.question, plan.query, hits, history), on_token)
        text = sanitise(raw)
        if _NOT_FOUND.search(text):
            return Draft(
                REFUSAL_TEXT, refused=True, answerer=self.name, refusal_reason="model_not_found"
            )
        if not text:
            raise AnswererError(f"{self.where} sent an empty reply.")
        return Draft(text, refused=False, answerer=self.name)

    def messages(
        self, question: str, query: str, hits: Sequence[Hit], history: Sequence[Turn] = ()
    ) -> list[BaseMessage]:
        """The chat messages sent for one question: system prompt, history, passages."""
        standalone = query.strip()
        query_line = ""
        if standalone and standalone != question.strip():
            query_line = f"\nStandalone question (what the passages were found for): {standalone}"
        return self.prompt.format_messages(
            history=self._history(history),
            passages=format_passages(hits),
            question=question.strip(),
            query_line=query_line,
        )

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """A standalone version of a follow-up question; the question itself on any failure."""
        turns = self._recent(history)
        if not any(t.role == "user" for t in turns):
            return question
        transcript = "\n".join(f"{_speaker(t)}: {self._content(t)}" for t in turns)
        messages = self.condense_prompt.format_messages(history=transcript, question=question)
        try:
            reply = self.chat_model.invoke(messages).text
        except Exception:
            return question
        lines = [line.strip(" \"'“”") for line in sanitise(reply).splitlines() if line.strip()]
        line = lines[0] if lines else ""
        if not line or _NOT_FOUND.search(line) or len(line) > 3 * len(question) + 200:
            return question
        return line

    # --- helpers ------------------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], on_token: OnToken | None) -> str:
        raw = ""
        preview = _Preview(on_token)
        try:
            for chunk in self.chat_model.stream(messages):
                raw += chunk.text
                preview.feed(raw)
        except Exception as exc:
            raise AnswererError(describe_failure(exc, self.where, self.timeout_s)) from None
        preview.feed(raw + "\n")
        return raw

    def _recent(self, history: Sequence[Turn]) -> list[Turn]:
        turns = [t for t in history if t.role in ("user", "assistant") and t.content.strip()]
        return turns[-self.history_turns :] if self.history_turns > 0 else []

    def _content(self, turn: Turn) -> str:
        text = turn.content if turn.role == "user" else strip_markers(turn.content)
        return text.strip()[: self.max_turn_chars]

    def _history(self, history: Sequence[Turn]) -> list[BaseMessage]:
        return [
            HumanMessage(content=self._content(t))
            if t.role == "user"
            else AIMessage(content=self._content(t))
            for t in self._recent(history)
        ]


def _speaker(turn: Turn) -> str:
    return "User" if turn.role == "user" else "Assistant"
