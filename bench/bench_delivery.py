"""Full-analysis speed (with each stage's share) and how many inserted fillers the transcript keeps.

Run: ``.venv/bin/python bench/bench_delivery.py`` (needs espeak-ng and sox; writes
bench/results/delivery.{md,json}). Targets (issue 4): a 15 s answer within 2 s and a 60 s
recording within 8 s on this 2-core machine, models loaded once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
SENTENCES = [
    "In my last role I managed the migration of our customer database to a new platform.",
    "The project had a tight deadline and a small budget.",
    "I split the work into weekly goals and kept the whole team informed.",
    "We finished two days early with no data lost.",
    "What I learned is that clear communication matters more than clever code.",
]
FILLER_SENTENCES = [
    "Um, I think my main strength is, uh, communication.",
    "Uh, when a project slips, um, I tell people early.",
    "I, um, like to plan the week on Monday, uh, and review it on Friday.",
    "Hmm, the hardest part was, um, the data migration.",
]


def speak(text: str, path: Path, *, rate: int) -> None:
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(path)], check=True)


def answer_of(seconds: float, tmp: Path) -> Path:
    """Speech of about ``seconds`` seconds (sentences repeated, then cut)."""
    text = " ".join(SENTENCES * (1 + int(seconds // 15)))
    full, cut = tmp / f"full{seconds}.wav", tmp / f"answer{seconds}.wav"
    speak(text, full, rate=150)
    subprocess.run(["sox", str(full), str(cut), "trim", "0", str(seconds)], check=True)
    return cut


def main() -> None:
    import emovoice
    from emovoice.analysis.api import get_transcriber
    from emovoice.analysis.emotion import get_model

    tmp = Path(tempfile.mkdtemp())
    model, transcriber = get_model(), get_transcriber()
    transcriber.load()
    emovoice.analyze(str(answer_of(5, tmp)), model=model, transcriber=transcriber)  # warm-up
    speed = {}
    for seconds, target in ((15, 2.0), (60, 8.0)):
        path = answer_of(seconds, tmp)
        runs, stages = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            report = emovoice.analyze(str(path), model=model, transcriber=transcriber)
            runs.append(time.perf_counter() - t0)
            stages.append(report.timings_s)
        median = statistics.median(runs)
        mean_stages = {k: statistics.mean(s[k] for s in stages) for k in stages[0]}
        total_stages = sum(mean_stages.values())
        speed[f"{seconds}s"] = {
            "median_s": round(median, 3), "target_s": target, "met": median < target,
            "real_time_factor": round(median / seconds, 4),
            "stage_share": {k: round(v / total_stages, 3) for k, v in mean_stages.items()},
            "stage_s": {k: round(v, 3) for k, v in mean_stages.items()},
        }
    inserted = kept = 0
    per_clip = []
    for i, sentence in enumerate(FILLER_SENTENCES):
        path = tmp / f"fillers{i}.wav"
        speak(sentence, path, rate=140)
        truth = len(re.findall(r"\b(um|uh|hmm)\b", sentence.lower()))
        found = emovoice.analyze(str(path), model=model, transcriber=transcriber)["fillers"]["count"]
        inserted += truth
        kept += min(found, truth)
        per_clip.append({"text": sentence, "inserted": truth, "found": found})
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python bench/bench_delivery.py",
        "speech": "espeak-ng en-us, 150 words/min, 16 kHz",
        "speed": speed,
        "fillers": {"inserted": inserted, "kept": kept, "kept_fraction": round(kept / inserted, 3),
                    "clips": per_clip},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "delivery.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# Full analysis: speed and filler retention", "",
             f"Command: `{result['command']}`  ", f"Date: {result['date']}  ", f"Machine: {result['machine']}  ",
             f"Speech: {result['speech']}; models loaded once.", "",
             "| recording | median | target | met | RTF | stage shares |", "|---|---|---|---|---|---|"]
    for name, row in speed.items():
        shares = ", ".join(f"{k} {100 * v:.0f} %" for k, v in row["stage_share"].items())
        lines.append(f"| {name} | {row['median_s']:.2f} s | < {row['target_s']:.0f} s | "
                     f"{'yes' if row['met'] else 'no'} | {row['real_time_factor']:.3f} | {shares} |")
    f = result["fillers"]
    lines += ["", f"Fillers inserted in {len(per_clip)} synthetic answers: {f['inserted']}; kept in the "
              f"transcript: {f['kept']} ({100 * f['kept_fraction']:.0f} %).", ""]
    lines += [f"- \"{c['text']}\": {c['found']} of {c['inserted']}" for c in per_clip]
    (RESULTS / "delivery.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
