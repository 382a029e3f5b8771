"""The Declaration assistant: answers questions about the Los Angeles Declaration on Migration
and Protection with verified citations to the sentences it used.

The names below are imported on first use, so that a process needing one small module (the
file-parsing worker imports only `assistant.ingest.files`) does not load the model and Chroma."""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Settings": "assistant.config",
    "Assistant": "assistant.service",
    "build_assistant": "assistant.service",
    **{
        name: "assistant.types"
        for name in ("Answer", "Chunk", "Citation", "DocRecord", "Hit", "SourceDoc", "SyncReport")
    },
    "Turn": "assistant.types",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
