"""Answerers behind one interface (the names other modules import). The offline composer
lives in assistant/answer/composer.py, the LLM answerer in assistant/llm.py."""

from __future__ import annotations

from assistant.answer.base import REFUSAL_TEXT, Answerer, AnswererError, Draft, OnToken
from assistant.answer.composer import ComposerConfig, OfflineComposer

__all__ = [
    "REFUSAL_TEXT",
    "Answerer",
    "AnswererError",
    "ComposerConfig",
    "Draft",
    "OfflineComposer",
    "OnToken",
]
