"""The session cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS."""

from __future__ import annotations

from fastapi import Response

from emovoice.settings import Settings
from emovoice.storage.accounts import SESSION_DAYS

SESSION_COOKIE = "emovoice_session"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_DAYS * 86_400, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
