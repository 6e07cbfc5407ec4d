"""``/api/login`` and ``/api/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from emovoice.storage.accounts import authenticate, close_session, open_session, trust_device
from emovoice.web.api.schemas import Credentials, ErrorOut, TokenOut
from emovoice.web.cookies import DEVICE_COOKIE, clear_session_cookie, set_device_cookie, set_session_cookie
from emovoice.web.deps import CsrfChecked, SessionDep, SettingsDep, session_token

router = APIRouter(tags=["login"])


@router.post("/login", response_model=TokenOut, responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}},
             dependencies=[CsrfChecked])
def login(body: Credentials, session: SessionDep, settings: SettingsDep, request: Request,
          response: Response) -> TokenOut:
    """Log in: sets the session cookie and returns the same token for ``Authorization: Bearer``."""
    user = authenticate(session, body.email, body.password,  # refused: LoginFailedError, TooManyAttemptsError
                        device=request.cookies.get(DEVICE_COOKIE))
    token = open_session(session, user)
    device = trust_device(session, user, request.cookies.get(DEVICE_COOKIE))
    session.commit()
    set_session_cookie(response, token, settings)
    set_device_cookie(response, device, settings)
    return TokenOut(token=token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    close_session(session, session_token(request))
    session.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response)
    return response
