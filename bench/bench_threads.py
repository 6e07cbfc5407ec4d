"""Threads for serving: faster-whisper and the emotion encoder on one thread or on all cores, and
how the voice-quality measures' shortcuts move their figures.

Run: ``.venv/bin/python bench/bench_threads.py`` (needs espeak-ng; reads RAVDESS and TESS from
``../shared/data``; writes bench/results/threads.{md,json}).

What it decides (issue 14, full-analysis speed):

- ``Transcriber(cpu_threads=1)``: plain faster-whisper (tiny.en, int8, beam 5, word timestamps) on
  one CTranslate2 thread against its default (one per core, at most 4), on the same answers;
- ``EmotionModel.load(threads=1)``: the shipped emotion analysis with its onnxruntime sessions on
  one thread against one per core;
- ``voice_quality``: the glottal pulses placed from the speech check's pitch track and HNR every
  40 ms, against Praat's ``To PointProcess (periodic, cc)`` and HNR every 20 ms (the previous
  measures): time, and how far jitter, shimmer and HNR move on real voices;
- Praat holds Python's lock: a pure-Python loop beside ``voice_quality`` against the same loop
  alone, which is why its part beside the transcriber is kept small.

Every time is a median of interleaved repeats in this one process; ratios, not seconds, are the
result, since machines here differ twofold.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import machine
from answers import make_answer

from emovoice.audio import decode
from emovoice.datasets import ravdess, tess

RESULTS = Path(__file__).parent / "results"
ANSWER_SEEDS = {15: (15, 16, 17), 60: (60, 61)}
REPEATS = 3
VOICE_CLIPS = {"RAVDESS": 48, "TESS": 24}
"""Real clips for the voice-quality comparison: two per RAVDESS actor, twelve per TESS actress."""
SEED = 0


def seconds(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleaved(variants: dict[str, Callable[[], object]], repeats: int = REPEATS) -> dict[str, float]:
    """Median seconds of each variant, the variants taking turns so that a slow moment hits all."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            times[name].append(seconds(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def transcription(answers: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    from emovoice.models.transcriber import Transcriber

    models = {threads: Transcriber(cpu_threads=threads).load() for threads in (1, 0)}  # 0: CTranslate2's default

    def plain(model: Any, wave: np.ndarray) -> Callable[[], object]:
        def run() -> object:
            segments, _ = model.transcribe(wave, language="en", beam_size=5, word_timestamps=True)
            return list(segments)
        return run

    for model in models.values():
        plain(model, next(iter(answers.values())))()  # warm
    out = {}
    for name, wave in answers.items():
        t = interleaved({"one_thread": plain(models[1], wave), "default": plain(models[0], wave)})
        out[name] = {"one_thread_s": round(t["one_thread"], 3), "default_s": round(t["default"], 3),
                     "ratio": round(t["one_thread"] / t["default"], 3)}
        print("faster-whisper", name, out[name], flush=True)
    return out


