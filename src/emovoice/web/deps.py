"""Request dependencies (``Annotated``): database session, current user, CSRF check."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from sqlalchemy.orm import Session

from emovoice.settings import Settings
from emovoice.storage.accounts import user_for_token
from emovoice.storage.models import User
from emovoice.web.cookies import SESSION_COOKIE
from emovoice.web.state import AppState

MAX_ID = 2**31 - 1
"""The largest id any route accepts: PostgreSQL's ``integer``. SQLite's are wider; one limit keeps
the two databases alike, and an id past it is a 422, never a database error."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An id in a URL path."""

CSRF_COOKIE = "emovoice_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOG_IN_FIRST = "log in first"


def get_state(request: Request) -> AppState:
    return request.app.state.emovoice  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_session(state: StateDep) -> Iterator[Session]:
    """A database session; routes commit what they change, the rest is rolled back."""
    session = state.database.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def session_token(request: Request) -> str | None:
    """The login token: ``Authorization: Bearer`` first, else the session cookie."""
    return bearer_token(request) or request.cookies.get(SESSION_COOKIE)


def optional_user(request: Request, session: SessionDep) -> User | None:
    return user_for_token(session, session_token(request))


OptionalUser = Annotated[User | None, Depends(optional_user)]


def current_user(user: OptionalUser) -> User:
    """The logged-in user, else a 401: the API answers it as JSON, a page as a redirect to the
    login page that comes back here (``/login?next=<path>``; :mod:`emovoice.web.errors`)."""
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, LOG_IN_FIRST, headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]
"""The logged-in user, for API routes and pages alike (:func:`current_user`)."""


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (the double-submit cookie; a new one when it has none)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def _raw(token: str) -> bytes:
    """A token as bytes, whatever it holds (``compare_digest`` refuses non-ASCII strings)."""
    return token.encode("utf-8", "surrogatepass")


async def verify_csrf(request: Request) -> None:
    """Unsafe requests that a browser could send from another site must echo the CSRF cookie.

    That is every form post, and every request that rides on the session cookie; the token
    comes in the ``X-CSRF-Token`` header or the ``csrf_token`` form field. A request with
    ``Authorization: Bearer`` carries no ambient credential, and a JSON request without the
    cookie cannot come cross-site without a CORS preflight (which the app never grants).
    """
    if request.method in SAFE_METHODS or bearer_token(request):
        return
    is_form = request.headers.get("content-type", "").lower().startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"))
    if not is_form and SESSION_COOKIE not in request.cookies:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and is_form:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(_raw(expected), _raw(sent)):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "the form has expired or came from another site; reload the page and try again")


CsrfChecked = Depends(verify_csrf)
