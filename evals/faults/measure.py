"""Measure the citation check on the fault set: `python evals/faults/measure.py [--misses]`.

Prints the share of supported sentences kept (target >= 0.98) and of injected faults removed
(target >= 0.95), per kind, and writes evals/faults/report.json. Exits 1 below a target.
Both are tuned on: the fault set is built from the public recordings the verifier was tuned on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from assistant.evaluation.faults import load_faults, score_faults  # noqa: E402

HERE = Path(__file__).resolve().parent
KEPT_TARGET, REMOVED_TARGET = 0.98, 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print every miss")
    args = parser.parse_args()
    report = score_faults(load_faults(HERE))
    print(f"supported sentences kept: {report.kept}/{report.supported} = {report.kept_share:.3f}")
    total = sum(report.faults.values())
    print(f"faults removed: {sum(report.removed.values())}/{total} = {report.removed_share:.3f}")
    for kind, n in report.faults.items():
        print(f"  {kind:9} {report.removed[kind]}/{n}")
    if args.misses:
        print("\n".join(report.misses))
    (HERE / "report.json").write_text(json.dumps(report.to_dict(), indent=1) + "\n")
    ok = report.kept_share >= KEPT_TARGET and report.removed_share >= REMOVED_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
