"""The library's front door: ``emovoice.analyze``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emovoice.analysis.delivery import Report, analyze_delivery
from emovoice.analysis.emotion import get_model, prepare
from emovoice.audio.io import DEFAULT_LIMITS, AudioSource, Limits
from emovoice.models.emotion import EmotionModel
from emovoice.models.transcriber import Transcriber

_TRANSCRIBERS: dict[str, Transcriber] = {}


def get_transcriber(model: str | None = None) -> Transcriber:
    """A transcriber per model, created once per process (loaded on first use)."""
    key = str(model)
    if key not in _TRANSCRIBERS:
        _TRANSCRIBERS[key] = Transcriber(model)
    return _TRANSCRIBERS[key]


def analyze(source: AudioSource | np.ndarray, sample_rate: int | None = None, *, delivery: bool = True,
            transcribe: bool = True, model: EmotionModel | str | Path | None = None,
            transcriber: Transcriber | str | None = None, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Analyse a recording: emotion second by second, and how it was delivered.

    Parameters
    ----------
    source : path, bytes, binary file or np.ndarray
        An audio file in any common format, or samples: mono ``(n_samples,)``
        or channels-last ``(n_samples, n_channels)``.
    sample_rate : int or None
        Sample rate of an array ``source`` in Hz (files carry their own).
    delivery : bool
        Also measure pace, fillers, pauses, pitch, loudness, voice quality and
        sentiment, and write tips. False gives the emotion report alone.
    transcribe : bool
        Run speech recognition (needed for pace, fillers and word sentiment).
    model : EmotionModel, path or None
        The emotion model (default: the shipped one, loaded once).
    transcriber : Transcriber, str or None
        A transcriber, or a Whisper model path/name (default: tiny.en).
    limits : Limits
        Duration and silence limits.

    Returns
    -------
    Report
        ``report.emotion``, ``report.probabilities``, ``report.timeline``;
        ``report.to_dict()`` is the JSON of ``emovoice analyze --json``.

    Raises
    ------
    emovoice.errors.AudioError
        Not audio, corrupt, empty, silent, too short or too long, or no speech in it
        (:class:`~emovoice.errors.NoSpeechError`).
    emovoice.errors.ParameterError
        An array without ``sample_rate``, or an argument of the wrong kind.
    """
    audio, name = prepare(source, sample_rate=sample_rate, limits=limits)
    emotion_model = model if isinstance(model, EmotionModel) else get_model(model)
    chosen: Transcriber | None = None
    if delivery and transcribe:
        chosen = transcriber if isinstance(transcriber, Transcriber) else get_transcriber(transcriber)
    return analyze_delivery(audio.samples, model=emotion_model, transcriber=chosen, name=name, delivery=delivery,
                            audio=audio)
