"""Times the simulator and measures its peak memory, for `joinedup bench simulate`."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from joinedup_lab.simulate.generate import SimulationConfig, generate


def run(children: int, years: int, seed: int, out_dir: Path | None) -> dict[str, float | int]:
    """Generates an authority and reports size, wall-clock seconds, peak RSS (MB) and referrals a month."""
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-") as tmp:
        target = Path(out_dir) if out_dir is not None else Path(tmp)
        t0 = time.perf_counter()
        summary = generate(
            SimulationConfig(children=children, years=years, seed=seed), target, progress=False
        )
        seconds = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = rss_kb / (1024 * 1024) if sys.platform == "darwin" else rss_kb / 1024
    return {
        "children": children,
        "years": years,
        "records": summary.records,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "referrals_per_month": summary.referrals_per_month,
    }


if __name__ == "__main__":  # pragma: no cover - manual use: python -m joinedup_lab.benches.simulate 70000 3 1
    args = [int(a) for a in sys.argv[1:4]] or [70000, 3, 1]
    print(run(args[0], args[1], args[2], None))
