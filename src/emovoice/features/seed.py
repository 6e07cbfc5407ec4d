"""The seed projects' hand-made features, shared by training and serving.

* :func:`td_logmel` - the time-distributed log-mel frames of the CNN-LSTM seed;
* :func:`mean_mfcc_mel` - per-clip means of MFCCs and mel bands (second seed);
* :func:`frame_statistics` - statistics of frame features and deltas (first seed).
"""

from __future__ import annotations

import numpy as np

from emovoice.features.spectral import log_mel_spectrogram, mel_filterbank, mfcc, power_spectrogram

SEED_MEL = {"n_fft": 512, "win_length": 256, "window": "hamming", "hop_length": 128,
            "n_mels": 128, "fmax": 4000.0}
"""Log-mel settings of the CNN-LSTM seed."""

TD_FRAME = 128
TD_STEP = 64


def td_logmel(chunks: np.ndarray, *, sample_rate: int = 16_000) -> np.ndarray:
    """Time-distributed log-mel frames for each window.

    Parameters
    ----------
    chunks : np.ndarray, shape (n_windows, 49100)
        z-normalised windows from :func:`emovoice.features.chunks.chunk`.

    Returns
    -------
    np.ndarray, shape (n_windows, 5, 128, 128), dtype float32
        dB relative to each window's maximum; axis 2 is mel, axis 3 time.
    """
    out = []
    for window in np.asarray(chunks, dtype=np.float32):
        mel = log_mel_spectrogram(window, sample_rate=sample_rate, **SEED_MEL)  # type: ignore[arg-type]
        n_frames = 1 + max(0, (mel.shape[1] - TD_FRAME) // TD_STEP)
        if mel.shape[1] < TD_FRAME:
            mel = np.pad(mel, ((0, 0), (0, TD_FRAME - mel.shape[1])), constant_values=mel.min())
        out.append(np.stack([mel[:, i * TD_STEP:i * TD_STEP + TD_FRAME] for i in range(n_frames)]))
    return np.stack(out).astype(np.float32)


def mean_mfcc_mel(wave: np.ndarray, *, sample_rate: int = 16_000) -> np.ndarray:
    """Per-recording means of 13 MFCCs and 128 mel bands (dB).

    Returns
    -------
    np.ndarray, shape (141,), dtype float32
    """
    coeffs = mfcc(wave, sample_rate=sample_rate, n_mfcc=13)
    power = power_spectrogram(wave, n_fft=2048, hop_length=512)
    mel = mel_filterbank(sample_rate=sample_rate, n_fft=2048, n_mels=128) @ power
    mel_db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.concatenate([coeffs.mean(axis=1), mel_db.mean(axis=1)]).astype(np.float32)


def _frame_features(wave: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """Frame-level features: 13 MFCCs, RMS (dB), ZCR, spectral centroid and roll-off.

    Returns (17, n_frames)."""
    n_fft, hop = 1024, 256
    coeffs = mfcc(wave, sample_rate=sample_rate, n_mfcc=13, n_fft=n_fft, hop_length=hop)
    power = power_spectrogram(wave, n_fft=n_fft, hop_length=hop)
    n_frames = min(coeffs.shape[1], power.shape[1])
    freqs = np.linspace(0, sample_rate / 2, power.shape[0])[:, None]
    total = np.maximum(power.sum(axis=0), 1e-12)
    centroid = (freqs * power).sum(axis=0) / total
    cumulative = np.cumsum(power, axis=0) / total
    rolloff = freqs[np.argmax(cumulative >= 0.85, axis=0), 0]
    rms_db = 10 * np.log10(np.maximum(power.mean(axis=0), 1e-12))
    padded = np.pad(wave, n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    zcr = np.mean(np.abs(np.diff(np.sign(frames), axis=1)) > 0, axis=1)
    feats = [coeffs[:, :n_frames], rms_db[None, :n_frames], zcr[None], centroid[None, :n_frames] / 1000,
             rolloff[None, :n_frames] / 1000]
    return np.concatenate(feats, axis=0)


STAT_NAMES = ("mean", "median", "std", "kurtosis", "skewness", "p1", "p99", "min", "max", "range")


def frame_statistics(wave: np.ndarray, *, sample_rate: int = 16_000) -> np.ndarray:
    """Statistics of frame features and their deltas.

    17 frame features (13 MFCCs, RMS, ZCR, centroid, roll-off) and their first
    differences, each summarised by the ten statistics in :data:`STAT_NAMES`.

    Returns
    -------
    np.ndarray, shape (340,), dtype float32
    """
    from scipy import stats as st  # heavy import: only the statistics baseline needs it

    feats = _frame_features(np.asarray(wave, dtype=np.float32), sample_rate=sample_rate)
    deltas = np.diff(feats, axis=1, prepend=feats[:, :1])
    both = np.concatenate([feats, deltas], axis=0).astype(np.float64)
    p1, p99 = np.percentile(both, [1, 99], axis=1)
    lo, hi = both.min(axis=1), both.max(axis=1)
    with np.errstate(all="ignore"):
        kurt = np.nan_to_num(st.kurtosis(both, axis=1))
        skew = np.nan_to_num(st.skew(both, axis=1))
    summary = [both.mean(axis=1), np.median(both, axis=1), both.std(axis=1), kurt, skew,
               p1, p99, lo, hi, hi - lo]
    return np.concatenate(summary).astype(np.float32)
