"""Peak memory of one full analysis (decode, emotion, transcript, delivery) by answer length, and
whether a run of long answers creeps.

Run: ``.venv/bin/python bench/bench_memory.py`` (writes bench/results/memory.{md,json}).
Target (issue 16): a 300 s answer's peak at most 1.5x a 30 s answer's; four 300 s answers in a
row in one process leave the resident size flat (within 10 %). Each length runs in a fresh
process (peak RSS is per process), on real speech: RAVDESS clips laid end to end, as FLAC.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import machine

RESULTS = Path(__file__).parent / "results"
LENGTHS_S = (30, 120, 300)
RUN = """
import resource, sys
sys.path.insert(0, {bench!r})
from bench_speed import speech
import soundfile as sf
import emovoice
path = {path!r}
sf.write(path, speech({seconds}), 16_000, format="FLAC")
analyzer = emovoice.Analyzer()
analyzer.warm_up()
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * {page} / 2**20

after = []
for _ in range({repeats}):
    analyzer.analyze(path)
    after.append(round(resident(), 1))
print(loaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, *after)
"""


def measure(seconds: int, repeats: int, tmp: Path) -> dict[str, object]:
    code = RUN.format(bench=str(Path(__file__).parent), path=str(tmp / f"answer-{seconds}.flac"), seconds=seconds,
                      repeats=repeats, page=os.sysconf("SC_PAGE_SIZE"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    loaded, peak, *after = map(float, out)
    return {"seconds": seconds, "loaded_mb": round(loaded), "peak_mb": round(peak),
            "analysis_mb": round(peak - loaded), "resident_after_each_mb": after}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(s, 1, Path(tmp)) for s in LENGTHS_S]
        creep = measure(300, 4, Path(tmp))
    by = {r["seconds"]: r for r in rows}
    ratio = by[300]["peak_mb"] / by[30]["peak_mb"]
    after = creep["resident_after_each_mb"]
    drift = after[-1] / after[0]
    result = {"date": dt.date.today().isoformat(), "machine": machine.describe(),
              "lengths": rows, "peak_ratio_300_30": round(ratio, 2), "creep": creep,
              "resident_last_over_first": round(drift, 3)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# Memory of one full analysis", "",
             f"{result['date']}, {result['machine']}; `.venv/bin/python bench/bench_memory.py`. One fresh process per "
             "length; real speech (RAVDESS clips end to end) as FLAC, decoded, analysed with transcript and delivery.",
             "", "| answer | peak RSS | of which the analysis (peak less the loaded models) |", "|---|---|---|"]
    lines += [f"| {r['seconds']} s | {r['peak_mb']} MB | {r['analysis_mb']} MB |" for r in rows]
    lines += ["", f"**300 s peak / 30 s peak: {ratio:.2f}x** (target at most 1.5x).", "",
              f"Four 300 s answers in a row in one process, resident size after each: "
              f"{', '.join(f'{v:.0f}' for v in after)} MB; last / first {drift:.3f} (target within 1.10)."]
    machine.publish(RESULTS / "memory.md", lines)


if __name__ == "__main__":
    main()
