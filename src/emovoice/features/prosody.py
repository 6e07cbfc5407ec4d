"""Pitch, loudness and voice quality, measured with Praat (through parselmouth)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emovoice import thresholds as th
from emovoice.features.presence import PitchTrack, pitch_track


def semitones(hz: np.ndarray, *, ref_hz: float) -> np.ndarray:
    """Convert Hz to semitones relative to ``ref_hz``."""
    return 12.0 * np.log2(np.asarray(hz, dtype=np.float64) / ref_hz)


@dataclass
class PitchStats:
    """F0 figures of the voiced frames.

    Attributes
    ----------
    median_hz : float
    range_st : float
        5th to 95th percentile span, in semitones.
    variability_st : float
        Standard deviation in semitones around the median.
    monotone : bool
        ``variability_st`` under :data:`thresholds.MONOTONE_THRESHOLD_ST`.
    curve : list of float or None
        Median F0 of each second (None where unvoiced).
    voiced_fraction : float
    """

    median_hz: float | None
    range_st: float | None
    variability_st: float | None
    monotone: bool | None
    curve: list[float | None]
    voiced_fraction: float


def pitch(wave: np.ndarray, *, sample_rate: int = 16_000, floor_hz: float = 60.0,
          ceiling_hz: float = 500.0, track: PitchTrack | None = None) -> PitchStats:
    """F0 with Praat's autocorrelation method (10 ms steps).

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    floor_hz, ceiling_hz : float
        Search range; the defaults cover adult speech.
    track : PitchTrack or None
        A track already computed with these settings (see
        :func:`emovoice.features.presence.pitch_track`), to save computing it again.
    """
    if track is None:
        track = pitch_track(wave, sample_rate=sample_rate, floor_hz=floor_hz, ceiling_hz=ceiling_hz)
    f0, times = track.f0, track.times
    voiced = f0 > 0
    duration = wave.size / sample_rate
    n_seconds = max(1, int(np.ceil(duration - 1e-9)))
    curve: list[float | None] = []
    for second in range(n_seconds):
        in_second = voiced & (times >= second) & (times < second + 1)
        curve.append(round(float(np.median(f0[in_second])), 1) if in_second.sum() >= 3 else None)
    if voiced.sum() < 5:
        return PitchStats(None, None, None, None, curve, float(voiced.mean()) if voiced.size else 0.0)
    values = f0[voiced]
    median = float(np.median(values))
    st = semitones(values, ref_hz=median)
    lo, hi = np.percentile(st, [5, 95])
    variability = float(np.sqrt(np.mean(st ** 2)))
    return PitchStats(median_hz=round(median, 1), range_st=round(float(hi - lo), 2),
                      variability_st=round(variability, 2),
                      monotone=variability < th.MONOTONE_THRESHOLD_ST, curve=curve,
                      voiced_fraction=round(float(voiced.mean()), 3))


@dataclass
class LoudnessStats:
    """Level figures.

    Attributes
    ----------
    level_dbfs : float
        Active speech level (RMS of frames within 35 dB of the loudest), dBFS.
    variability_db : float
        Standard deviation of the level of voiced 100 ms frames.
    peak_dbfs : float
    clipped_fraction : float
        Share of samples at full scale.
    too_quiet, clipping : bool
    curve : list of float
        Level of each second in dBFS.
    """

    level_dbfs: float
    variability_db: float
    peak_dbfs: float
    clipped_fraction: float
    too_quiet: bool
    clipping: bool
    curve: list[float]


def loudness(wave: np.ndarray, *, sample_rate: int = 16_000) -> LoudnessStats:
    """Level, its variability, and flags for too quiet and clipping."""
    from emovoice.audio import active_level

    wave = np.asarray(wave, dtype=np.float32)
    level = 20 * np.log10(max(active_level(wave, sample_rate=sample_rate), 1e-10))
    hop = sample_rate // 10
    n = max(1, wave.size // hop)
    frames = np.pad(wave, (0, max(0, n * hop - wave.size)))[: n * hop].reshape(n, hop)
    frame_db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    active = frame_db >= frame_db.max() - 35
    variability = float(np.std(frame_db[active])) if active.sum() > 1 else 0.0
    peak = float(np.max(np.abs(wave))) if wave.size else 0.0
    clipped = float(np.mean(np.abs(wave) >= th.CLIPPING_LEVEL)) if wave.size else 0.0
    per_second = []
    for second in range(max(1, int(np.ceil(wave.size / sample_rate)))):
        piece = wave[second * sample_rate:(second + 1) * sample_rate].astype(np.float64)
        per_second.append(round(float(10 * np.log10(np.mean(piece ** 2) + 1e-12)), 1))
    return LoudnessStats(level_dbfs=round(float(level), 1), variability_db=round(variability, 1),
                         peak_dbfs=round(float(20 * np.log10(max(peak, 1e-10))), 1),
                         clipped_fraction=round(clipped, 5), too_quiet=bool(level < th.LOUDNESS_DBFS.low),
                         clipping=bool(clipped > th.CLIPPING_FRACTION), curve=per_second)


HNR_STEP_S = 0.04
"""Time step of the harmonics-to-noise measurement (Praat's default: 0.01 s)."""


@dataclass
class VoiceQuality:
    """Jitter (local, %), shimmer (local, %) and harmonics-to-noise ratio (dB)."""

    jitter_percent: float | None
    shimmer_percent: float | None
    hnr_db: float | None


def voice_quality(wave: np.ndarray, *, sample_rate: int = 16_000, floor_hz: float = 60.0,
                  ceiling_hz: float = 500.0, track: PitchTrack | None = None) -> VoiceQuality:
    """Praat's local jitter and shimmer and its mean harmonics-to-noise ratio.

    The glottal pulses are placed from the pitch track (``To PointProcess (cc)`` on the sound and
    its pitch, as Praat's voice report does), so the track the speech check made is not computed
    again. HNR (``To Harmonicity (cc)``) is measured every 40 ms rather than Praat's default 10 ms,
    a quarter of the work; on real voices the mean moves by 0.4 dB at the median, under 1 dB at the
    90th percentile, against the previous 20 ms (``bench/bench_threads.py``). Praat holds
    Python's lock while it works, so this time is also taken from the transcriber beside it.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    floor_hz, ceiling_hz : float
        Pitch search range.
    track : PitchTrack or None
        The track :func:`emovoice.features.presence.pitch_track` made with these settings
        (with its Praat object); None computes it.
    """
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(wave, dtype=np.float64), sampling_frequency=sample_rate)
    try:
        if track is None or track.praat is None:
            track = pitch_track(wave, sample_rate=sample_rate, floor_hz=floor_hz, ceiling_hz=ceiling_hz)
        points = call([sound, track.praat], "To PointProcess (cc)")
        jitter = call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
        shimmer = call([sound, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
        harmonicity = call(sound, "To Harmonicity (cc)", HNR_STEP_S, floor_hz, 0.1, 1.0)
        hnr = call(harmonicity, "Get mean", 0, 0)
    except parselmouth.PraatError:
        return VoiceQuality(None, None, None)

    def clean(value: float, scale: float = 1.0) -> float | None:
        return None if value is None or not np.isfinite(value) else round(float(value) * scale, 2)

    return VoiceQuality(clean(jitter, 100), clean(shimmer, 100), clean(hnr))


WINDOW_PROSODY = ("f0_mean_st", "f0_std_st", "f0_p10_st", "f0_p90_st", "f0_step_st", "voiced_fraction",
                  "level_db", "level_std_db", "level_p90_db", "active_fraction", "tilt_db", "tilt_std_db")
"""What :func:`window_prosody` measures, in its order."""

_FRAME = 320
"""20 ms frames at 16 kHz, for the level and the spectral tilt."""
_TILT_BIN = 20
"""The tilt's split: bins below it (1 kHz at 50 Hz a bin) against the bins above."""


def window_prosody(window: np.ndarray, *, f0: np.ndarray) -> np.ndarray:
    """Pitch, level and spectral-tilt statistics of one analysis window, as a model reads them.

    Parameters
    ----------
    window : np.ndarray, shape (n_samples,)
        The window's audio at 16 kHz, at its recorded level (not normalised): the level is
        meant to be read against the speaker's own baseline, which cancels the microphone's gain.
    f0 : np.ndarray, shape (n_frames,)
        The window's pitch track in Hz, 0 where unvoiced.

    Returns
    -------
    np.ndarray, shape (12,), dtype float32
        :data:`WINDOW_PROSODY`: F0 in semitones re 100 Hz (mean, std, 10th and 90th percentiles,
        median frame-to-frame step; zeros with fewer than 5 voiced frames), the voiced share of
        frames, the level of the 20 ms frames within 35 dB of the loudest (mean, std, 90th
        percentile, in dBFS) and their share, and the spectral tilt of those frames (energy above
        1 kHz against below, in dB: mean and std).
    """
    window = np.asarray(window, dtype=np.float64)
    voiced = f0 > 0
    if voiced.sum() >= 5:
        st = semitones(f0[voiced], ref_hz=100.0)
        pitch_part = [st.mean(), st.std(), np.percentile(st, 10), np.percentile(st, 90),
                      np.median(np.abs(np.diff(st)))]
    else:
        pitch_part = [0.0] * 5
    frames = window[: window.size // _FRAME * _FRAME].reshape(-1, _FRAME)
    level = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
    active = level > level.max() - 35
    spectrum = np.abs(np.fft.rfft(frames[active] * np.hanning(_FRAME), axis=1)) ** 2
    tilt = 10 * np.log10((spectrum[:, _TILT_BIN:].sum(axis=1) + 1e-10) / (spectrum[:, 1:_TILT_BIN].sum(axis=1) + 1e-10))
    values = [*pitch_part, voiced.mean() if voiced.size else 0.0,
              level[active].mean(), level[active].std(), np.percentile(level[active], 90), active.mean(),
              tilt.mean(), tilt.std()]
    return np.asarray(values, dtype=np.float32)
