"""Decode any common audio format to 16 kHz mono float32.

The container and codec are found from the content (FFmpeg's probing through
PyAV), never from the file name, so a WAV file called ``answer.mp3`` decodes
as WAV and a text file called ``answer.wav`` is refused.
"""

from __future__ import annotations

import io
import math
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

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

MIN_SAMPLE_RATE = 4_000
"""Lowest sample rate accepted for arrays, in Hz (telephone speech is 8 kHz)."""

MAX_SAMPLE_RATE = 768_000
"""Highest sample rate accepted for arrays, in Hz."""

MAX_CHANNELS = 64
"""Most channels an array may have; with more, its layout is taken to be wrong."""

CANCELLATION_DB = 20.0
"""When averaging the channels loses more than this much level, the channels
cancel each other (one wired in opposite phase) and the loudest one is used."""

MAX_OGG_CHAIN_BYTES = 64 * 2 ** 20
"""Ogg files up to this size are read whole to find chained links; a larger one (hours of
audio, over any sensible limit) is handed to FFmpeg as it is, so that it is refused early."""

TRUNCATION_SLACK_S = 0.5
"""A file that decodes to more than this much less than it declares is truncated."""


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


def named_bytes(data: bytes, name: str) -> io.BytesIO:
    """``data`` as a file named ``name``: the name is a format hint to the decoder and names the
    file in errors. The upload check and the analysis worker both decode through this, so that a
    recording the check accepts is one the worker can read."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _describe(source: AudioSource) -> str:
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return str(getattr(source, "name", "<stream>"))


def _open_source(source: AudioSource, name: str) -> str | BinaryIO:
    """A path or binary stream PyAV can open; refuses what would hang or mislead."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ParameterError(f"{name}: no such file") from None
        except OSError as exc:
            raise ParameterError(f"{name}: cannot be read ({exc.strerror})") from None
        if stat.S_ISDIR(mode):
            raise ParameterError(f"{name}: is a directory, not an audio file")
        if not stat.S_ISREG(mode):
            # a FIFO with no writer, a device or a socket would block or never end
            raise ParameterError(f"{name}: not a regular file (a pipe, device or socket); save the audio to a file")
        if not os.access(path, os.R_OK):
            raise ParameterError(f"{name}: permission denied")
        return str(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source))
    if isinstance(source, io.TextIOBase):
        raise ParameterError(f"{name}: the file is open in text mode; open it in binary mode ('rb')")
    if hasattr(source, "read"):
        try:
            probe = source.read(0)
        except Exception as exc:  # closed files and odd objects raise many kinds
            raise ParameterError(f"{name}: cannot read from this file object ({exc})") from exc
        if not isinstance(probe, (bytes, bytearray)):
            raise ParameterError(f"{name}: the file object gives {type(probe).__name__}, not bytes; "
                                 "open it in binary mode ('rb')")
        return source
    raise ParameterError(f"cannot read audio from a {type(source).__name__}")


def _ogg_pages(data: bytes) -> tuple[list[tuple[int, int]], bool]:
    """Walk an Ogg file's pages.

    Returns
    -------
    pages : list of (offset, header-type flags)
        Each whole page, in order, up to the first that is cut short or is not Ogg.
    cut_short : bool
        The walk stopped on a page whose segment table or body runs past the end of ``data``.
    """
    pages: list[tuple[int, int]] = []
    pos = 0
    while pos + 27 <= len(data) and data[pos:pos + 4] == b"OggS":
        n_segments = data[pos + 26]
        end = pos + 27 + n_segments + sum(data[pos + 27:pos + 27 + n_segments])
        if pos + 27 + n_segments > len(data) or end > len(data):
            return pages, True
        pages.append((pos, data[pos + 5]))
        pos = end
    return pages, False


