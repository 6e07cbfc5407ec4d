"""``/``: the start page, with the user's latest answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from emovoice.storage import answers as store
from emovoice.web.deps import OptionalUser, SessionDep
from emovoice.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    recent = store.user_answers(session, user.id, limit=5) if user else []
    return render(request, "home.html", user, recent=recent)
