"""Transcript accuracy and speed of the transcriber's decoding settings, on real voices with known text.

Run: ``.venv/bin/python bench/bench_transcription.py`` (needs ``../shared/data`` for RAVDESS and
TESS, espeak-ng and sox for the synthetic answers; writes bench/results/transcription.{md,json}).

Each setting is the project's own :class:`~emovoice.models.transcriber.Transcriber` (filler prompt,
pause-cut segments, the guards against invented text) with the same loaded Whisper tiny.en model;
only the decoding differs. The voices:

- RAVDESS: 24 actors, each of their clips in a seeded sample of ``RAVDESS_PER_ACTOR``, all eight
  emotions; the text is one of two known sentences. Every clip of the copy in ``../shared/data`` is
  2.39 s long and often stops before its sentence does ("Kids are talking by the d..."), so a clip
  is scored against the prefix of its sentence (at least three words) nearest to what was heard:
  words left out or wrong inside the prefix still count, the words cut off with the audio do not.
- TESS: two actresses, a seeded sample of ``TESS_PER_SPEAKER`` clips each, all seven emotions;
  the text is "Say the word <word>".
- The synthetic answers of ``bench/bench_delivery.py`` (espeak-ng, with fillers and pauses), the
  only long speech here; their script is known.

Word error rate (jiwer) on lower-cased words without punctuation, digits spelled as words, and
fillers ("um", "uh", ...) left out of both sides: fillers are counted on their own, as fillers
kept of those spoken. Speed is the ratio of each setting's total time to beam 5's, in the same
process, the settings interleaved clip by clip.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import machine
from answers import FILLER_WORDS, make_answer

from emovoice.audio import decode
from emovoice.datasets import ravdess, tess
from emovoice.features.vad import speech_regions
from emovoice.models.transcriber import Transcriber

RESULTS = Path(__file__).parent / "results"
BEAMS = (5, 1)
RAVDESS_PER_ACTOR = 8
TESS_PER_SPEAKER = 60
SEED = 7
ANSWERS = {15: (15, 16, 17), 60: (60, 61, 62)}
RAVDESS_TEXT = {1: "Kids are talking by the door", 2: "Dogs are sitting by the door"}
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@dataclass(frozen=True)
class Item:
    """One recording and the words spoken in it."""

    corpus: str
    name: str
    wave: np.ndarray
    text: str


def words(text: str) -> list[str]:
    """Lower-cased words without punctuation, digits 0-10 spelled out, hyphens as spaces."""
    tokens = re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()
    return [NUMBERS[int(t)] if t.isdigit() and int(t) < len(NUMBERS) else t for t in tokens]


def reference(item: Item, heard: list[str]) -> list[str]:
    """The words ``item`` holds: for a RAVDESS clip, cut off with its audio, the prefix of its
    sentence (at least three words) nearest to ``heard``."""
    said = words(item.text)
    if item.corpus != "RAVDESS":
        return said
    prefixes = [said[:n] for n in range(3, len(said) + 1)]
    return min(prefixes, key=lambda prefix: (jiwer.wer(content(prefix), content(heard) or "-"), -len(prefix)))


def content(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if t not in FILLER_WORDS)


def fillers(tokens: list[str]) -> int:
    return sum(1 for t in tokens if t in FILLER_WORDS)


def items() -> list[Item]:
    rng = np.random.default_rng(SEED)
    out = []
    clips = ravdess.load_clips()
    for actor in sorted({c.actor for c in clips}):
        own = [c for c in clips if c.actor == actor]
        for k in rng.choice(len(own), size=RAVDESS_PER_ACTOR, replace=False):
            clip = own[int(k)]
            out.append(Item("RAVDESS", clip.path.name, decode(clip.path), RAVDESS_TEXT[clip.statement]))
    t_clips = tess.load_clips()
    for actress in sorted({c.actress for c in t_clips}):
        own = [c for c in t_clips if c.actress == actress]
        for k in rng.choice(len(own), size=TESS_PER_SPEAKER, replace=False):
            clip = own[int(k)]
            out.append(Item("TESS", clip.path.name, decode(clip.path), f"Say the word {clip.word}"))
    for seconds, seeds in ANSWERS.items():
        for k, seed in enumerate(seeds):
            answer = make_answer(seconds, seed=seed, name=f"{seconds}s-{'abc'[k]}")
            out.append(Item(f"synthetic {seconds} s", answer.name, answer.wave, answer.text))
    return out


def main() -> None:
    first = Transcriber(beam_size=BEAMS[0])
    model = first.load()
    transcribers = {BEAMS[0]: first}
    for beam in BEAMS[1:]:
        transcribers[beam] = Transcriber(beam_size=beam)
        transcribers[beam]._model = model  # the same loaded model
    recordings = items()
    warm = recordings[0].wave
    for transcriber in transcribers.values():
        transcriber.transcribe(warm, speech_regions(warm))
    heard: dict[int, list[str]] = {beam: [] for beam in BEAMS}
    seconds: dict[int, dict[str, float]] = {beam: {} for beam in BEAMS}
    retried: dict[int, int] = dict.fromkeys(BEAMS, 0)
    for item in recordings:
        regions = speech_regions(item.wave)
        for beam, transcriber in transcribers.items():
            t0 = time.perf_counter()
            transcript = transcriber.transcribe(item.wave, regions)
            spent = time.perf_counter() - t0
            seconds[beam][item.corpus] = seconds[beam].get(item.corpus, 0.0) + spent
            heard[beam].append(transcript.text)
            retried[beam] += transcript.retried_without_prompt
    corpora = sorted({item.corpus for item in recordings}, key=[i.corpus for i in recordings].index)
    settings = {}
    for beam in BEAMS:
        rows = {}
        for corpus in corpora:
            pairs = [(reference(item, words(text)), words(text))
                     for item, text in zip(recordings, heard[beam], strict=True) if item.corpus == corpus]
            rows[corpus] = {
                "clips": len(pairs),
                "wer": round(jiwer.wer([content(r) for r, _ in pairs], [content(h) for _, h in pairs]), 4),
                "exact": sum(content(r) == content(h) for r, h in pairs),
                "fillers_spoken": sum(fillers(r) for r, _ in pairs),
                "fillers_kept": sum(min(fillers(r), fillers(h)) for r, h in pairs),
                "seconds": round(seconds[beam][corpus], 2),
                "speed_ratio_to_beam5": round(seconds[beam][corpus] / seconds[BEAMS[0]][corpus], 3),
            }
        settings[f"beam {beam}"] = {"beam_size": beam, "retried_without_prompt": retried[beam], "corpora": rows}
    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine.describe(),
        "command": "python bench/bench_transcription.py",
        "model": first.name,
        "sample": {"ravdess_per_actor": RAVDESS_PER_ACTOR, "tess_per_speaker": TESS_PER_SPEAKER, "seed": SEED,
                   "synthetic_answers": {str(k): list(v) for k, v in ANSWERS.items()}},
        "settings": settings,
        "differences": [{"corpus": item.corpus, "clip": item.name, "said": item.text,
                         **{f"beam {beam}": heard[beam][i] for beam in BEAMS}}
                        for i, item in enumerate(recordings)
                        if len({content(words(heard[beam][i])) for beam in BEAMS}) > 1],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "transcription.json").write_text(json.dumps(result, indent=1) + "\n")
    write_markdown(result)


def write_markdown(result: dict) -> None:
    lines = ["# Transcription: decoding settings on real voices with known text", "",
             f"Command: `{result['command']}`  ", f"Date: {result['date']}  ", f"Machine: {result['machine']}  ",
             f"Model: {result['model']}, the project's transcriber (filler prompt, pause-cut segments, guards "
             "against invented text); only the beam differs.", "",
             "Word error rate on lower-cased words without punctuation, fillers left out of both sides and "
             "counted on their own. Speed: each setting's time over beam 5's, same process, interleaved. "
             "Every RAVDESS clip here is cut at 2.39 s, often before its sentence ends, so it is scored against "
             "the prefix of its sentence (at least three words) nearest to what was heard.", "",
             "| corpus | clips | setting | WER | exact | fillers kept | time | speed / beam 5 |",
             "|---|---|---|---|---|---|---|---|"]
    for name, setting in result["settings"].items():
        for corpus, row in setting["corpora"].items():
            kept = f"{row['fillers_kept']} of {row['fillers_spoken']}" if row["fillers_spoken"] else "none spoken"
            lines.append(f"| {corpus} | {row['clips']} | {name} | {100 * row['wer']:.1f} % | {row['exact']} | "
                         f"{kept} | {row['seconds']:.1f} s | {row['speed_ratio_to_beam5']:.2f} |")
    lines += ["", "Re-read without the filler prompt (the guard against invented text): "
              + ", ".join(f"{name}: {s['retried_without_prompt']}" for name, s in result["settings"].items()), "",
              f"## Clips where the settings heard different words ({len(result['differences'])})", ""]
    beams = list(result["settings"])
    lines += ["| corpus | clip | said | " + " | ".join(beams) + " |", "|---|---|---|" + "---|" * len(beams)]
    for row in result["differences"]:
        cells = [row[b].replace("|", "/") for b in beams]
        said = row["said"] if len(row["said"]) < 80 else row["said"][:77] + "..."
        cells = [c if len(c) < 80 else c[:77] + "..." for c in cells]
        lines.append(f"| {row['corpus']} | {row['clip']} | {said} | " + " | ".join(cells) + " |")
    (RESULTS / "transcription.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
