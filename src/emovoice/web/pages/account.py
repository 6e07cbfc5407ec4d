"""``/account``: what the account holds, and deleting it with everything in it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from emovoice.storage import answers as store
from emovoice.storage.accounts import AccountError, authenticate, delete_user
from emovoice.storage.voice_checks import current_check
from emovoice.web.cookies import DEVICE_COOKIE, clear_session_cookie
from emovoice.web.deps import CsrfChecked, CurrentUser, SessionDep, StateDep
from emovoice.web.templating import render

router = APIRouter()


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return render(request, "account.html", user, answer_count=store.count_user_answers(session, user.id),
                  error=None, check=current_check(session, user.id))


@router.post("/account/delete", dependencies=[CsrfChecked])
def delete_account(request: Request, user: CurrentUser, session: SessionDep, state: StateDep,
                   password: Annotated[str, Form(max_length=1024)]) -> Response:
    try:
        authenticate(session, user.email, password, device=request.cookies.get(DEVICE_COOKIE))
    except AccountError:
        return render(request, "account.html", user, status_code=401,
                      answer_count=store.count_user_answers(session, user.id), check=current_check(session, user.id),
                      error="wrong password: the account was not deleted")
    delete_user(session, session.merge(user))
    session.commit()
    state.database.scrub()
    response = RedirectResponse("/?deleted=1", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response
