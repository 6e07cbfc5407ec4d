"""Decode any common audio format to 16 kHz mono float32.

The container and codec are found from the content (FFmpeg's probing through
PyAV), never from the file name, so a WAV file called ``answer.mp3`` decodes
as WAV and a text file called ``answer.wav`` is refused.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import numpy as np

from emovoice.audio.arrays import load_array
from emovoice.audio.containers import _ogg_is_complete, _wav_is_complete, ogg_links
from emovoice.audio.limits import DEFAULT_LIMITS, SAMPLE_RATE, Limits, _validate
from emovoice.audio.sources import AudioSource, _describe, _open_source, _peek, _read_all
from emovoice.errors import (
    CorruptAudioError,
    NotAudioError,
    ParameterError,
    TooLongError,
)

CANCELLATION_DB = 20.0
"""When averaging the channels loses more than this much level, the channels
cancel each other (one wired in opposite phase) and the loudest one is used."""

MAX_OGG_CHAIN_BYTES = 64 * 2 ** 20
"""Ogg files up to this size are read whole to find chained links; a larger one (hours of
audio, over any sensible limit) is handed to FFmpeg as it is, so that it is refused early."""

TRUNCATION_SLACK_S = 0.5
"""A file that decodes to more than this much less than it declares is truncated."""


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded audio and what decoding it revealed.

    Attributes
    ----------
    samples : np.ndarray, shape (n_samples,), dtype float32
        Mono samples in [-1, 1] at ``sample_rate``.
    sample_rate : int
    channels : int
        Most channels seen in the input (before the downmix).
    truncated : bool
        The input ended early or broke off: ``samples`` holds what decoded.
    notes : tuple of str
        Plain-language remarks on the input (truncation, damaged packets,
        cancelling channels...), for the report.
    """

    samples: np.ndarray
    sample_rate: int
    channels: int = 1
    truncated: bool = False
    notes: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.sample_rate


