"""URLs shown to people lose the parts that can hold a secret (user, password, query, fragment)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"'`]+", re.I)


def redact_urls(text: str) -> str:
    """Every URL in the text without the parts that can hold a secret (user and password,
    query, fragment): settings such as the LLM's base URL are shown in the page and the CLI."""

    def clean(match: re.Match[str]) -> str:
        parts = urlsplit(match.group(0))
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        return urlunsplit((parts.scheme, host + port, parts.path, "", ""))

    return _URL.sub(clean, text)
