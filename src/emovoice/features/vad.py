"""Voice activity detection: where in a recording someone is speaking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emovoice.errors import ParameterError

FRAME_S = 0.03
VAD_LEVEL_DBFS = -20.0
"""The level (RMS of the loudest 30 ms frame) a quiet recording is raised to before WebRTC's detector."""


@dataclass(frozen=True)
class Region:
    """A stretch of speech, in seconds."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_frames(wave: np.ndarray, *, sample_rate: int = 16_000, aggressiveness: int = 2,
                  floor_db: float = 40.0) -> np.ndarray:
    """Per-30 ms-frame speech decisions.

    A frame is speech when WebRTC's VAD says so and its energy is within
    ``floor_db`` of the loudest frame (which keeps steady background noise out).

    Returns
    -------
    np.ndarray, shape (n_samples // 480,), dtype bool
    """
    import webrtcvad

    if sample_rate != 16_000:
        raise ParameterError("voice activity detection expects 16 kHz audio")
    if not 0 <= aggressiveness <= 3:
        raise ParameterError("aggressiveness must be 0..3")
    hop = int(FRAME_S * sample_rate)
    n = wave.size // hop
    if n == 0:
        return np.zeros(0, dtype=bool)
    frames = np.asarray(wave[: n * hop], dtype=np.float32).reshape(n, hop)
    energy = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    loud_enough = energy >= energy.max() - floor_db
    # WebRTC's detector has fixed energy thresholds and misses quiet speech (a RAVDESS clip peaking
    # at -31 dBFS lost its first word): a quiet recording is raised, by at most 40 dB, until its
    # loudest frame is at VAD_LEVEL_DBFS, so the decision does not depend on the recording level.
    gain_db = float(np.clip(VAD_LEVEL_DBFS - energy.max(), 0.0, 40.0))
    pcm = (np.clip(frames * np.float32(10 ** (gain_db / 20)), -1, 1) * 32767).astype("<i2")
    vad = webrtcvad.Vad(aggressiveness)
    voiced = np.array([vad.is_speech(f.tobytes(), sample_rate) for f in pcm])
    return np.asarray(voiced & loud_enough)


def speech_regions(wave: np.ndarray, *, sample_rate: int = 16_000, min_gap_s: float = 0.25,
                   min_speech_s: float = 0.12, aggressiveness: int = 2) -> list[Region]:
    """Speech regions, with gaps shorter than ``min_gap_s`` bridged and blips
    shorter than ``min_speech_s`` dropped.

    Returns
    -------
    list of Region
        In time order, not overlapping.
    """
    voiced = speech_frames(wave, sample_rate=sample_rate, aggressiveness=aggressiveness)
    regions: list[list[float]] = []
    for i, is_speech in enumerate(voiced):
        if not is_speech:
            continue
        start, end = i * FRAME_S, (i + 1) * FRAME_S
        if regions and start - regions[-1][1] < min_gap_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return [Region(round(s, 3), round(e, 3)) for s, e in regions if e - s >= min_speech_s]
