"""Arrays of samples as input: rate checks, PCM conversion, mono mixing and resampling to 16 kHz."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from emovoice.audio.limits import DEFAULT_LIMITS, SAMPLE_RATE, Limits, _validate
from emovoice.errors import ParameterError

MIN_SAMPLE_RATE = 4_000
"""Lowest sample rate accepted for arrays, in Hz (telephone speech is 8 kHz)."""

MAX_SAMPLE_RATE = 768_000
"""Highest sample rate accepted for arrays, in Hz."""

MAX_CHANNELS = 64
"""Most channels an array may have; with more, its layout is taken to be wrong."""


def _check_sample_rate(sample_rate: Any) -> int:
    """``sample_rate`` as an int, or :class:`ParameterError` if it is not a usable rate in Hz."""
    if isinstance(sample_rate, (bool, np.bool_)) or not isinstance(sample_rate, (int, float, np.integer,
                                                                                  np.floating)):
        raise ParameterError(f"sample_rate must be a number in Hz, got {sample_rate!r}")
    rate = float(sample_rate)
    if not math.isfinite(rate) or rate != int(rate):
        raise ParameterError(f"sample_rate must be a whole number of Hz, got {sample_rate!r}")
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise ParameterError(f"sample_rate must lie between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE} Hz, "
                             f"got {sample_rate!r}")
    return int(rate)


def _to_float_samples(samples: Any, *, name: str = "array") -> np.ndarray:
    """Mono float32 samples in [-1, 1] from an array of PCM samples.

    Integer PCM is scaled by its full scale (int16 by 1/32768, uint8 around
    128), as soundfile and librosa read it. A 2-D array is mono'd by averaging
    its channels; the channel axis is the shorter one (``(n_samples,
    n_channels)`` and ``(n_channels, n_samples)`` both work), up to
    :data:`MAX_CHANNELS`.

    Parameters
    ----------
    samples : array-like, shape (n_samples,) or 2-D
        Real-valued samples: float in [-1, 1] or integer PCM.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32

    Raises
    ------
    ParameterError
        Not numeric, complex, more than 2-D, too many channels, values out of
        range, NaN or infinite.
    """
    array = np.asarray(samples)
    kind = array.dtype.kind
    if kind == "f":
        wave = array.astype(np.float32, copy=False)
    elif kind == "i":
        wave = (array / float(2 ** (8 * array.dtype.itemsize - 1))).astype(np.float32)
    elif kind == "u":
        half = float(2 ** (8 * array.dtype.itemsize - 1))
        wave = ((array - half) / half).astype(np.float32)
    else:
        raise ParameterError(f"{name}: expected real-valued samples (float or integer PCM), got dtype {array.dtype}")
    if wave.ndim == 2:
        channel_axis = 1 if wave.shape[1] <= wave.shape[0] else 0
        if wave.shape[channel_axis] > MAX_CHANNELS:
            raise ParameterError(f"{name}: shape {array.shape} has more than {MAX_CHANNELS} channels on either "
                                 "axis; pass (n_samples,) or (n_samples, n_channels)")
        wave = wave.mean(axis=channel_axis, dtype=np.float64).astype(np.float32)
    elif wave.ndim != 1:
        raise ParameterError(f"{name}: expected shape (n_samples,) or (n_samples, n_channels), got {array.shape}")
    if wave.size and not np.all(np.isfinite(wave)):
        raise ParameterError(f"{name}: the samples hold NaN or infinite values")
    if wave.size and float(np.max(np.abs(wave))) > 1.0 + 1e-3:
        raise ParameterError(f"{name}: float samples must lie in [-1, 1], peak is {float(np.max(np.abs(wave))):.3g}; "
                             "scale integer PCM by its full scale (1/32768 for 16 bits) or pass the integer array")
    return np.clip(wave, -1.0, 1.0)


def load_array(samples: Any, *, sample_rate: Any, limits: Limits = DEFAULT_LIMITS,
               name: str = "array") -> np.ndarray:
    """Validate an array of samples and bring it to 16 kHz mono.

    The duration limits are checked before resampling, so a wrong rate never
    allocates gigabytes.

    Parameters
    ----------
    samples : array-like, shape (n_samples,) or 2-D
        See :func:`_to_float_samples`.
    sample_rate : int
        In Hz, from :data:`MIN_SAMPLE_RATE` to :data:`MAX_SAMPLE_RATE`.

    Returns
    -------
    np.ndarray, shape (n_samples * 16000 / sample_rate,), dtype float32

    Raises
    ------
    ParameterError, EmptyAudioError, TooShortError, TooLongError, SilentAudioError
    """
    rate = _check_sample_rate(sample_rate)
    wave = _to_float_samples(samples, name=name)
    _validate(wave, sample_rate=rate, limits=limits, name=name)
    return _validate(_resample(wave, orig_sr=rate), sample_rate=SAMPLE_RATE, limits=limits, name=name)


def _resample(wave: np.ndarray, *, orig_sr: int, target_sr: int = SAMPLE_RATE) -> np.ndarray:
    """Resample mono audio with a polyphase filter.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    orig_sr, target_sr : int
        Sample rates in Hz.

    Returns
    -------
    np.ndarray, shape (n_samples * target_sr / orig_sr,), dtype float32
    """
    if orig_sr <= 0 or target_sr <= 0:
        raise ParameterError(f"sample rates must be positive, got {orig_sr} and {target_sr}")
    if orig_sr == target_sr:
        return np.asarray(wave, dtype=np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(orig_sr, target_sr)
    return np.asarray(resample_poly(wave, target_sr // g, orig_sr // g).astype(np.float32))