class _Downmix:
    """Collects decoded frames as mono: the mean of the channels, resampled.

    Averaging never makes the result louder than the loudest channel. When the
    channels cancel out (opposite phase), the loudest channel is kept instead.
    A stream whose rate or channel layout changes midway gets a new resampler.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.mixed: list[np.ndarray] = []
        self.loudest: list[np.ndarray] = []
        self.channels = 0
        self.n_samples = 0
        self._key: tuple[str, str, int] | None = None
        self._resampler: Any = None
        self._n_channels = 1
        self.changes = -1  # format changes after the first frame
        self.finite = True  # False once a sample decodes to NaN or infinity (a damaged float file)

    def _take(self, frames: list[Any]) -> None:
        for out in frames:
            data = out.to_ndarray().reshape(-1, self._n_channels).astype(np.float32, copy=False)
            if self.finite and not np.isfinite(data).all():
                self.finite = False
            mixed = data.mean(axis=1)
            if self._n_channels > 1:
                energy = np.einsum("ij,ij->j", data, data)
                loudest = data[:, int(np.argmax(energy))].copy()
            else:
                loudest = mixed
            self.mixed.append(mixed)
            self.loudest.append(loudest)
            self.n_samples += mixed.size

    def add(self, frame: Any) -> None:
        import av

        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key != self._key:
            self.flush()
            self._key = key
            self.changes += 1
            self._n_channels = len(frame.layout.channels)
            self.channels = max(self.channels, self._n_channels)
            # packed float keeps every channel (planar output of 8+ channels crashes PyAV)
            self._resampler = av.AudioResampler(format="flt", layout=frame.layout.name, rate=self.sample_rate)
        self._take(self._resampler.resample(frame))

    def flush(self) -> None:
        if self._resampler is not None:
            self._take(self._resampler.resample(None))
            self._resampler = None

    def result(self) -> tuple[np.ndarray, list[str]]:
        self.flush()
        if not self.mixed:
            return np.zeros(0, dtype=np.float32), []
        mixed = np.concatenate(self.mixed)
        notes = []
        if self.channels > 1:
            loudest = np.concatenate(self.loudest)
            e_mixed = float(np.dot(mixed.astype(np.float64), mixed))
            e_loudest = float(np.dot(loudest.astype(np.float64), loudest))
            if e_loudest > 0 and e_mixed < e_loudest * 10 ** (-CANCELLATION_DB / 10):
                notes.append("the channels cancel each other out (one is in opposite phase); "
                             "the loudest channel was analysed alone")
                mixed = loudest
        return np.clip(mixed, -1.0, 1.0).astype(np.float32, copy=False), notes


def decode_audio(source: AudioSource, *, sample_rate: int = SAMPLE_RATE,
                 max_duration_s: float | None = None) -> DecodedAudio:
    """Decode audio to mono float32 at ``sample_rate``, without validating it.

    Whatever decodes is kept: a file that ends early or breaks off midway gives
    the audio before the break, with ``truncated`` set and a note. Streams whose
    rate or channel count changes midway (joined MP3s, chained Ogg) decode
    whole. Channels are averaged (see :class:`_Downmix`).

    Parameters
    ----------
    source : path, bytes or binary file object
        The encoded audio. Its format is detected from the content. A path must
        be a regular file (a FIFO or a device is refused, never waited on).
    sample_rate : int
        Output sample rate in Hz.
    max_duration_s : float or None
        Stop with :class:`TooLongError` as soon as more than this many seconds
        have been decoded (or the container declares a longer duration), so an
        hours-long upload is not decoded in full.

    Returns
    -------
    DecodedAudio

    Raises
    ------
    NotAudioError, CorruptAudioError, TooLongError, ParameterError
    """
    name = _describe(source)
    handle = _open_source(source, name)
    head, size = _peek(handle, 4096)
    if head[:4] == b"OggS" and size is not None and size <= MAX_OGG_CHAIN_BYTES:
        data = _read_all(handle)
        links = ogg_links(data)
        cut_short = not _ogg_is_complete(links[-1])
        if len(links) > 1:
            return _decode_links(links, name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                                 cut_short=cut_short)
        return _decode_one(io.BytesIO(data), name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                           cut_short=cut_short)
    return _decode_one(handle, name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                       mp4=head[4:8] == b"ftyp", cut_short=size is not None and not _wav_is_complete(head, size))


def _decode_links(links: list[bytes], *, name: str, sample_rate: int, max_duration_s: float | None,
                  cut_short: bool) -> DecodedAudio:
    pieces: list[np.ndarray] = []
    notes: list[str] = []
    channels, truncated = 0, False
    total = 0.0
    for k, link in enumerate(links):
        remaining = None if max_duration_s is None else max_duration_s - total
        try:
            part = _decode_one(io.BytesIO(link), name=name, sample_rate=sample_rate, max_duration_s=remaining,
                               cut_short=cut_short and k == len(links) - 1)
        except TooLongError:
            raise TooLongError(f"{name}: longer than the limit of {max_duration_s:.0f} s") from None
        except (NotAudioError, CorruptAudioError):
            if not pieces:
                raise
            truncated = True
            notes.append(f"the audio breaks off after {total:.1f} s; the rest is unreadable")
            break
        pieces.append(part.samples)
        notes.extend(part.notes)
        channels = max(channels, part.channels)
        truncated |= part.truncated
        total += part.duration_s
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return DecodedAudio(samples=samples, sample_rate=sample_rate, channels=channels, truncated=truncated,
                        notes=tuple(dict.fromkeys(notes)))


def _decode_one(handle: str | BinaryIO, *, name: str, sample_rate: int, max_duration_s: float | None,
                mp4: bool = False, cut_short: bool = False) -> DecodedAudio:
    """Decode one stream; ``cut_short``: the container shows the file ends early (see :func:`decode_audio`)."""
    import av  # heavy import kept local to the function that needs it

    try:
        container = av.open(handle, mode="r", metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        if mp4:  # an MP4/M4A whose index (at its end) was cut off cannot be read at all
            raise CorruptAudioError(f"{name}: an MP4/M4A file without its index: truncated or damaged, "
                                    "and nothing in it can be decoded") from exc
        raise NotAudioError(f"{name}: not a recognised audio file") from exc
    except av.error.FFmpegError as exc:
        raise NotAudioError(f"{name}: not a recognised audio file ({exc.strerror})") from exc
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise NotAudioError(f"{name}: not a recognised audio file") from exc

    notes: list[str] = []
    truncated = cut_short
    with container:
        if not container.streams.audio:
            raise NotAudioError(f"{name}: the file holds no audio stream")
        stream = container.streams.audio[0]
        declared = None if container.duration is None else container.duration / 1_000_000
        if declared is not None and not (math.isfinite(declared) and declared >= 0):
            declared = None
        if max_duration_s is not None and declared is not None and declared > max_duration_s + 1.0:
            raise TooLongError(
                f"{name}: {declared:.0f} s long; the limit is {max_duration_s:.0f} s")
        mix = _Downmix(sample_rate)
        packet_bytes = 0
        bad_packets = good_packets = 0
        limit = None if max_duration_s is None else int((max_duration_s + 1.0) * sample_rate)
        try:
            for packet in container.demux(stream):
                packet_bytes += packet.size
                try:
                    frames = packet.decode()
                except (av.error.FFmpegError, ValueError):
                    bad_packets += 1  # tolerate a damaged packet here and there
                    continue
                good_packets += 1
                for frame in frames:
                    mix.add(frame)
                if limit is not None and mix.n_samples > limit:
                    raise TooLongError(f"{name}: longer than the limit of {max_duration_s:.0f} s")
        except (av.error.FFmpegError, ValueError) as exc:
            # the stream breaks off (cut short, or damaged past repair): keep what decoded
            truncated = True
            if mix.n_samples == 0:
                raise CorruptAudioError(f"{name}: the audio data is corrupt") from exc
        try:
            samples, mix_notes = mix.result()
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptAudioError(f"{name}: the audio data is corrupt") from exc
    if not mix.finite:
        raise CorruptAudioError(f"{name}: the audio data is corrupt: some samples are not numbers (NaN or "
                                "infinite); export the recording again")
    notes.extend(mix_notes)
    n_samples = samples.size
    if packet_bytes > 0 and (n_samples == 0 or bad_packets > good_packets):
        raise CorruptAudioError(f"{name}: the audio data is corrupt")
    if n_samples == 0 and declared is not None and declared > 0.1:
        raise CorruptAudioError(f"{name}: the audio data is corrupt: nothing decodes of the {declared:.1f} s "
                                "the file declares")
    if bad_packets:
        notes.append(f"{bad_packets} damaged packet{'s' if bad_packets > 1 else ''} skipped")
    decoded_s = n_samples / sample_rate
    # A declared duration is compared only for a stream of one format: the duration of joined
    # files (an MP3 whose rate changes midway) is guessed from the first part's bit rate.
    short_of_declared = declared is not None and mix.changes == 0 and \
        decoded_s < declared - max(TRUNCATION_SLACK_S, 0.05 * declared)
    if truncated or short_of_declared:
        truncated = True
        notes.insert(0, f"the file is truncated or damaged: {decoded_s:.1f} s decoded"
                     + (f" of the {declared:.1f} s it declares" if short_of_declared else "")
                     + "; the analysis covers that part")
    return DecodedAudio(samples=samples, sample_rate=sample_rate, channels=max(mix.channels, 1),
                        truncated=truncated, notes=tuple(notes))


def decode(source: AudioSource, *, sample_rate: int = SAMPLE_RATE,
           max_duration_s: float | None = None) -> np.ndarray:
    """Decode audio to mono float32 at ``sample_rate``, without validating it.

    The samples of :func:`decode_audio`; see there.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        Samples in [-1, 1].
    """
    return decode_audio(source, sample_rate=sample_rate, max_duration_s=max_duration_s).samples


def load_audio(source: AudioSource, *, limits: Limits = DEFAULT_LIMITS) -> DecodedAudio:
    """Decode and validate a recording, keeping what decoding revealed.

    Parameters
    ----------
    source : path, bytes or binary file object
        Any common audio format (wav, flac, mp3, ogg/opus, webm, m4a...), any
        sample rate, mono or multi-channel.
    limits : Limits
        Duration and silence limits.

    Returns
    -------
    DecodedAudio
        16 kHz mono samples in [-1, 1], with notes on the input.

    Raises
    ------
    emovoice.errors.AudioError
        Subclassed by what is wrong: not audio, corrupt, empty, silent, too
        short or too long.
    """
    decoded = decode_audio(source, sample_rate=SAMPLE_RATE, max_duration_s=limits.max_duration_s)
    wave = _validate(decoded.samples, sample_rate=SAMPLE_RATE, limits=limits, name=_describe(source))
    return replace(decoded, samples=wave)


_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
"""The first four bytes of a Matroska or WebM file."""


def with_stated_duration(data: bytes, *, duration_s: float | None = None) -> bytes:
    """A WebM (Matroska) recording that states its length: ``data`` itself, or its packets remuxed.

    A browser's MediaRecorder writes WebM as a live stream, with no duration in its header, so
    players show no length and cannot seek until they have played it through. Such a file's audio
    packets are copied, not re-encoded, into a container that states the duration; the samples
    decode the same. Anything else (another format, a WebM that states its length, one with a video
    stream, one the remux cannot read) comes back as it is, and so does a remux that states another
    length than ``duration_s``: no packet is ever dropped from what is kept.

    Parameters
    ----------
    data : bytes
        The recording as uploaded.
    duration_s : float, optional
        Its length as decoded; the remux is kept only if it states this length (within 0.25 s).

    Returns
    -------
    bytes
    """
    if not data.startswith(_EBML_MAGIC):
        return data
    import av

    out = io.BytesIO()
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as source:
            if source.duration is not None or len(source.streams) != 1 or not source.streams.audio:
                return data
            stream = source.streams.audio[0]
            webm = stream.codec_context.name in ("opus", "vorbis")
            with av.open(out, mode="w", format="webm" if webm else "matroska") as target:
                copy = target.add_stream_from_template(stream)
                for packet in source.demux(stream):
                    if packet.dts is None:  # the demuxer's end-of-stream marker
                        continue
                    packet.stream = copy
                    target.mux(packet)
        if duration_s is not None:
            with av.open(io.BytesIO(out.getvalue()), mode="r") as remuxed:
                if remuxed.duration is None or abs(remuxed.duration / 1e6 - duration_s) > 0.25:
                    return data
    except (av.error.FFmpegError, ValueError, OSError):
        return data
    return out.getvalue()


def load(source: AudioSource, *, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode and validate a recording; the samples of :func:`load_audio`.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        16 kHz mono samples in [-1, 1].
    """
    return load_audio(source, limits=limits).samples


def prepare(source: AudioSource | np.ndarray, *, sample_rate: int | None = None,
            limits: Limits = DEFAULT_LIMITS) -> tuple[DecodedAudio, str | None]:
    """Decode (or convert) and validate ``source``; return 16 kHz mono audio and a name.

    An array is mono ``(n_samples,)`` or 2-D with channels on its shorter axis,
    float in [-1, 1] or integer PCM, and needs ``sample_rate``; files carry
    their own rate. The name is the path of a file source, else None.
    """
    if isinstance(source, (np.ndarray, list, tuple)):
        if sample_rate is None:
            raise ParameterError("an array needs sample_rate= (in Hz)")
        wave = load_array(source, sample_rate=sample_rate, limits=limits)
        return DecodedAudio(samples=wave, sample_rate=SAMPLE_RATE), None
    if sample_rate is not None:
        raise ParameterError("sample_rate= applies to arrays only; files carry their own")
    name = str(source) if isinstance(source, (str, os.PathLike)) else None
    return load_audio(source, limits=limits), name
