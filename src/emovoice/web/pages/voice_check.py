"""``/voice-check``: recording the voice check every answer is heard against, and deleting it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from emovoice import thresholds as th
from emovoice.analysis.voice_check import SENTENCES
from emovoice.storage.voice_checks import current_check, delete_check
from emovoice.web.deps import CsrfChecked, CurrentUser, SessionDep, StateDep
from emovoice.web.templating import render

router = APIRouter()

VOICE_CHECK_RECORD_S = 25
"""The voice check's recording stops by itself after this long (reading its sentences takes about 15 s)."""


@router.get("/voice-check", response_class=HTMLResponse)
def voice_check_page(request: Request, user: CurrentUser, session: SessionDep, welcome: bool = False,
                     saved: bool = False) -> Response:
    return render(request, "voice_check.html", user, check=current_check(session, user.id), welcome=welcome,
                  saved=saved, sentences=SENTENCES, max_seconds=VOICE_CHECK_RECORD_S,
                  quiet_below=th.LOUDNESS_DBFS.low)  # the answers' target: a check under it is told so


@router.post("/voice-check/delete", dependencies=[CsrfChecked])
def delete_voice_check_page(user: CurrentUser, session: SessionDep, state: StateDep,
                            back: Annotated[str, Form(max_length=20)] = "/account") -> Response:
    delete_check(session, user.id)
    session.commit()
    state.database.scrub()
    page = back if back in ("/account", "/voice-check") else "/account"  # back where the button was
    return RedirectResponse(f"{page}?voice_check_deleted=1", status_code=status.HTTP_303_SEE_OTHER)
