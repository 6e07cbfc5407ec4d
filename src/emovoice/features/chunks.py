"""Cutting a recording into the fixed-length windows every model reads."""

from __future__ import annotations

import numpy as np

from emovoice.errors import ParameterError

CHUNK_SAMPLES = 49_100
"""3.07 s at 16 kHz: the seed model's window."""

STEP_SAMPLES = 16_000
"""1 s between window starts."""


def chunk_starts(n_samples: int, *, chunk_samples: int = CHUNK_SAMPLES,
                 step_samples: int = STEP_SAMPLES) -> np.ndarray:
    """Start sample of each window.

    Windows start every ``step_samples``; when the last regular window stops
    short of the end, one more window is aligned to the end, so every sample
    is covered and only a recording shorter than one window needs padding.

    Returns
    -------
    np.ndarray, shape (n_windows,), dtype int64
    """
    if chunk_samples <= 0 or step_samples <= 0:
        raise ParameterError("chunk and step sizes must be positive")
    if n_samples <= chunk_samples:
        return np.zeros(1, dtype=np.int64)
    starts = list(range(0, n_samples - chunk_samples + 1, step_samples))
    if starts[-1] + chunk_samples < n_samples:
        starts.append(n_samples - chunk_samples)
    return np.asarray(starts, dtype=np.int64)


def zscore(x: np.ndarray, *, axis: int = -1) -> np.ndarray:
    """Zero mean, unit variance along ``axis`` (silence stays zero)."""
    x = np.asarray(x, dtype=np.float32)
    mean = x.mean(axis=axis, keepdims=True)
    std = x.std(axis=axis, keepdims=True)
    return np.asarray(((x - mean) / np.maximum(std, 1e-8)).astype(np.float32))


def chunk(wave: np.ndarray, *, chunk_samples: int = CHUNK_SAMPLES,
          step_samples: int = STEP_SAMPLES, normalise: bool = True) -> np.ndarray:
    """Cut audio into overlapping fixed-length windows.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    chunk_samples, step_samples : int
        Window length and hop in samples.
    normalise : bool
        z-normalise each window (zero mean, unit variance), which removes the
        recording level.

    Returns
    -------
    np.ndarray, shape (n_windows, chunk_samples), dtype float32
        A recording shorter than one window is zero-padded at the end.
    """
    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim != 1:
        raise ParameterError(f"expected mono audio of shape (n_samples,), got {wave.shape}")
    if wave.size < chunk_samples:
        wave = np.pad(wave, (0, chunk_samples - wave.size))
    starts = chunk_starts(wave.size, chunk_samples=chunk_samples, step_samples=step_samples)
    windows = np.stack([wave[s:s + chunk_samples] for s in starts])
    return zscore(windows) if normalise else windows


def chunk_times(n_samples: int, *, sample_rate: int, chunk_samples: int = CHUNK_SAMPLES,
                step_samples: int = STEP_SAMPLES) -> np.ndarray:
    """Start and end time in seconds of each window, clipped to the recording.

    Returns
    -------
    np.ndarray, shape (n_windows, 2)
    """
    starts = chunk_starts(n_samples, chunk_samples=chunk_samples, step_samples=step_samples)
    ends = np.minimum(starts + chunk_samples, n_samples)
    return np.stack([starts, ends], axis=1) / sample_rate
