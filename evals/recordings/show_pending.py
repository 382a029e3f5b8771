"""Print the prompts of a recording that have no reply yet, one block each, for the reader who
writes the replies (evals/recordings/BRIEF-replies.md).

    python evals/recordings/show_pending.py evals/recordings/public [--part 1/3]

The system message is printed once at the top when every pending prompt shares it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.evaluation.recorded import Recordings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--part", default="1/1", help="this share of the pending prompts: i/n")
    args = parser.parse_args(argv)
    i, n = (int(x) for x in args.part.split("/"))
    rec = Recordings.open(args.folder)
    pending = set(rec.pending())
    keys = [k for k in list(rec.prompts)[i - 1 :: n] if k in pending]  # shares of all prompts
    systems = {m["content"] for k in keys for m in rec.prompts[k] if m["role"] == "system"}
    shared = len(systems) == 1
    if shared:
        print(f"=== THE SYSTEM MESSAGE OF EVERY PROMPT BELOW ===\n{systems.pop()}\n")
    for key in keys:
        print(f"=== PROMPT {key} ===")
        for message in rec.prompts[key]:
            if shared and message["role"] == "system":
                continue
            print(f"[{message['role']}]\n{message['content']}\n")
    print(f"({len(keys)} prompts)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
