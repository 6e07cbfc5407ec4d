"""``/api/users``: sign up, who am I, delete my account."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from emovoice.storage.accounts import create_user, delete_user
from emovoice.web.api.schemas import Credentials, ErrorOut, UserOut
from emovoice.web.cookies import clear_session_cookie
from emovoice.web.deps import CsrfChecked, CurrentUser, SessionDep, StateDep

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}}, dependencies=[CsrfChecked])
def sign_up(body: Credentials, session: SessionDep) -> UserOut:
    """Create an account (there is no e-mail offline: the address is the login name)."""
    user = create_user(session, body.email, body.password)  # refused: EmailTakenError, UnusableCredentialsError
    session.commit()
    return UserOut(id=user.id, email=user.email, created_at=user.created_at)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut(id=user.id, email=user.email, created_at=user.created_at)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked])
def delete_me(user: CurrentUser, session: SessionDep, state: StateDep) -> Response:
    """Delete the account with every answer, recording and voice check in it, for good."""
    delete_user(session, session.merge(user))
    session.commit()
    state.database.scrub()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response)
    return response
