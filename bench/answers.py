"""Synthetic interview answers that resemble real ones, for the delivery benchmarks.

Each answer is spoken by espeak-ng (several voices and rates), sentence by
sentence, joined with pauses of natural length and a few long ones, a silent
start, and filler words at the start, in the middle and at the end of
sentences. The generator is seeded: the same call gives the same answer.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000
SENTENCES = [
    "In my last role I managed the migration of our customer database to a new platform.",
    "The project had a tight deadline and a small budget.",
    "I split the work into weekly goals and kept the whole team informed.",
    "We finished two days early with no data lost.",
    "What I learned is that clear communication matters more than clever code.",
    "I enjoy working with people who care about the quality of their work.",
    "When two colleagues disagreed about the design, I asked each of them to write down their reasons.",
    "We tested both ideas on a small sample and chose the faster one.",
    "My manager asked me to train the new members of the support team.",
    "I wrote a short guide and paired each newcomer with an experienced colleague.",
    "Within a month the number of escalated tickets had fallen by a third.",
    "I am applying because your company builds products that people use every day.",
    "I would like to grow into a role where I can lead a small team.",
    "My biggest weakness used to be saying yes to every request.",
    "Now I agree on priorities with my manager at the start of each week.",
    "Outside work I coach a youth football team on Saturday mornings.",
    "It taught me patience and how to give feedback that people can act on.",
    "In five years I hope to be an expert in data engineering.",
]
START_FILLERS = ["Um,", "Uh,", "Hmm,", "Um, so,"]
MIDDLE_FILLERS = ["um,", "uh,"]
END_FILLERS = ["and, uh, yeah.", "um, that's it."]
FILLER_WORDS = {"um", "uh", "hmm", "er", "ah"}
VOICES = [("en-us", 150), ("en-gb", 165), ("en-us+f3", 140), ("en-us+m3", 175)]


@dataclass(frozen=True)
class Answer:
    """One synthetic answer and what it contains."""

    name: str
    wave: np.ndarray
    text: str
    words: int
    fillers: int
    voice: str
    rate: int

    @property
    def duration_s(self) -> float:
        return self.wave.size / SAMPLE_RATE


def speak(text: str, *, voice: str, rate: int) -> np.ndarray:
    """espeak-ng speech of ``text`` as 16 kHz float32 (resampled by sox)."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)], check=True)
        wave, _ = sf.read(out, dtype="float32")
    return wave


def _with_fillers(sentence: str, rng: np.random.Generator) -> str:
    where = rng.choice(["start", "middle", "end", "none"], p=[0.3, 0.25, 0.15, 0.3])
    if where == "start":
        return f"{rng.choice(START_FILLERS)} {sentence[0].lower()}{sentence[1:]}"
    if where == "middle":
        words = sentence.split()
        cut = int(rng.integers(2, max(3, len(words) - 1)))
        return " ".join([*words[:cut], str(rng.choice(MIDDLE_FILLERS)), *words[cut:]])
    if where == "end":
        return sentence.rstrip(".") + ", " + str(rng.choice(END_FILLERS))
    return sentence


def count_fillers(text: str) -> int:
    return sum(1 for token in re.findall(r"[a-z']+", text.lower()) if token in FILLER_WORDS)


def make_answer(seconds: float, *, seed: int, voice: str | None = None, rate: int | None = None,
                name: str | None = None) -> Answer:
    """An answer of exactly ``seconds`` seconds: whole sentences, pauses, fillers.

    Parameters
    ----------
    seconds : float
    seed : int
        Chooses the voice (unless given), the sentences, the fillers and the pauses.
    """
    rng = np.random.default_rng(seed)
    if voice is None or rate is None:
        voice, rate = VOICES[seed % len(VOICES)]
    total = int(seconds * SAMPLE_RATE)
    lead = np.zeros(int(rng.uniform(0.4, 1.5) * SAMPLE_RATE), dtype=np.float32)
    pieces, texts, length = [lead], [], lead.size
    order = rng.permutation(len(SENTENCES))
    k = 0
    while True:
        sentence = _with_fillers(SENTENCES[order[k % len(order)]], rng)
        k += 1
        speech = speak(sentence, voice=voice, rate=rate)
        # a long pause now and then, otherwise a short breath
        pause_s = rng.uniform(1.2, 2.4) if rng.random() < 0.15 else rng.uniform(0.25, 0.7)
        pause = np.zeros(int(pause_s * SAMPLE_RATE), dtype=np.float32)
        if length + speech.size > total - int(0.3 * SAMPLE_RATE):
            break
        pieces += [speech, pause]
        texts.append(sentence)
        length += speech.size + pause.size
    wave = np.concatenate(pieces)[:total]
    wave = np.pad(wave, (0, total - wave.size))
    # a quiet room: -65 dBFS of noise so that pauses are not digital silence
    wave = wave + rng.normal(0, 10 ** (-65 / 20), wave.size).astype(np.float32)
    text = " ".join(texts)
    return Answer(name=name or f"{seconds:.0f}s", wave=wave.astype(np.float32), text=text,
                  words=len(re.findall(r"[A-Za-z']+", text)), fillers=count_fillers(text), voice=voice, rate=rate)
