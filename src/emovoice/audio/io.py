"""Decode any common audio format to 16 kHz mono float32.

The container and codec are found from the content (FFmpeg's probing through
PyAV), never from the file name, so a WAV file called ``answer.mp3`` decodes
as WAV and a text file called ``answer.wav`` is refused.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from emovoice.errors import (
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
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

AudioSource = str | os.PathLike[str] | bytes | BinaryIO


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


DEFAULT_LIMITS = Limits()


def _describe(source: AudioSource) -> str:
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return getattr(source, "name", "<stream>")


def decode(source: AudioSource, *, sample_rate: int = SAMPLE_RATE,
           max_duration_s: float | None = None) -> np.ndarray:
    """Decode audio to mono float32 at ``sample_rate``, without validating it.

    Parameters
    ----------
    source : path, bytes or binary file object
        The encoded audio. Its format is detected from the content.
    sample_rate : int
        Output sample rate in Hz.
    max_duration_s : float or None
        Stop with :class:`TooLongError` as soon as more than this many seconds
        have been decoded (or the container declares a longer duration), so an
        hours-long upload is not decoded in full.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        Samples in [-1, 1].

    Raises
    ------
    NotAudioError, CorruptAudioError, TooLongError, ParameterError
    """
    import av  # heavy import kept local to the function that needs it

    name = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ParameterError(f"{name}: no such file")
        if path.is_dir():
            raise ParameterError(f"{name}: is a directory, not an audio file")
        handle: str | BinaryIO = str(path)
    elif isinstance(source, (bytes, bytearray)):
        handle = io.BytesIO(bytes(source))
    elif hasattr(source, "read"):
        handle = source
    else:
        raise ParameterError(f"cannot read audio from a {type(source).__name__}")

    try:
        container = av.open(handle, mode="r", metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise NotAudioError(f"{name}: not a recognised audio file") from exc
    except av.error.FFmpegError as exc:
        raise NotAudioError(f"{name}: not a recognised audio file ({exc.strerror})") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAudioError(f"{name}: not a recognised audio file") from exc

    with container:
        if not container.streams.audio:
            raise NotAudioError(f"{name}: the file holds no audio stream")
        stream = container.streams.audio[0]
        declared = None if container.duration is None else container.duration / 1_000_000
        if max_duration_s is not None and declared is not None and declared > max_duration_s + 1.0:
            raise TooLongError(
                f"{name}: {declared:.0f} s long; the limit is {max_duration_s:.0f} s")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        pieces: list[np.ndarray] = []
        n_decoded = 0
        packet_bytes = 0
        bad_packets = good_packets = 0
        limit = None if max_duration_s is None else int((max_duration_s + 1.0) * sample_rate)
        try:
            for packet in container.demux(stream):
                packet_bytes += packet.size
                try:
                    frames = packet.decode()
                except (av.error.InvalidDataError, av.error.FFmpegError, ValueError):
                    bad_packets += 1  # tolerate a damaged packet here and there
                    continue
                good_packets += 1
                for frame in frames:
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray().reshape(-1)
                        pieces.append(samples)
                        n_decoded += samples.size
                if limit is not None and n_decoded > limit:
                    raise TooLongError(
                        f"{name}: longer than the limit of {max_duration_s:.0f} s")
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1))
        except (av.error.InvalidDataError, av.error.FFmpegError) as exc:
            raise CorruptAudioError(
                f"{name}: the audio is corrupt after {n_decoded / sample_rate:.1f} s") from exc
    n_samples = sum(p.size for p in pieces)
    if packet_bytes > 0 and (n_samples == 0 or bad_packets > good_packets):
        raise CorruptAudioError(f"{name}: the audio data is corrupt")
    if declared is not None and declared > 1.0 and n_samples < 0.5 * declared * sample_rate:
        raise CorruptAudioError(f"{name}: the audio data is corrupt (decoded "
                                f"{n_samples / sample_rate:.1f} s of a declared {declared:.1f} s)")
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    wave = np.concatenate(pieces).astype(np.float32, copy=False)
    return np.clip(wave, -1.0, 1.0)


def validate(wave: np.ndarray, *, sample_rate: int = SAMPLE_RATE,
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
    if float(np.max(np.abs(wave))) < limits.silence_peak:
        raise SilentAudioError(f"{name}: the recording is silent")
    return wave.astype(np.float32, copy=False)


def load(source: AudioSource, *, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode and validate a recording.

    Parameters
    ----------
    source : path, bytes or binary file object
        Any common audio format (wav, flac, mp3, ogg/opus, webm, m4a...), any
        sample rate, mono or multi-channel.
    limits : Limits
        Duration and silence limits.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        16 kHz mono samples in [-1, 1].

    Raises
    ------
    emovoice.errors.AudioError
        Subclassed by what is wrong: not audio, corrupt, empty, silent, too
        short or too long.
    """
    wave = decode(source, sample_rate=SAMPLE_RATE, max_duration_s=limits.max_duration_s)
    return validate(wave, sample_rate=SAMPLE_RATE, limits=limits, name=_describe(source))


def resample(wave: np.ndarray, *, orig_sr: int, target_sr: int = SAMPLE_RATE) -> np.ndarray:
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
    return resample_poly(wave, target_sr // g, orig_sr // g).astype(np.float32)
