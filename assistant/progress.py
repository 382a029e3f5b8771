"""Progress reporting: the callback type every long step takes, and the one terminal bar the
CLI, `serve` and the evaluation draw with it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Progress = Callable[[int, int], None]  # (items done, total)


def progress_bar(desc: str = "embedding", unit: str = "chunk") -> Progress:
    """A tqdm bar on stderr, opened at the first report and closed when done reaches total."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bars:
            bars["bar"] = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr)
        bars["bar"].update(done - bars["bar"].n)
        if done >= total:
            bars.pop("bar").close()

    return update
