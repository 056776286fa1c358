"""Peak memory (RSS) of a full re-grade, run as a child process.

    python bench/memory.py --database postgresql://postgres@127.0.0.1:5432/qc_l
    python bench/memory.py --database … --skip-unchanged     # the default re-grade instead

By default ``qcredit grade --force``: every subject graded and written, the worst case (a plain
``qcredit grade`` skips the enterprises whose inputs did not change and holds even less).

``qcredit grade`` streams: it holds the list of enterprise ids and one chunk of 500 enterprises
(their products, events and assessments) at a time, so its peak should not grow with the size of
the database beyond the id list (8 bytes a row in a Python int list: about 28 MB at 500,000).
Run it at S and M and compare; run it at L if you have the hours to generate L.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import parser


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--skip-unchanged", action="store_true", help="without --force")
    p.add_argument("--jobs", type=int, default=1, help="qcredit grade --jobs N")
    args = p.parse_args()
    qcredit = str(Path(sys.executable).with_name("qcredit"))
    command = [qcredit, "grade", "--database", args.database, "--jobs", str(args.jobs)]
    command += [] if args.skip_unchanged else ["--force"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    took = time.perf_counter() - started
    # The largest of the process and its workers (getrusage reports the maximum, not a sum).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{' '.join(command[1:])}: {took:.1f}s, peak RSS {peak:.0f} MiB (≤ 1024 MiB target)")


if __name__ == "__main__":
    main()
