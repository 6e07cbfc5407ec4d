"""The session cookie: HttpOnly, SameSite=Lax, Secure behind HTTPS."""

from __future__ import annotations

from fastapi import Response

from emovoice.settings import Settings
from emovoice.storage.accounts import SESSION_DAYS

SESSION_COOKIE = "emovoice_session"
DEVICE_COOKIE = "emovoice_device"
DEVICE_DAYS = 365


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_DAYS * 86_400, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def set_device_cookie(response: Response, token: str | None, settings: Settings) -> None:
    """Remember this browser as one its user logs in from (:func:`emovoice.storage.accounts.trust_device`)."""
    if token:
        response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_DAYS * 86_400, httponly=True, samesite="lax",
                            secure=settings.secure_cookies, path="/")
