"""Checking an uploaded recording before it is accepted: the CLI's checks and messages."""

from __future__ import annotations

import io
import mimetypes
import re
from dataclasses import dataclass

from emovoice import thresholds as th
from emovoice.analysis.delivery import check_speech
from emovoice.analysis.norms import MIT_INTERVIEW_FILLERS
from emovoice.audio import Limits, load_audio, named_bytes, with_stated_duration
from emovoice.errors import EmovoiceError, TooLongError
from emovoice.features.presence import seconds_under

ALLOWED_TIME_LIMITS = (15, 30, 60, 90, 120)
"""The answer times offered; 15 s is the reference design's window, the rest fit the questions' own lengths."""


FASTEST_PLAUSIBLE_WPM = 200
"""A brisk speaker's pace: an answer time that cannot hold the study's words even at it is marked as such."""


def holds_the_study(seconds: int) -> bool:
    """Whether an answer of ``seconds`` can hold the published study's words (at 200 words a minute)."""
    return seconds * FASTEST_PLAUSIBLE_WPM / 60 > MIT_INTERVIEW_FILLERS.min_words


def time_limit_label(seconds: int) -> str:
    """An answer time as the time lists offer it; one too short for the published study's comparison
    of fillers (over :data:`MIT_INTERVIEW_FILLERS.min_words`, even at 200 words a minute) says so."""
    if not holds_the_study(seconds):
        return f"{seconds} seconds (too short for the study comparison)"
    return f"{seconds} seconds"


def time_limit_for(suggested_s: int) -> int:
    """The answer time a question starts with: its suggested length, or the next longer one offered."""
    return next((s for s in ALLOWED_TIME_LIMITS if s >= suggested_s), ALLOWED_TIME_LIMITS[-1])


class UploadError(Exception):
    """An upload refused; ``status`` is the HTTP status, the message is shown to the user."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    filename: str
    content_type: str
    duration_s: float


_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,40}/[a-z0-9][a-z0-9.+-]{0,60}")


def safe_content_type(content_type: str | None, filename: str = "") -> str:
    """The upload's type when it is an audio (or audio-bearing video) type, else a neutral one:
    the recording is served back, and must never be served as a page."""
    for kind in ((content_type or "").split(";")[0].strip().lower(), mimetypes.guess_type(filename)[0] or ""):
        if not _MEDIA_TYPE.fullmatch(kind):
            continue  # odd characters (a NUL, spaces...) are never stored or served back
        if kind.startswith("audio/") or kind in ("video/webm", "video/mp4", "video/ogg"):
            return kind
    return "application/octet-stream"


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\\]")
"""Control characters and path separators: a stored file name holds neither."""


def named_upload(data: bytes, *, filename: str, max_bytes: int) -> tuple[io.BytesIO, str]:
    """The upload as a named file, and its cleaned name; refuses an empty or too large one."""
    name = _UNSAFE_NAME.sub("_", filename or "upload")[-120:].strip(". ") or "upload"
    if not data:
        raise UploadError(f"{name}: the file is empty (0 bytes)")
    if len(data) > max_bytes:
        raise UploadError(f"{name}: the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB", 413)
    return named_bytes(data, name), name


def check_upload(data: bytes, *, filename: str, content_type: str, max_bytes: int, max_seconds: float) -> CheckedUpload:
    """Accept ``data`` if it decodes to a usable recording, else raise :class:`UploadError`.

    The checks and messages are those of ``emovoice analyze``: not audio, corrupt, empty,
    silent, too short, too long (413 for too big or too long), and no speech or too little of it
    (:func:`emovoice.analysis.delivery.check_speech`, about 0.3 s for 2 minutes; an answer needs
    ``ANSWER_MIN_VOICED_S`` of voice, more than the analysis itself): a recording the analysis
    would fail on, or hear too little of to judge, is refused at once and never stored. A
    browser's WebM comes back remuxed to state its length (:func:`emovoice.audio.with_stated_duration`).
    """
    source, name = named_upload(data, filename=filename, max_bytes=max_bytes)
    try:
        audio = load_audio(source, limits=Limits(max_duration_s=max_seconds))
        _, _, presence = check_speech(audio.samples, name=name)
    except TooLongError as exc:
        raise UploadError(str(exc), 413) from None
    except EmovoiceError as exc:  # not audio, damaged, silent... and any other refusal of the input
        raise UploadError(str(exc)) from None
    if presence.voiced_speech_s < th.ANSWER_MIN_VOICED_S:
        raise UploadError(f"{name}: too short for an answer: we heard only "
                          f"{seconds_under(presence.voiced_speech_s, th.ANSWER_MIN_VOICED_S)} s of "
                          f"voice, and an answer needs at least {th.ANSWER_MIN_VOICED_S:g} s (a short sentence). "
                          "Record again and say a full sentence or more")
    duration_s = audio.samples.size / audio.sample_rate
    return CheckedUpload(data=with_stated_duration(data, duration_s=duration_s), filename=name,
                         content_type=safe_content_type(content_type, name), duration_s=duration_s)