def ogg_links(data: bytes) -> list[bytes]:
    """Split a chained Ogg file into its links (each a complete Ogg stream).

    A chained Ogg file is several Ogg streams laid end to end, as tools make
    by joining files; each may have its own channel count or rate, which
    FFmpeg's demuxer refuses. The split is at each beginning-of-stream page
    that follows a page that is not one. Unparseable data stays with the link
    before it.

    Parameters
    ----------
    data : bytes
        The file's content.

    Returns
    -------
    list of bytes
        One item per link; ``[data]`` for an unchained (or non-Ogg) file.
    """
    pages, _ = _ogg_pages(data)
    starts = [0]
    previous_bos = False
    for pos, flags in pages:
        bos = bool(flags & 0x02)
        if bos and not previous_bos and pos > 0:
            starts.append(pos)
        previous_bos = bos
    return [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]


def ogg_is_complete(data: bytes) -> bool:
    """Whether an Ogg stream's pages run whole to its end-of-stream page (False: cut short)."""
    pages, cut_short = _ogg_pages(data)
    return not cut_short and bool(pages) and bool(pages[-1][1] & 0x04)


def _peek(handle: str | BinaryIO, n: int) -> tuple[bytes, int | None]:
    """The first ``n`` bytes and the total size (None for a stream that cannot seek)."""
    if isinstance(handle, str):
        with open(handle, "rb") as f:
            return f.read(n), os.fstat(f.fileno()).st_size
    if not handle.seekable():
        return b"", None
    where = handle.tell()
    head = handle.read(n)
    size = handle.seek(0, io.SEEK_END)
    handle.seek(where)
    return head, size


def wav_is_complete(head: bytes, size: int) -> bool:
    """Whether a RIFF/WAVE file holds as many data bytes as its header declares.

    A header that declares no size (0 or 0xFFFFFFFF, as streaming recorders
    write) counts as complete.
    """
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return True
    order: Literal["little", "big"] = "little" if head[:4] == b"RIFF" else "big"
    pos = 12
    while pos + 8 <= len(head):
        chunk, length = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], order)
        if chunk == b"data":
            return length in (0, 0xFFFFFFFF) or size >= pos + 8 + length
        pos += 8 + length + (length & 1)
    return True


def _read_all(handle: str | BinaryIO) -> bytes:
    if isinstance(handle, str):
        return Path(handle).read_bytes()
    if handle.seekable():
        handle.seek(0)
    return handle.read()


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
        cut_short = not ogg_is_complete(links[-1])
        if len(links) > 1:
            return _decode_links(links, name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                                 cut_short=cut_short)
        return _decode_one(io.BytesIO(data), name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                           cut_short=cut_short)
    return _decode_one(handle, name=name, sample_rate=sample_rate, max_duration_s=max_duration_s,
                       mp4=head[4:8] == b"ftyp", cut_short=size is not None and not wav_is_complete(head, size))


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
    # a constant offset (DC) carries no sound: measure the peak around the mean
    if float(np.max(np.abs(wave - np.mean(wave, dtype=np.float64)))) < limits.silence_peak:
        raise SilentAudioError(f"{name}: the recording is silent: check that the microphone is on and not "
                               "muted, then record again")
    return wave.astype(np.float32, copy=False)


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
    wave = validate(decoded.samples, sample_rate=SAMPLE_RATE, limits=limits, name=_describe(source))
    return replace(decoded, samples=wave)


def load(source: AudioSource, *, limits: Limits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode and validate a recording; the samples of :func:`load_audio`.

    Returns
    -------
    np.ndarray, shape (n_samples,), dtype float32
        16 kHz mono samples in [-1, 1].
    """
    return load_audio(source, limits=limits).samples


def check_sample_rate(sample_rate: Any) -> int:
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


def to_float_samples(samples: Any, *, name: str = "array") -> np.ndarray:
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
        See :func:`to_float_samples`.
    sample_rate : int
        In Hz, from :data:`MIN_SAMPLE_RATE` to :data:`MAX_SAMPLE_RATE`.

    Returns
    -------
    np.ndarray, shape (n_samples * 16000 / sample_rate,), dtype float32

    Raises
    ------
    ParameterError, EmptyAudioError, TooShortError, TooLongError, SilentAudioError
    """
    rate = check_sample_rate(sample_rate)
    wave = to_float_samples(samples, name=name)
    validate(wave, sample_rate=rate, limits=limits, name=name)
    return validate(resample(wave, orig_sr=rate), sample_rate=SAMPLE_RATE, limits=limits, name=name)


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
