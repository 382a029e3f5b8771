"""The console commands, run as a user runs them: a subprocess with settings in the env."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("cli")
    shutil.copytree(CORPUS, tmp / "corpus")
    values = {
        "ASSISTANT_CORPUS_DIR": str(tmp / "corpus"),
        "ASSISTANT_INDEX_DIR": str(tmp / "index"),
        "ASSISTANT_DATA_DIR": str(tmp / "data"),
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**base, **values, "HF_HUB_OFFLINE": "1"}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(env["ASSISTANT_INDEX_DIR"]).parent,
    )


def test_ingest_then_nothing_to_do(env: dict[str, str]) -> None:
    first = run(env, "ingest")
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout and "chunks embedded" in first.stdout
    second = run(env, "ingest")
    assert second.returncode == 0 and "up to date" in second.stdout


def test_ask_json_has_the_documented_fields(env: dict[str, str]) -> None:
    result = run(env, "ask", "--json", "How many people used the CBP One app?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] is False and "547,000" in answer["text"]
    assert {"n", "chunk_id", "doc_id", "title", "date", "quote"} <= set(answer["citations"][0])
    assert {"chunk_id", "doc_id", "text", "score"} <= set(answer["hits"][0])


def test_ask_prints_numbered_sources_and_uses_history(env: dict[str, str], tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "What did Canada commit to?"},
                {
                    "role": "assistant",
                    "content": "Canada confirmed it will receive UNHCR referrals.",
                },
            ]
        )
    )
    result = run(env, "ask", "--history", str(history), "And how much money over what period?")
    assert result.returncode == 0, result.stderr
    assert "C$75 million" in result.stdout and "[1]" in result.stdout
    assert "searched for:" in result.stdout and "Sources:" in result.stdout


def test_docs_add_rejects_a_bad_file_by_name(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"this is not a pdf")
    result = run(env, "docs", "add", str(bad))
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "Traceback" not in result.stderr
    assert not (Path(env["ASSISTANT_CORPUS_DIR"]) / "broken.pdf").exists()


@pytest.mark.parametrize(
    ("args", "extra_env", "message"),
    [
        (["ask", "   "], {}, "type a question"),
        (["ask", "--history", "/nonexistent.json", "Why?"], {}, "No such file"),
        (["docs", "remove", "nope.txt"], {}, "no document"),
        (["ingest"], {"ASSISTANT_CHUNK_OVERLAP_TOKENS": "500"}, "chunk_overlap_tokens"),
        (["ingest"], {"ASSISTANT_CORPUS_DIR": "/nonexistent/corpus"}, "does not exist"),
    ],
)
def test_user_errors_are_one_line(
    env: dict[str, str], args: list[str], extra_env: dict[str, str], message: str
) -> None:
    result = run({**env, **extra_env}, *args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_llm_falls_back_without_showing_its_secrets(env: dict[str, str]) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://user:s3cret@127.0.0.1:{port}/v1?api_key=k3y#frag"
    llm = {**env, "ASSISTANT_LLM_BASE_URL": url, "ASSISTANT_LLM_MAX_RETRIES": "0"}
    for args in (("ask", "How many people used the CBP One app?"), ("ask", "--json", "Who?")):
        result = run(llm, *args)
        assert result.returncode == 0, result.stderr
        shown = result.stdout + result.stderr
        assert f"127.0.0.1:{port}/v1" in shown and "could not be reached" in shown
        assert "s3cret" not in shown and "k3y" not in shown and "frag" not in shown


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a user error prints: exit 2, no traceback, nothing else on stderr."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and len(line) < 300, line
    return line


def test_docs_remove_takes_a_document_id_only(env: dict[str, str]) -> None:
    corpus = Path(env["ASSISTANT_CORPUS_DIR"])
    [sidecar] = corpus.glob("*.meta.yaml")
    document = sidecar.name.removesuffix(".meta.yaml")
    line = one_error_line(run(env, "docs", "remove", sidecar.name))
    assert "is a metadata sidecar, not a document" in line and f"remove '{document}'" in line
    assert sidecar.is_file()  # nothing was deleted
    outside = Path(env["ASSISTANT_DATA_DIR"]).parent / "outside.txt"
    outside.write_text("not in the corpus")
    for doc_id in ("../../etc/passwd", "/etc/passwd", "../outside.txt", str(outside), "a" * 300):
        line = one_error_line(run(env, "docs", "remove", doc_id))
        assert "is not a document id" in line, line
    assert outside.is_file()
    listed = run(env, "docs", "list")
    assert document in listed.stdout  # the document is still indexed


def history_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "history.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested 100,000 levels deep"),
        (
            json.dumps([{"role": "user", "content": "What about Canada? " * 47_000}]),
            "the limit is",
        ),
        (json.dumps([{"role": "user", "content": 42}]), "turn 0's content is a number"),
        (json.dumps([{"role": "user", "content": ["a", "list"]}]), "nested 3 levels deep"),
        (json.dumps([{"role": "user", "content": "Why?"}] * 500), "500 turns; the limit is"),
        (json.dumps({"role": "user", "content": "Why?"}), "got a JSON object"),
        ("[{]", "not valid JSON"),
    ],
    ids=["deep", "900kB", "number", "list", "turns", "object", "invalid"],
)
def test_a_bad_history_is_one_line(
    env: dict[str, str], tmp_path: Path, history: str, message: str
) -> None:
    path = history_file(tmp_path, history)
    line = one_error_line(run(env, "ask", "--history", path, "And how much?"))
    assert message in line, line


def test_a_long_history_is_cut_and_the_query_stays_short(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Within the limits, a long earlier question carries at most 300 characters of its
    words into the follow-up's query."""
    words = " ".join(f"Canada{i} refugees{i} commitment{i}" for i in range(60))
    earlier = [{"role": "user", "content": f"What did {words} commit to?"}]
    path = history_file(tmp_path, json.dumps(earlier))
    result = run(env, "ask", "--json", "--history", path, "And how much money?")
    assert result.returncode == 0, result.stderr
    query = json.loads(result.stdout)["query"]
    assert query.startswith("And how much money?") and len(query) < 400


