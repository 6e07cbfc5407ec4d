"""``/api/login`` and ``/api/logout``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from emovoice.storage.accounts import AccountError, TooManyAttemptsError, authenticate, close_session, open_session
from emovoice.web.api.schemas import Credentials, ErrorOut, TokenOut
from emovoice.web.cookies import clear_session_cookie, set_session_cookie
from emovoice.web.deps import CsrfChecked, SessionDep, SettingsDep, session_token

router = APIRouter(tags=["login"])


@router.post("/login", response_model=TokenOut, responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}},
             dependencies=[CsrfChecked])
def login(body: Credentials, session: SessionDep, settings: SettingsDep, response: Response) -> TokenOut:
    """Log in: sets the session cookie and returns the same token for ``Authorization: Bearer``."""
    try:
        user = authenticate(session, body.email, body.password)
    except TooManyAttemptsError as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc)) from None
    except AccountError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    token = open_session(session, user)
    session.commit()
    set_session_cookie(response, token, settings)
    return TokenOut(token=token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    close_session(session, session_token(request))
    session.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response)
    return response
