"""What a recording must satisfy to be analysed: the working rate, duration and silence limits.

Decoded files and converted arrays are both checked here, by the same rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emovoice.errors import (
    EmptyAudioError,
    ParameterError,
    SilentAudioError,
    TooLongError,
    TooShortError,
)

SAMPLE_RATE = 16_000
"""The sample rate every part of emovoice works at, in Hz."""

MIN_DURATION_S = 0.5
"""Recordings shorter than this are refused."""

DEFAULT_MAX_DURATION_S = 600.0
"""Default longest recording accepted (10 minutes)."""

SILENCE_PEAK = 10 ** (-60 / 20)
"""A recording whose peak stays below -60 dBFS counts as silent."""


@dataclass(frozen=True)
class Limits:
    """What a recording must satisfy to be analysed.

    Parameters
    ----------
    min_duration_s : float
        Shortest accepted duration in seconds.
    max_duration_s : float
        Longest accepted duration in seconds.
    silence_peak : float
        Peak absolute amplitude (full scale = 1) under which audio is silent.
    """

    min_duration_s: float = MIN_DURATION_S
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    silence_peak: float = SILENCE_PEAK

    def __post_init__(self) -> None:
        for name in ("min_duration_s", "max_duration_s", "silence_peak"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value < 0:
                raise ParameterError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.max_duration_s < self.min_duration_s:
            raise ParameterError(f"max_duration_s ({self.max_duration_s:g}) is below min_duration_s "
                                 f"({self.min_duration_s:g})")


DEFAULT_LIMITS = Limits()


def _validate(wave: np.ndarray, *, sample_rate: int = SAMPLE_RATE,
              limits: Limits = DEFAULT_LIMITS, name: str = "audio") -> np.ndarray:
    """Check that decoded audio can be analysed, and return it as float32.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
        Mono samples in [-1, 1].
    sample_rate : int
        Sample rate of ``wave`` in Hz.
    limits : Limits
        Duration and silence limits.
    name : str
        Name used in error messages.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32

    Raises
    ------
    EmptyAudioError, TooShortError, TooLongError, SilentAudioError, ParameterError
    """
    wave = np.asarray(wave)
    if wave.ndim != 1:
        raise ParameterError(f"{name}: expected mono audio of shape (n_samples,), got {wave.shape}")
    if not np.issubdtype(wave.dtype, np.floating):
        raise ParameterError(f"{name}: expected floating-point samples, got {wave.dtype}")
    if wave.size == 0:
        raise EmptyAudioError(f"{name}: the recording is empty")
    if not np.all(np.isfinite(wave)):
        raise ParameterError(f"{name}: the samples hold NaN or infinite values")
    duration = wave.size / sample_rate
    if duration < limits.min_duration_s:
        raise TooShortError(
            f"{name}: {duration:.2f} s long; at least {limits.min_duration_s:g} s is needed")
    if duration > limits.max_duration_s:
        raise TooLongError(
            f"{name}: {duration:.0f} s long; the limit is {limits.max_duration_s:.0f} s")
    # a constant offset (DC) carries no sound: measure the peak around the mean
    if float(np.max(np.abs(wave - np.mean(wave, dtype=np.float64)))) < limits.silence_peak:
        raise SilentAudioError(f"{name}: the recording is silent. If it was just recorded, check that the "
                               "microphone is on and not muted, then record again")
    return wave.astype(np.float32, copy=False)
