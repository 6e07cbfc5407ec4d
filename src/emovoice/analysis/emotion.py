"""Emotion of a recording, second by second."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emovoice import thresholds as th
from emovoice.audio.io import (
    DEFAULT_LIMITS,
    SAMPLE_RATE,
    AudioSource,
    DecodedAudio,
    Limits,
    load_array,
    load_audio,
)
from emovoice.errors import ParameterError
from emovoice.features.chunks import chunk_times
from emovoice.labels import EMOTIONS
from emovoice.models.emotion import EmotionModel


@dataclass
class Segment:
    """One second of the timeline."""

    start: float
    end: float
    emotion: str
    probabilities: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "emotion": self.emotion,
                "probabilities": self.probabilities}


@dataclass(frozen=True)
class Confidence:
    """How sure the model is of a recording's dominant emotion.

    Attributes
    ----------
    top : float
        The dominant emotion's (calibrated) mean probability.
    margin : float
        Its lead over the second most probable emotion.
    level : str
        ``"confident"`` (top >= EMOTION_CONFIDENT_P and margin >=
        EMOTION_CONFIDENT_MARGIN), ``"unsure"`` (top < EMOTION_UNSURE_P) or
        ``"tentative"`` (in between); thresholds in :mod:`emovoice.thresholds`.
    runner_up : str
        The second most probable emotion.
    """

    top: float
    margin: float
    level: str
    runner_up: str

    @classmethod
    def of(cls, probabilities: dict[str, float]) -> Confidence:
        ranked = sorted(probabilities.items(), key=lambda kv: -kv[1])
        (_, top), (second_label, second) = ranked[0], ranked[1]
        margin = top - second
        if top >= th.EMOTION_CONFIDENT_P and margin >= th.EMOTION_CONFIDENT_MARGIN:
            level = "confident"
        elif top < th.EMOTION_UNSURE_P:
            level = "unsure"
        else:
            level = "tentative"
        return cls(top=round(top, 4), margin=round(margin, 4), level=level, runner_up=second_label)

    def to_dict(self) -> dict[str, Any]:
        return {"top": self.top, "margin": self.margin, "level": self.level, "runner_up": self.runner_up}


@dataclass
class EmotionReport:
    """What the emotion model heard in one recording.

    Attributes
    ----------
    file : str or None
    duration_s : float
    emotion : str
        The emotion with the highest mean probability.
    probabilities : dict of str to float
        Mean probability of each of the 8 emotions over the windows.
    timeline : list of Segment
        One entry per second (the last may be shorter).
    confidence : Confidence
        How sure the model is of ``emotion``.
    """

    file: str | None
    duration_s: float
    emotion: str
    probabilities: dict[str, float]
    timeline: list[Segment] = field(default_factory=list)

    @property
    def confidence(self) -> Confidence:
        return Confidence.of(self.probabilities)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "duration_s": self.duration_s, "emotion": self.emotion,
                "probabilities": self.probabilities, "confidence": self.confidence.to_dict(),
                "timeline": [s.to_dict() for s in self.timeline]}


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


def analyze_wave(wave: np.ndarray, *, model: EmotionModel, name: str | None = None) -> EmotionReport:
    """Emotion report of validated 16 kHz mono audio."""
    window_probs = model.window_probabilities(wave)
    duration = wave.size / SAMPLE_RATE
    times = chunk_times(wave.size, sample_rate=SAMPLE_RATE)
    overall = window_probs.mean(axis=0)
    seconds = per_second(window_probs, times, duration)
    timeline = [Segment(start=float(i), end=round(min(i + 1.0, duration), 3),
                        emotion=EMOTIONS[int(np.argmax(p))], probabilities=_as_dict(p))
                for i, p in enumerate(seconds)]
    return EmotionReport(file=name, duration_s=round(duration, 3), emotion=EMOTIONS[int(np.argmax(overall))],
                         probabilities=_as_dict(overall), timeline=timeline)


_MODEL_CACHE: dict[str, EmotionModel] = {}


def get_model(path: str | Path | None = None) -> EmotionModel:
    """Load an emotion model once per process and reuse it."""
    key = str(path)
    if key not in _MODEL_CACHE:
        _MODEL_CACHE[key] = EmotionModel.load(path)
    return _MODEL_CACHE[key]


def prepare(source: AudioSource | np.ndarray, *, sample_rate: int | None = None,
            limits: Limits = DEFAULT_LIMITS) -> tuple[DecodedAudio, str | None]:
    """Decode (or convert) and validate ``source``; return 16 kHz mono audio and a name.

    An array is mono ``(n_samples,)`` or 2-D with channels on its shorter axis,
    float in [-1, 1] or integer PCM, and needs ``sample_rate``; files carry
    their own rate.
    """
    if isinstance(source, (np.ndarray, list, tuple)):
        if sample_rate is None:
            raise ParameterError("an array needs sample_rate= (in Hz)")
        wave = load_array(source, sample_rate=sample_rate, limits=limits)
        return DecodedAudio(samples=wave, sample_rate=SAMPLE_RATE), None
    if sample_rate is not None:
        raise ParameterError("sample_rate= applies to arrays only; files carry their own")
    name = str(source) if isinstance(source, (str, os.PathLike)) else None
    return load_audio(source, limits=limits), name
