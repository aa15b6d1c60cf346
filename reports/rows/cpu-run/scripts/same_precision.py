"""Whether this machine would go on with a work folder in the precision it computed in so far.

    python reports/rows/cpu-run/scripts/same_precision.py WORK

resume.sh runs it with the checkout's code before it starts the run's own (older) code,
whose pipeline does not check this: the reference run is bf16, and on a CPU without
native bf16 ``--precision auto`` gives fp32. Prints one JSON line (the precisions the
folder records, with how many files record each, and this machine's); on a mismatch it
also prints the refusal on stderr and exits 1.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from generators.errors import BenchInputError
from rmt_bench.work_precision import check_work_precision, work_precisions


def main(work: str) -> int:
    folder = Path(work)
    recorded = Counter(precision for _, precision in work_precisions(folder))
    try:
        check_work_precision(folder, override=False)  # the run's code takes no --precision
    except BenchInputError as error:
        print(json.dumps({"work": work, "recorded": recorded, "same": False}))
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"work": work, "recorded": recorded, "same": True}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} WORK")
    sys.exit(main(sys.argv[1]))
