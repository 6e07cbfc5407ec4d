"""Emotion of a recording, second by second."""

from __future__ import annotations

import numpy as np

from emovoice.analysis.report import BaselineInfo, EmotionReport, Reference, Segment
from emovoice.audio import SAMPLE_RATE
from emovoice.features.baseline import Baseline
from emovoice.features.chunks import chunk_times
from emovoice.labels import EMOTIONS
from emovoice.models.emotion import EmotionModel


def _as_dict(probs: np.ndarray) -> dict[str, float]:
    return {label: round(float(p), 4) for label, p in zip(EMOTIONS, probs, strict=True)}


def per_second(window_probs: np.ndarray, window_times: np.ndarray, duration_s: float) -> np.ndarray:
    """Probabilities of each whole second: the mean of the windows overlapping it.

    Parameters
    ----------
    window_probs : np.ndarray, shape (n_windows, n_classes)
    window_times : np.ndarray, shape (n_windows, 2)
        Start and end of each window in seconds.
    duration_s : float

    Returns
    -------
    np.ndarray, shape (ceil(duration_s), n_classes)
    """
    n_seconds = max(1, int(np.ceil(duration_s - 1e-9)))
    out = np.zeros((n_seconds, window_probs.shape[1]))
    for second in range(n_seconds):
        lo, hi = second, min(second + 1.0, duration_s)
        overlap = (window_times[:, 0] < hi) & (window_times[:, 1] > lo)
        out[second] = window_probs[overlap].mean(axis=0) if overlap.any() else window_probs.mean(axis=0)
    return out


def analyze_wave(wave: np.ndarray, *, model: EmotionModel, name: str | None = None,
                 baseline: Baseline | None = None) -> EmotionReport:
    """Emotion report of validated 16 kHz mono audio, heard against ``baseline`` (the speaker's
    own) or, for a baseline-relative model without one, against its population baseline."""
    window_probs = model.window_probabilities(wave, baseline=baseline)
    duration = wave.size / SAMPLE_RATE
    times = chunk_times(wave.size, sample_rate=SAMPLE_RATE)
    overall = window_probs.mean(axis=0)
    seconds = per_second(window_probs, times, duration)
    timeline = [Segment(start=float(i), end=round(min(i + 1.0, duration), 3),
                        emotion=EMOTIONS[int(np.argmax(p))], probabilities=_as_dict(p))
                for i, p in enumerate(seconds)]
    return EmotionReport(file=name, duration_s=round(duration, 3), emotion=EMOTIONS[int(np.argmax(overall))],
                         probabilities=_as_dict(overall), timeline=timeline,
                         reference=Reference(model.reference(baseline)),
                         baseline=BaselineInfo(**baseline.describe()) if baseline is not None else None)