def test_a_bad_collection_name_is_one_line(env: dict[str, str]) -> None:
    line = one_error_line(run({**env, "ASSISTANT_COLLECTION": "a/b c!"}, "docs", "list"))
    assert line.startswith("error: setting ASSISTANT_COLLECTION:") and "'a/b c!'" in line


def test_a_long_file_name_is_added_shortened_or_refused_in_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    """254 characters: the file exists but a corpus name that long would leave no room for its
    sidecar's name, so it is added under a shortened name; 256: the name itself is too long
    for the file system. Neither shows a traceback, no corpus name passes 240 bytes."""
    fits = tmp_path / ("a" * 251 + ".md")
    fits.write_text("# A note\n\nA short note about nothing.\n", encoding="utf-8")
    result = run(env, "docs", "add", str(fits))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    names = [
        p.name for p in Path(env["ASSISTANT_CORPUS_DIR"]).iterdir() if p.name.startswith("aaa")
    ]
    assert names and all(n.endswith(".md") and len(n.encode()) <= 240 for n in names)
    too_long = tmp_path / ("b" * 256 + ".md")
    result = run(env, "docs", "add", str(too_long))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert line.endswith("File name too long") and len(line) < 300
    line = one_error_line(run(env, "ask", "--history", str(too_long), "Why?"))
    assert line.endswith("File name too long")
    assert not any(len(p.name) > 240 for p in Path(env["ASSISTANT_CORPUS_DIR"]).iterdir())


def test_a_closed_pipe_ends_a_command_quietly() -> None:
    """`assistant ask ... | head`: no traceback when the reader stops reading."""
    script = (
        "import sys\nfrom assistant.errors import run_for_user\n"
        "def run():\n    for _ in range(100000):\n        print('x' * 100)\n"
        "sys.exit(run_for_user(run))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_bytes_that_are_not_utf8_in_a_question_or_document_id_are_one_line(
    env: dict[str, str],
) -> None:
    """`assistant ask "$(printf 'How \\xff many')"`: Python reads the byte as a lone surrogate,
    which can be neither searched nor printed; one line, not a traceback (issue 24, hole 6)."""
    assert run(env, "ingest").returncode == 0
    command = [sys.executable, "-m", "assistant", "ask"]
    for args in ([b"How \xff many people used CBP One?"], [b"--doc", b"x\xff.txt", b"Why?"]):
        result = subprocess.run(
            [*command, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(env["ASSISTANT_INDEX_DIR"]).parent,
        )
        line = one_error_line(result)
        assert "is not valid text" in line and "UTF-8" in line, line
