"""What every answerer shares: the Draft it returns and the interface it implements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant.types import Turn

if TYPE_CHECKING:
    from assistant.index.snapshot import Retrieved
    from assistant.query.plan import QueryPlan

OnToken = Callable[[str], None]
REFUSAL_TEXT = "I could not find this in the documents."


class AnswererError(RuntimeError):
    """The answerer's backend failed (one line for the user); the chain falls back to the
    offline composer."""


@dataclass(frozen=True)
class Draft:
    """An answer before verification: [n] markers refer to hits[n-1]."""

    text: str
    refused: bool
    notice: str = ""
    answerer: str = "offline"
    flagged: bool = False
    refusal_reason: str = ""  # the named check that refused; "" when answered


class Answerer(Protocol):
    name: str

    def draft(
        self,
        plan: QueryPlan,
        retrieved: Retrieved,
        history: Sequence[Turn] = (),
        on_token: OnToken | None = None,
    ) -> Draft: ...

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...
