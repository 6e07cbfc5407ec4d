"""Level handling for serving: the active speech level of a recording and normalisation to a target.

Real users have other microphones and levels than the RAVDESS studio, so
features are computed on audio brought to one active speech level.
"""

from __future__ import annotations

import numpy as np

TARGET_LEVEL_DBFS = -26.0
"""Active speech level that :func:`normalise_level` scales to."""


def active_level(wave: np.ndarray, *, sample_rate: int = 16_000, frame_s: float = 0.02,
                 floor_db: float = 35.0) -> float:
    """RMS over the frames within ``floor_db`` of the loudest frame (a simple active
    speech level that ignores pauses).

    Returns
    -------
    float
        Linear RMS (full scale = 1); 0 for digital silence.
    """
    wave = np.asarray(wave, dtype=np.float32)
    hop = max(1, int(frame_s * sample_rate))
    n = wave.size // hop
    if n == 0:
        return float(np.sqrt(np.mean(wave ** 2))) if wave.size else 0.0
    energy = np.mean(wave[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1)
    peak = energy.max()
    if peak <= 0:
        return 0.0
    active = energy[energy >= peak * 10 ** (-floor_db / 10)]
    return float(np.sqrt(active.mean()))


def normalise_level(wave: np.ndarray, *, sample_rate: int = 16_000,
                    target_dbfs: float = TARGET_LEVEL_DBFS, max_gain_db: float = 50.0) -> np.ndarray:
    """Scale audio so that its active speech level is ``target_dbfs``.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    target_dbfs : float
        Level to reach, in dB relative to full scale.
    max_gain_db : float
        Largest amplification applied (quiet noise is not blown up further).

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        May exceed [-1, 1]; features are computed in floating point.
    """
    gain = level_gain(wave, sample_rate=sample_rate, target_dbfs=target_dbfs, max_gain_db=max_gain_db)
    if gain == 1.0:
        return np.asarray(wave, dtype=np.float32)
    return (np.asarray(wave, dtype=np.float32) * gain).astype(np.float32)


def level_gain(wave: np.ndarray, *, sample_rate: int = 16_000, target_dbfs: float = TARGET_LEVEL_DBFS,
               max_gain_db: float = 50.0) -> np.float32:
    """The linear gain :func:`normalise_level` applies to ``wave`` (1 for digital silence).

    Returns
    -------
    np.float32
    """
    level = active_level(wave, sample_rate=sample_rate)
    if level <= 0:
        return np.float32(1.0)
    gain_db = min(target_dbfs - 20 * np.log10(level), max_gain_db)
    return np.float32(10 ** (gain_db / 20))
