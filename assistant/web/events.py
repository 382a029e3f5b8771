"""What every tab's callbacks and event wiring share: the event options (which worker pool an
event runs in; only `ask` is public API), the progress tracker default, and skipped outputs.

Problems the user can act on are shown as messages or warnings, not raised as gr.Error: an
error greys out every output of the event (the chat, the tables) until the next one.
"""

from types import MappingProxyType
from typing import Any

import gradio as gr

# Gradio hands each call its own tracker in place of this default.
PROGRESS = gr.Progress()

# Answers (chat and API) share one pool of ASSISTANT_CONCURRENCY workers; changes to the index
# run one at a time (the index lock would refuse a second one anyway).
PRIVATE: MappingProxyType[str, Any] = MappingProxyType({"api_visibility": "private"})
ANSWERING = MappingProxyType({**PRIVATE, "concurrency_id": "answer"})
INDEXING = MappingProxyType({**PRIVATE, "concurrency_id": "index", "concurrency_limit": 1})


def skip(n: int) -> tuple[Any, ...]:
    """Leave n outputs as they are."""
    return tuple(gr.skip() for _ in range(n))
