"""``/api/me/voice-check``: record, read and delete the voice check every answer is heard against."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, File, Header, HTTPException, Response, UploadFile, status
from sqlalchemy.orm import Session

from emovoice.analysis.voice_check import make_voice_check
from emovoice.audio import with_stated_duration
from emovoice.storage.models import VoiceCheck
from emovoice.storage.voice_checks import baseline_of, current_check, delete_check, playable_check, save_check
from emovoice.web.api.schemas import ErrorOut, VoiceCheckOut
from emovoice.web.deps import CsrfChecked, CurrentUser, SessionDep, StateDep
from emovoice.web.recordings import recording_response
from emovoice.web.uploads import named_upload, safe_content_type

router = APIRouter(prefix="/me/voice-check", tags=["voice check"])
NONE_YET = "you have no voice check yet"
MAX_CHECKS_AT_ONCE = 2
_checking = threading.BoundedSemaphore(MAX_CHECKS_AT_ONCE)


def _own_check(session: Session, user_id: int) -> VoiceCheck:
    check = current_check(session, user_id)
    if check is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NONE_YET)
    return check


def voice_check_out(check: VoiceCheck) -> VoiceCheckOut:
    baseline = baseline_of(check)
    return VoiceCheckOut(created_at=check.created_at, duration_s=check.duration_s, speech_s=check.speech_s,
                         level_dbfs=check.level_dbfs, baseline=baseline.describe() if baseline else None)


@router.put("", response_model=VoiceCheckOut, dependencies=[CsrfChecked],
            responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def put_voice_check(user: CurrentUser, session: SessionDep, state: StateDep,
                    audio: Annotated[UploadFile, File(description="about 15 s of plain sentences read in your "
                                                                  "everyday voice, any common format")],
                    ) -> VoiceCheckOut:
    """Record (or redo) the voice check: checked at once (too short, too quiet, clipped, no speech:
    422 with what to do), then every later answer is heard against it."""
    max_bytes = int(state.settings.max_upload_mb * 1e6)
    data = audio.file.read(max_bytes + 1)
    if not _checking.acquire(blocking=False):  # made in the request: a few at once, the rest come back
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "other voice checks are being made; try again "
                            "in a few seconds", headers={"Retry-After": "5"})
    try:  # refused: UploadError, or an EmovoiceError saying what to redo
        source, name = named_upload(data, filename=audio.filename or "voice-check", max_bytes=max_bytes)
        checked = make_voice_check(state.jobs.analyzer, source)
    finally:
        _checking.release()
    kept = with_stated_duration(data, duration_s=checked.duration_s)
    check = save_check(session, user_id=user.id, baseline=checked.baseline, audio=kept,
                       content_type=safe_content_type(audio.content_type, name), filename=name,
                       duration_s=checked.duration_s, speech_s=checked.speech_s, level_dbfs=checked.level_dbfs)
    session.commit()
    state.database.scrub()  # the replaced check's recording leaves the files
    return voice_check_out(check)


@router.get("", response_model=VoiceCheckOut, responses={404: {"model": ErrorOut}})
def get_voice_check(user: CurrentUser, session: SessionDep) -> VoiceCheckOut:
    """The current voice check (404 when there is none)."""
    return voice_check_out(_own_check(session, user.id))


@router.get("/audio", response_class=Response, responses={404: {"model": ErrorOut}})
def get_voice_check_audio(user: CurrentUser, session: SessionDep,
                          range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    """The voice check's recording as it was stored, whole or the one byte range asked for (206)."""
    check = playable_check(session, _own_check(session, user.id))
    session.commit()  # an old recording remuxed to state its length is kept so
    return recording_response(check.audio, content_type=check.content_type, range_header=range_header)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked])
def delete_voice_check(user: CurrentUser, session: SessionDep, state: StateDep) -> Response:
    """Delete the voice check, its recording and its baseline, for good (204 also when there was none).
    Later answers are analysed without it; earlier reports keep what they were heard against."""
    delete_check(session, user.id)
    session.commit()
    state.database.scrub()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
