"""Every estimation benchmark in one run: LCMCR, the log-linear model search, DGA.

    python benchmarks/estimate.py

Runs each estimator's own benchmark script (each prints its figures and the ratio to
the R reference timings in tests/data/mse/reference_estimates.csv). Run them one at a
time for fewer figures: benchmarks/estimate_lcmcr.py, estimate_loglinear.py,
estimate_dga.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PARTS = ("estimate_lcmcr.py", "estimate_loglinear.py", "estimate_dga.py")


def main() -> None:
    failed = []
    for part in PARTS:
        print(f"\n=== {part} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / part)]).returncode:
            failed.append(part)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
