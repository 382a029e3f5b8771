"""Settings: the only code that reads the environment (prefix ASSISTANT_, optional .env)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.history import HistoryLimits

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Chroma's rule for collection names, with room for the suffixes the store adds
# (`_g<version>_sentences`) within its limits
_COLLECTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,46}[A-Za-z0-9]$")


class Settings(BaseSettings):
    """Every setting of the assistant. Documented in docs/configuration.md."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")
    evals_dir: Path = Path("evals")

    # Embeddings and chunking
    embedding_model: str = DEFAULT_MODEL
    embedding_batch_size: int = Field(default=32, gt=0)
    chunk_tokens: int = Field(default=160, gt=16)
    chunk_overlap_tokens: int = Field(default=40, ge=0)

    # Chroma: embedded under index_dir unless a host is set
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, gt=0, lt=65536)
    chroma_ssl: bool = False
    chroma_token: SecretStr | None = None
    collection: str = "declaration"

    # Retrieval and answering
    k: int = Field(default=5, gt=0, le=50)
    refusal_threshold: float = 0.22
    max_answer_sentences: int = Field(default=3, gt=0)
    max_list_sentences: int = Field(default=6, gt=0)
    # The reader model shipped in assistant/data/reader (off: answer without it); its
    # threshold is the one calibrated when it was trained unless set here
    reader: bool = True
    reader_threshold: float | None = Field(default=None, ge=0, le=1)
    reader_candidates: int = Field(default=10, gt=0, le=50)
    max_question_chars: int = Field(default=2000, gt=0)
    # A conversation's history as the CLI and the API take it: turns, characters of content
    max_history_turns: int = Field(default=40, gt=0)
    max_history_chars: int = Field(default=40_000, gt=0)

    # Optional OpenAI-compatible LLM; the offline composer answers when no base URL is set
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=1, ge=0)
    llm_temperature: float = 0.0

    # Files
    max_file_mb: float = Field(default=20.0, gt=0)
    parse_timeout_s: float = Field(default=60.0, gt=0)  # per file, then it is stopped
    parse_memory_mb: int = Field(default=2048, ge=64)  # address space of the parsing process
    max_feedback_mb: float = Field(default=100.0, gt=0)  # data/feedback.jsonl, then refused
    # Saved conversations (data/conversations.sqlite3): per user, the least recently used
    # removed beyond the first; questions per conversation, then a new one must be started
    max_conversations: int = Field(default=100, gt=0)
    max_conversation_turns: int = Field(default=100, gt=0)

    # Web app
    host: str = "127.0.0.1"
    port: int = Field(default=7860, gt=0, lt=65536)
    # Host names the app answers to, comma separated, besides the loopback names and `host`
    # ("*": any; any too when `host` is beyond loopback and none are listed). SECURITY.md.
    allowed_hosts: str = ""
    # Reverse proxies whose X-Forwarded-For names the client (comma separated addresses or
    # networks); empty: none, so the login throttle counts the connecting address
    trusted_proxies: str = ""
    # Optional login: both set, or neither
    auth_username: str | None = None
    auth_password: SecretStr | None = None
    login_max_failures: int = Field(default=5, gt=0)  # failed logins per client per window
    login_window_s: float = Field(default=60.0, gt=0)
    login_block_s: float = Field(default=300.0, gt=0)  # then 429 for this long
    # With the login on, the token the APIs (/api/v1, /v1) take as `Authorization: Bearer`;
    # unset: the login password. Ignored without a login (the app warns).
    api_token: SecretStr | None = None
    # Load: questions answered at once, questions waiting (beyond it: an immediate "busy")
    concurrency: int = Field(default=4, gt=0)
    queue_size: int = Field(default=64, gt=0)
    max_request_kb: int = Field(default=1024, gt=0)  # bodies of non-upload requests
    # a request body must arrive within this (an upload: no pause longer than this), else 408
    body_timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if not _COLLECTION.match(value):
            raise ValueError(
                f"{value[:80]!r} is not a usable name: 3 to 48 characters, letters, digits, "
                "'.', '_' or '-', starting and ending with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap_tokens ({self.chunk_overlap_tokens}) must be smaller than "
                f"chunk_tokens ({self.chunk_tokens})"
            )
        if (self.login is None) and (self.auth_username or self.auth_password):
            raise ValueError(
                "set both auth_username and auth_password (ASSISTANT_AUTH_USERNAME and "
                "ASSISTANT_AUTH_PASSWORD) for a login, or neither"
            )
        return self

    @property
    def history_limits(self) -> HistoryLimits:
        return HistoryLimits(
            self.max_history_turns, self.max_history_chars, self.max_question_chars
        )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def uses_llm(self) -> bool:
        return bool(self.llm_base_url)

    @property
    def login(self) -> tuple[str, str] | None:
        """(username, password) when both are set (not blank)."""
        user = (self.auth_username or "").strip()
        password = self.auth_password.get_secret_value() if self.auth_password else ""
        return (user, password) if user and password else None

    @property
    def host_names(self) -> frozenset[str]:
        """Host names accepted in the Host header (lower case, no port); empty means any: "*",
        or a host beyond loopback with no names listed."""
        loopback = {"127.0.0.1", "localhost", "::1"}
        extra = {h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()}
        host = self.host.strip("[]").lower()
        if "*" in extra or (host not in loopback and not extra):
            return frozenset()
        if host not in ("0.0.0.0", "::", ""):
            extra.add(host)
        return frozenset(loopback | extra)
