"""The degradations used for augmentation and robustness tests (training side).

Real users have other microphones, rooms and levels than the RAVDESS studio.
The same functions make training copies (augmentation) and degraded test
folds (evaluation), so both see the same kinds of damage.
"""

from __future__ import annotations

import enum
import io
from typing import Any

import numpy as np

from emovoice.audio.decoding import decode
from emovoice.audio.level import active_level
from emovoice.errors import ParameterError


class Degradation(enum.StrEnum):
    """The kinds of damage applied to clean recordings."""

    CLEAN = "clean"
    NOISE = "noise"            # coloured noise at 5-20 dB SNR
    REVERB = "reverb"          # synthetic room, RT60 0.3-0.8 s
    CODEC = "codec"            # Opus at 12-24 kbit/s through FFmpeg
    GAIN = "gain"              # -30 to +10 dB, clipped at full scale
    SPEED = "speed"            # 0.9-1.1 speed (pitch and tempo)
    PHONE = "phone"            # telephone band (300-3400 Hz) and 8-bit mu-law
    VOICE = "voice"            # another voice: formants x0.88-1.14, pitch x0.75-1.33 (Praat, PSOLA)


def _add_noise(wave: np.ndarray, *, snr_db: float, rng: np.random.Generator,
               colour: float = 1.0) -> np.ndarray:
    """Add noise with a 1/f**colour spectrum at ``snr_db`` relative to the active level."""
    n = wave.size
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** (colour / 2), n=n)
    noise /= np.sqrt(np.mean(noise ** 2)) + 1e-12
    level = active_level(wave)
    return (wave + noise * level * 10 ** (-snr_db / 20)).astype(np.float32)


def _add_reverb(wave: np.ndarray, *, rt60_s: float, rng: np.random.Generator,
                sample_rate: int = 16_000, wet: float = 0.7) -> np.ndarray:
    """Convolve with a synthetic exponentially decaying room impulse response."""
    from scipy.signal import fftconvolve

    length = int(rt60_s * sample_rate)
    t = np.arange(length) / sample_rate
    rir = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    rir[0] = 1.0 / wet
    rir *= wet / np.sqrt(np.sum(rir ** 2))
    out = fftconvolve(wave, rir)[: wave.size]
    return np.asarray((out * (active_level(wave) / max(active_level(out), 1e-9))).astype(np.float32))


def _apply_codec(wave: np.ndarray, *, bitrate: int, sample_rate: int = 16_000,
                 codec: str = "libopus", container: str = "ogg") -> np.ndarray:
    """Encode and decode through a lossy codec with PyAV (FFmpeg)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as out:
        rate = 48_000 if codec == "libopus" else sample_rate
        stream: Any = out.add_stream(codec, rate=rate)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(
            np.clip(wave, -1, 1).astype(np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = sample_rate
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    decoded = decode(buffer.getvalue(), sample_rate=sample_rate)
    decoded = decoded[: wave.size]
    return np.pad(decoded, (0, wave.size - decoded.size)).astype(np.float32)


def _change_speed(wave: np.ndarray, *, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (pitch moves with it), by resampling."""
    from scipy.signal import resample

    n = max(1, round(wave.size / factor))
    return np.asarray(resample(wave, n).astype(np.float32))


def _phone_band(wave: np.ndarray, *, sample_rate: int, low_hz: float = 300.0, high_hz: float = 3_400.0,
                mu: float = 255.0) -> np.ndarray:
    """A telephone line: a 300-3400 Hz band-pass, then 8-bit mu-law (G.711) quantisation at the
    line's own level (the peak brought to full scale and back)."""
    from scipy.signal import butter, sosfilt

    sos = butter(4, [low_hz, high_hz], btype="bandpass", fs=sample_rate, output="sos")
    band = sosfilt(sos, wave.astype(np.float64))
    peak = float(np.max(np.abs(band))) or 1.0
    x = band / peak
    compressed = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    quantised = np.round(compressed * 127) / 127
    expanded = np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu
    return np.asarray((expanded * peak).astype(np.float32))


def _other_voice(wave: np.ndarray, *, sample_rate: int, formant_ratio: float, pitch_ratio: float,
                 seed: int) -> np.ndarray:
    """The same speech from a longer or shorter vocal tract and a higher or lower voice: Praat's
    "Change gender" (formants scaled by ``formant_ratio``, median pitch by ``pitch_ratio``, PSOLA;
    duration kept). Audio without measurable pitch keeps its pitch."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(wave.astype(np.float64), sampling_frequency=sample_rate)
    try:
        median = call(call(sound, "To Pitch", 0.0, 75, 600), "Get quantile", 0, 0, 0.5, "Hertz")
        new_median = float(median) * pitch_ratio if np.isfinite(median) else 0.0
        # the resynthesis draws random numbers: seeded, so that a fixed seed gives a fixed copy
        parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")
        try:
            changed = call(sound, "Change gender", 75, 600, formant_ratio, new_median, 1.0, 1.0)
        finally:
            parselmouth.praat.run("random_initializeSafelyAndUnpredictably ()")
    except parselmouth.PraatError:
        return wave
    out = np.asarray(changed.values[0], dtype=np.float32)[: wave.size]
    return np.pad(out, (0, wave.size - out.size))


def degrade(wave: np.ndarray, kind: Degradation | str, *, rng: np.random.Generator,
            sample_rate: int = 16_000) -> np.ndarray:
    """Apply one degradation with random strength drawn from ``rng``.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    kind : Degradation
    rng : np.random.Generator
        Source of the random strength; a fixed seed gives a fixed result.

    Returns
    -------
    np.ndarray, shape (n_samples',), dtype float32
        Same length except for ``SPEED``.
    """
    try:
        kind = Degradation(kind)
    except ValueError as exc:
        raise ParameterError(f"unknown degradation {kind!r}; one of "
                             f"{[d.value for d in Degradation]}") from exc
    wave = np.asarray(wave, dtype=np.float32)
    if kind is Degradation.CLEAN:
        return wave
    if kind is Degradation.NOISE:
        return _add_noise(wave, snr_db=float(rng.uniform(5, 20)), rng=rng,
                         colour=float(rng.choice([0.0, 1.0, 2.0])))
    if kind is Degradation.REVERB:
        return _add_reverb(wave, rt60_s=float(rng.uniform(0.3, 0.8)), rng=rng, sample_rate=sample_rate)
    if kind is Degradation.CODEC:
        return _apply_codec(wave, bitrate=int(rng.choice([12_000, 16_000, 24_000])), sample_rate=sample_rate)
    if kind is Degradation.GAIN:
        gain = 10 ** (float(rng.uniform(-30, 10)) / 20)
        return np.clip(wave * gain, -1.0, 1.0).astype(np.float32)
    if kind is Degradation.PHONE:
        return _phone_band(wave, sample_rate=sample_rate)
    if kind is Degradation.VOICE:
        return _other_voice(wave, sample_rate=sample_rate, formant_ratio=float(rng.uniform(0.88, 1.14)),
                            pitch_ratio=float(np.exp(rng.uniform(np.log(0.75), np.log(1.33)))),
                            seed=int(rng.integers(2 ** 31)))
    return _change_speed(wave, factor=float(rng.uniform(0.9, 1.1)))
