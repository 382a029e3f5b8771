"""The Declaration assistant: answers questions about the Los Angeles Declaration on Migration
and Protection with verified citations to the sentences it used."""

from assistant.config import Settings
from assistant.service import Assistant, build_assistant
from assistant.types import Answer, Chunk, Citation, DocRecord, Hit, SourceDoc, SyncReport, Turn

__all__ = [
    "Answer",
    "Assistant",
    "Chunk",
    "Citation",
    "DocRecord",
    "Hit",
    "Settings",
    "SourceDoc",
    "SyncReport",
    "Turn",
    "build_assistant",
]
