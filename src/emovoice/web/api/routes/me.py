"""``/api/me``: the user's progress over time and an export of everything they have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.responses import StreamingResponse

from emovoice.storage.history import export_file
from emovoice.storage.history import progress as user_progress
from emovoice.storage.questions import CATEGORIES
from emovoice.web.api.schemas import ErrorOut, ProgressOut
from emovoice.web.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/me", tags=["progress"])


@router.get("/progress", response_model=ProgressOut, responses={422: {"model": ErrorOut}})
def progress(user: CurrentUser, session: SessionDep, category: str | None = None) -> ProgressOut:
    """Each main figure over the user's analysed answers (optionally of one category), with its
    target range and a sentence on its trend."""
    if category and category not in CATEGORIES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown category {category!r}")
    return ProgressOut.model_validate(asdict(user_progress(session, user.id, category=category)))


@router.get("/export", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "a ZIP of everything"}})
def export(user: CurrentUser, session: SessionDep) -> Response:
    """Everything the user has in one download: ``emovoice-export.json`` (account, answers with their
    reports and figures, interviews, the voice check), the recordings under ``audio/``, a
    ``README.txt`` on what each file is, and the report's JSON schema."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    archive = export_file(session, user)
    session.commit()  # old recordings remuxed on the way to state their length are kept so

    def chunks() -> Iterator[bytes]:
        with archive:
            while chunk := archive.read(1 << 20):
                yield chunk

    return StreamingResponse(chunks(), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="emovoice-{stamp}.zip"',
                                      "Cache-Control": "private, no-store"})
