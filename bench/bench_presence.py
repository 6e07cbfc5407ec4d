"""No real speech refused: the speech check over every clip of RAVDESS and TESS, and over sounds
that are not speech.

Run: ``.venv/bin/python bench/bench_presence.py`` (writes bench/results/presence.{md,json}).
Target (issue 14): every clip of RAVDESS and TESS passes the speech check; tones, hum, noise,
DC and silence are still refused.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from emovoice.audio import SAMPLE_RATE, decode
from emovoice.datasets import ravdess, tess
from emovoice.features.presence import pitch_track, speech_presence
from emovoice.features.vad import speech_regions

sys.path.insert(0, str(Path(__file__).parent))
import machine

RESULTS = Path(__file__).parent / "results"


def check(wave: np.ndarray) -> tuple[bool, str | None, float, float]:
    presence = speech_presence(wave, regions=speech_regions(wave), track=pitch_track(wave))
    return presence.found, presence.reason, presence.voiced_speech_s, presence.pitch_spread_st


def not_speech() -> dict[str, np.ndarray]:
    """Sounds the check must refuse, 3 s each at 16 kHz."""
    rng = np.random.default_rng(0)
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    beep = np.where((t % 0.5) < 0.25, 0.3 * np.sin(2 * np.pi * 440 * t), 0.0)
    return {
        "silence": np.zeros_like(t),
        "tone 220 Hz": 0.3 * np.sin(2 * np.pi * 220 * t),
        "beeping tone 440 Hz": beep,
        "mains hum 50 Hz + harmonics": sum(0.1 / k * np.sin(2 * np.pi * 50 * k * t) for k in range(1, 6)),
        "white noise": 0.1 * rng.standard_normal(t.size),
        "DC offset": np.full_like(t, 0.2),
    }


def main() -> None:
    rows = []
    for corpus, clips in (("RAVDESS", ravdess.load_clips()), ("TESS", tess.load_clips())):
        for clip in clips:
            found, reason, voiced, spread = check(decode(clip.path))
            rows.append({"corpus": corpus, "clip": clip.path.name, "found": found, "reason": reason,
                         "voiced_s": voiced, "pitch_spread_st": spread})
    refused = [r for r in rows if not r["found"]]
    others = {name: check(wave.astype(np.float32)) for name, wave in not_speech().items()}
    per_corpus = {c: {"clips": sum(r["corpus"] == c for r in rows),
                      "refused": sum(r["corpus"] == c and not r["found"] for r in rows)} for c in ("RAVDESS", "TESS")}
    spreads = np.array([r["pitch_spread_st"] for r in rows if r["voiced_s"] >= 1.0])
    result = {"date": dt.date.today().isoformat(), "machine": machine.describe(),
              "corpora": per_corpus, "refused": refused,
              "lowest_pitch_spread_st": float(spreads.min()),
              "not_speech": {name: {"refused": not found, "reason": reason} for name, (found, reason, _, _)
                             in others.items()}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "presence.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# The speech check on real speech and on sounds that are not speech", "",
             "Regenerate: `.venv/bin/python bench/bench_presence.py`  ",
             f"Date: {result['date']}", "",
             "| corpus | clips | refused |", "|---|---|---|"]
    lines += [f"| {c} | {v['clips']} | {v['refused']} |" for c, v in per_corpus.items()]
    lines += ["", f"Lowest pitch spread of a clip with at least 1 s of voicing: {spreads.min():.2f} semitones "
              "(the check refuses under `MIN_SPEECH_PITCH_SPREAD_ST`).", ""]
    if refused:
        lines += ["Refused real speech:", ""] + [f"- {r['corpus']} `{r['clip']}`: {r['reason']}" for r in refused]
    lines += ["", "| not speech | refused | why |", "|---|---|---|"]
    lines += [f"| {name} | {'yes' if not found else 'NO'} | {reason or ''} |"
              for name, (found, reason, _, _) in others.items()]
    met = not refused and all(not found for found, *_ in others.values())
    lines += ["", f"Target (every real clip passes, every other sound is refused): {'met' if met else 'NOT met'}."]
    machine.publish(RESULTS / "presence.md", lines)


if __name__ == "__main__":
    main()
