"""Spectrograms, mel filter banks and MFCCs in plain numpy.

These are the same computations as librosa's (Slaney-style mel scale and
normalisation), written out so that serving needs numpy alone; the tests check
them against librosa.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from emovoice.errors import ParameterError


def hz_to_mel(freq: np.ndarray | float) -> np.ndarray:
    """Convert Hz to mels on the Slaney scale (linear below 1 kHz, log above)."""
    freq = np.asarray(freq, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = freq / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(freq >= min_log_hz,
                    min_log_mel + np.log(np.maximum(freq, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(mels: np.ndarray | float) -> np.ndarray:
    """Convert Slaney-scale mels back to Hz."""
    mels = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), freqs)


@lru_cache(maxsize=16)
def mel_filterbank(*, sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Slaney-normalised triangular mel filters (as ``librosa.filters.mel``).

    Returns
    -------
    np.ndarray, shape (n_mels, 1 + n_fft // 2), dtype float32
    """
    if fmax is None:
        fmax = sample_rate / 2
    if not 0 <= fmin < fmax <= sample_rate / 2:
        raise ParameterError(f"need 0 <= fmin < fmax <= {sample_rate / 2}, got {fmin}, {fmax}")
    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_points = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_points)
    ramps = mel_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_points[2:n_mels + 2] - mel_points[:n_mels])
    weights *= enorm[:, None]
    weights.flags.writeable = False
    return weights.astype(np.float32)


def power_spectrogram(wave: np.ndarray, *, n_fft: int, hop_length: int,
                      win_length: int | None = None, window: str = "hann",
                      center: bool = True, pad_mode: str = "constant") -> np.ndarray:
    """Power spectrogram |STFT|^2 (as librosa, whose default padding is zeros).

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    n_fft, hop_length, win_length : int
    window : {"hann", "hamming"}
        Periodic window, zero-padded to ``n_fft`` when shorter.
    center : bool
        Pad ``n_fft // 2`` samples on both sides first.
    pad_mode : {"constant", "reflect"}
        How ``center`` pads: zeros (librosa) or a mirror image (Whisper).

    Returns
    -------
    np.ndarray, shape (..., 1 + n_fft // 2, n_frames), dtype float32
    """
    win_length = n_fft if win_length is None else win_length
    if window == "hann":
        win = np.hanning(win_length + 1)[:-1]
    elif window == "hamming":
        win = np.hamming(win_length + 1)[:-1]
    else:
        raise ParameterError(f"unknown window {window!r}")
    pad_left = (n_fft - win_length) // 2
    win = np.pad(win, (pad_left, n_fft - win_length - pad_left)).astype(np.float32)
    wave = np.asarray(wave, dtype=np.float32)
    lead = [(0, 0)] * (wave.ndim - 1)
    if center:
        mode = pad_mode if wave.shape[-1] > n_fft // 2 else "constant"
        wave = np.pad(wave, [*lead, (n_fft // 2, n_fft // 2)], mode=mode)  # type: ignore[call-overload]
    if wave.shape[-1] < n_fft:
        wave = np.pad(wave, [*lead, (0, n_fft - wave.shape[-1])])
    frames = sliding_window_view(wave, n_fft, axis=-1)[..., ::hop_length, :]
    from scipy import fft  # single-precision FFT: twice as fast as numpy's double precision

    spectrum = fft.rfft(frames * win, axis=-1, workers=-1)
    return np.asarray(np.swapaxes(spectrum.real ** 2 + spectrum.imag ** 2, -1, -2).astype(np.float32))


def power_to_db(power: np.ndarray, *, ref_max: bool = True, amin: float = 1e-10,
                top_db: float | None = 80.0) -> np.ndarray:
    """Convert power to decibels, relative to the maximum when ``ref_max``."""
    log_spec = 10.0 * np.log10(np.maximum(amin, power))
    if ref_max:
        log_spec -= 10.0 * np.log10(max(amin, float(np.max(power))))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return np.asarray(log_spec.astype(np.float32))


def log_mel_spectrogram(wave: np.ndarray, *, sample_rate: int, n_fft: int, hop_length: int,
                        win_length: int | None = None, window: str = "hann", n_mels: int,
                        fmax: float | None = None) -> np.ndarray:
    """Mel spectrogram in dB relative to its maximum.

    Returns
    -------
    np.ndarray, shape (n_mels, n_frames), dtype float32
    """
    power = power_spectrogram(wave, n_fft=n_fft, hop_length=hop_length,
                              win_length=win_length, window=window)
    mel = mel_filterbank(sample_rate=sample_rate, n_fft=n_fft, n_mels=n_mels, fmax=fmax) @ power
    return power_to_db(mel)


def mfcc(wave: np.ndarray, *, sample_rate: int, n_mfcc: int = 13, n_mels: int = 128,
         n_fft: int = 2048, hop_length: int = 512) -> np.ndarray:
    """MFCCs from a log-power mel spectrogram (DCT-II, orthonormal, as librosa).

    Returns
    -------
    np.ndarray, shape (n_mfcc, n_frames), dtype float32
    """
    from scipy.fft import dct

    power = power_spectrogram(wave, n_fft=n_fft, hop_length=hop_length)
    mel = mel_filterbank(sample_rate=sample_rate, n_fft=n_fft, n_mels=n_mels) @ power
    log_mel = power_to_db(mel, ref_max=False)
    return np.asarray(dct(log_mel, type=2, axis=0, norm="ortho")[:n_mfcc].astype(np.float32))
