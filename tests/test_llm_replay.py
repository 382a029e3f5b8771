"""The LLM path, end to end, on blind-recorded model replies (issue 26): `assistant eval
--llm-replay` serves the recorded replies from a local OpenAI-compatible server, the app asks
it exactly as it would ask a model, and the answers are verified and scored.

Every prompt must have its recorded reply: a prompt the recording lacks means retrieval or the
prompt changed since recording, and its replies must be recorded again (show_pending.py). The
gates are the public targets of issue 26 and the dev figures measured when the verifier was
tuned on them, less the usual tolerance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
GATES = {
    "public": (
        [],
        {"fact_recall": 0.97, "citation_precision": 0.98, "refusal_rate": 0.95},
    ),
    "dev": (
        ["--set", "realistic"],
        {"fact_recall": 0.92, "citation_precision": 0.91, "refusal_rate": 0.9},
    ),
}


@pytest.mark.parametrize("name", sorted(GATES))
def test_the_recorded_replies_are_replayed_and_pass_their_gate(name: str, tmp_path: Path) -> None:
    options, gates = GATES[name]
    recording = tmp_path / "recording"  # a miss adds a pending prompt: not to the repository
    shutil.copytree(REPO / "evals" / "recordings" / name, recording)
    fail_under = [f"--fail-under={m}={v}" for m, v in gates.items()]
    fail_under.append("--fail-under=false_refusal_rate=0.05")
    command = [sys.executable, "-m", "assistant", "eval", *options, "--llm-replay", str(recording)]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "report"), *fail_under],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    replay = report["run"]["llm_replay"]
    assert replay["missing"] == 0 and replay["replayed"] > 100, replay
