"""``/signup``, ``/login`` and ``/logout``: the forms, and the session cookie they set or clear."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from emovoice.storage.accounts import (
    AccountError,
    UnusableCredentialsError,
    authenticate,
    close_session,
    create_user,
    open_session,
    trust_device,
)
from emovoice.web.cookies import DEVICE_COOKIE, clear_session_cookie, set_device_cookie, set_session_cookie
from emovoice.web.deps import CsrfChecked, OptionalUser, SessionDep, SettingsDep, session_token
from emovoice.web.errors import status_for
from emovoice.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, user: OptionalUser) -> Response:
    return render(request, "signup.html", user, error=None, email="")


@router.post("/signup", dependencies=[CsrfChecked])
def signup(request: Request, session: SessionDep, settings: SettingsDep,
           email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
           password_again: Annotated[str, Form(max_length=1024)]) -> Response:
    try:
        if password != password_again:
            raise UnusableCredentialsError("the two passwords differ")
        user = create_user(session, email, password)
    except AccountError as exc:  # the form again, with what to change (also for an e-mail taken)
        return render(request, "signup.html", None, status_code=422, error=str(exc), email=email)
    token = open_session(session, user)
    device = trust_device(session, user, None)
    session.commit()
    response = RedirectResponse("/voice-check?welcome=1", status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, settings)
    set_device_cookie(response, device, settings)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    return render(request, "login.html", user, error=None, email="", next=_safe_next(next))


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, session: SessionDep, settings: SettingsDep,
          email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    try:
        user = authenticate(session, email, password, device=request.cookies.get(DEVICE_COOKIE))
    except AccountError as exc:  # the form again, with the status the API gives (401, or 429)
        return render(request, "login.html", None, status_code=status_for(exc), error=str(exc), email=email,
                      next=_safe_next(next))
    token = open_session(session, user)
    device = trust_device(session, user, request.cookies.get(DEVICE_COOKIE))
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, settings)
    set_device_cookie(response, device, settings)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    close_session(session, session_token(request))
    session.commit()
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response
