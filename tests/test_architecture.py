"""The package's layers and the absence of circles, as [tool.importlinter] in pyproject.toml
states them: a module imports only from the layers below its own (surfaces -> chain -> answer
and retrieve -> query and verify -> ingest -> index -> base), and no stage's modules import each
other in a loop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout, done.stdout[-3000:]