def emotion(answers: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    from emovoice.analysis.emotion import analyze_wave
    from emovoice.models.emotion import EmotionModel

    models = {"one_thread": EmotionModel.load(threads=1), "default": EmotionModel.load(threads=None)}
    for model in models.values():
        analyze_wave(next(iter(answers.values())), model=model)  # warm, and builds the encoder
    out = {}
    for name, wave in answers.items():
        t = interleaved({k: (lambda m=m, w=wave: analyze_wave(w, model=m)) for k, m in models.items()})
        out[name] = {"one_thread_s": round(t["one_thread"], 3), "default_s": round(t["default"], 3),
                     "ratio": round(t["one_thread"] / t["default"], 3)}
        print("emotion", name, out[name], flush=True)
    return out


def previous_voice_quality(wave: np.ndarray) -> tuple[float, float, float]:
    """The measures before this change: Praat's own pulses, HNR every 20 ms."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(wave, dtype=np.float64), sampling_frequency=16_000)
    points = call(sound, "To PointProcess (periodic, cc)", 60.0, 500.0)
    jitter = call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
    shimmer = call([sound, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    hnr = call(call(sound, "To Harmonicity (cc)", 0.02, 60.0, 0.1, 1.0), "Get mean", 0, 0)
    return 100 * jitter, 100 * shimmer, hnr


def voice_clips() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(SEED)
    out = []
    r_clips = ravdess.load_clips()
    per_actor = VOICE_CLIPS["RAVDESS"] // len({c.actor for c in r_clips})
    for actor in sorted({c.actor for c in r_clips}):
        own = [c for c in r_clips if c.actor == actor]
        out += [("RAVDESS", decode(own[int(k)].path)) for k in rng.choice(len(own), per_actor, replace=False)]
    t_clips = tess.load_clips()
    per_actress = VOICE_CLIPS["TESS"] // len({c.actress for c in t_clips})
    for actress in sorted({c.actress for c in t_clips}):
        own = [c for c in t_clips if c.actress == actress]
        out += [("TESS", decode(own[int(k)].path)) for k in rng.choice(len(own), per_actress, replace=False)]
    return out


def voice_quality_change(answers: dict[str, np.ndarray]) -> dict[str, object]:
    from emovoice.features.presence import pitch_track
    from emovoice.features.prosody import voice_quality

    figures: dict[str, dict[str, list[float]]] = {}
    for corpus, wave in voice_clips() + [("synthetic answers", w) for w in answers.values()]:
        before = previous_voice_quality(wave)
        now = voice_quality(wave, track=pitch_track(wave))
        rows = figures.setdefault(corpus, {"jitter_percent": [], "shimmer_percent": [], "hnr_db": []})
        for key, old, new in zip(rows, before, (now.jitter_percent, now.shimmer_percent, now.hnr_db), strict=True):
            if new is not None and np.isfinite(old):
                rows[key].append(abs(new - old))
    moved = {corpus: {key: {"median": round(float(np.median(v)), 3), "p90": round(float(np.percentile(v, 90)), 3),
                            "n": len(v)} for key, v in rows.items()} for corpus, rows in figures.items()}
    timing = {}
    for name, wave in answers.items():
        track = pitch_track(wave)  # the speech check made it already: not part of the new time
        t = interleaved({"now": lambda w=wave, tr=track: voice_quality(w, track=tr),
                         "before": lambda w=wave: previous_voice_quality(w)})
        timing[name] = {"now_s": round(t["now"], 3), "before_s": round(t["before"], 3),
                        "ratio": round(t["now"] / t["before"], 3)}
        print("voice quality", name, timing[name], flush=True)
    return {"moved": moved, "time": timing}


def praat_holds_the_lock(wave: np.ndarray) -> dict[str, float]:
    from emovoice.features.presence import pitch_track
    from emovoice.features.prosody import voice_quality

    track = pitch_track(wave)

    def loop() -> None:
        total = 0
        for i in range(2_000_000):
            total += i

    alone = statistics.median(seconds(loop) for _ in range(REPEATS))
    beside = []
    for _ in range(REPEATS):
        worker = threading.Thread(target=lambda: [voice_quality(wave, track=track) for _ in range(3)])
        worker.start()
        beside.append(seconds(loop))
        worker.join()
    return {"loop_alone_s": round(alone, 3), "loop_beside_voice_quality_s": round(statistics.median(beside), 3),
            "ratio": round(statistics.median(beside) / alone, 2)}


def main() -> None:
    answers = {f"{seconds}s-{'abc'[k]}": make_answer(seconds, seed=seed).wave
               for seconds, seeds in ANSWER_SEEDS.items() for k, seed in enumerate(seeds)}
    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine.describe(),
        "command": "python bench/bench_threads.py",
        "faster_whisper": transcription(answers),
        "emotion": emotion(answers),
        "voice_quality": voice_quality_change(answers),
        "praat_lock": praat_holds_the_lock(answers["15s-a"]),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "threads.json").write_text(json.dumps(result, indent=1) + "\n")
    write_markdown(result)


def write_markdown(result: dict) -> None:
    lines = ["# Threads for serving, and the voice-quality shortcuts", "",
             f"Command: `{result['command']}`  ", f"Date: {result['date']}  ", f"Machine: {result['machine']}", "",
             "Medians of 3 interleaved runs in one process. Answers: synthetic (espeak-ng, `bench/answers.py`).", "",
             "## faster-whisper (tiny.en, int8, beam 5, word timestamps): one CTranslate2 thread against its default",
             "", "| answer | one thread | default (one per core, at most 4) | ratio |", "|---|---|---|---|"]
    for name, row in result["faster_whisper"].items():
        lines.append(f"| {name} | {row['one_thread_s']:.2f} s | {row['default_s']:.2f} s | {row['ratio']:.2f} |")
    lines += ["", "## Emotion analysis (the shipped model, int8 encoder): onnxruntime on one thread against one "
              "per core", "", "| answer | one thread | one per core | ratio |", "|---|---|---|---|"]
    for name, row in result["emotion"].items():
        lines.append(f"| {name} | {row['one_thread_s']:.2f} s | {row['default_s']:.2f} s | {row['ratio']:.2f} |")
    vq = result["voice_quality"]
    lines += ["", "## Voice quality: pulses from the speech check's pitch track and HNR every 40 ms, against Praat's "
              "own pulses and HNR every 20 ms", "", "| answer | now | before | ratio |", "|---|---|---|---|"]
    for name, row in vq["time"].items():
        lines.append(f"| {name} | {row['now_s']:.3f} s | {row['before_s']:.3f} s | {row['ratio']:.2f} |")
    lines += ["", "How far the figures moved (absolute difference, median and 90th percentile over the clips):", "",
              "| voices | clips | jitter (%) | shimmer (%) | HNR (dB) |", "|---|---|---|---|---|"]
    for corpus, rows in vq["moved"].items():
        cells = " | ".join(f"{rows[k]['median']:.2f} / {rows[k]['p90']:.2f}"
                           for k in ("jitter_percent", "shimmer_percent", "hnr_db"))
        lines.append(f"| {corpus} | {rows['hnr_db']['n']} | {cells} |")
    lock = result["praat_lock"]
    lines += ["", f"Praat holds Python's lock: a pure-Python loop took {lock['loop_alone_s']:.3f} s alone and "
              f"{lock['loop_beside_voice_quality_s']:.3f} s beside `voice_quality` running in another thread "
              f"({lock['ratio']:.1f}×)."]
    machine.publish(RESULTS / "threads.md", lines)


if __name__ == "__main__":
    main()
