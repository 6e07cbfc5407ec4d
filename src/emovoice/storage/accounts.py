"""Users and their logins: argon2 password hashes, random session tokens stored hashed."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emovoice.errors import EmovoiceError
from emovoice.storage.comparison import uncount_answer
from emovoice.storage.models import Answer, AuthSession, LoginFailure, TrustedDevice, User, utcnow

SESSION_DAYS = 30
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
EMAIL_TAKEN = "an account with this e-mail already exists; log in instead"
WRONG_CREDENTIALS = "wrong e-mail or password"


class AccountError(EmovoiceError):
    """A sign-up or login that cannot go through; the message says why (the subclasses: what went wrong)."""


class UnusableCredentialsError(AccountError):
    """An e-mail address or a password that no account can have (malformed, too short, too long)."""


class EmailTakenError(AccountError):
    """An account with this e-mail address exists already."""


class LoginFailedError(AccountError):
    """A login refused: wrong e-mail or password (one message for both)."""


class TooManyAttemptsError(LoginFailedError):
    """Too many failed logins for an e-mail address in a short time."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _usable_email(email: str) -> bool:
    """An address the databases can store and compare alike (PostgreSQL refuses NUL in text)."""
    return not _CONTROL.search(email) and len(email) <= 320


def check_credentials(email: str, password: str) -> str:
    """The normalised e-mail, or :class:`UnusableCredentialsError` saying what is wrong."""
    email = normalise_email(email)
    if not _usable_email(email) or not _EMAIL.match(email):
        raise UnusableCredentialsError("enter a valid e-mail address, like name@example.com")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UnusableCredentialsError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UnusableCredentialsError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")
    return email


def create_user(session: Session, email: str, password: str) -> User:
    """A new user; :class:`EmailTakenError` if the e-mail is taken, :class:`UnusableCredentialsError`
    if it or the password cannot be used."""
    email = check_credentials(email, password)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise EmailTakenError(EMAIL_TAKEN)
    user = User(email=email, password_hash=_hasher.hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise EmailTakenError(EMAIL_TAKEN) from None
    return user


def _device_key(session: Session, email: str, device: str | None) -> str:
    """The digest of ``device`` when it is a device cookie trusted for ``email``, else ""."""
    if not device or len(device) > 200:
        return ""
    digest = _digest(device)
    trusted = session.scalar(select(TrustedDevice.token_hash).join(User, TrustedDevice.user_id == User.id)
                             .where(TrustedDevice.token_hash == digest, User.email == email))
    return digest if trusted else ""


def authenticate(session: Session, email: str, password: str, *, device: str | None = None) -> User:
    """The user with these credentials, or :class:`LoginFailedError` (one message for both mistakes).

    Failed logins are counted per address and per device: ``device`` is the browser's device
    cookie (:func:`trust_device`). After ``MAX_FAILED_LOGINS`` failures within
    ``FAILED_LOGIN_WINDOW`` from browsers the user has never logged in from, those are refused
    (:class:`TooManyAttemptsError`) until the oldest failure leaves the window; a browser the
    user has logged in from before has a count of its own, so that a stranger guessing the
    password cannot lock its owner out (OWASP's "device cookies"). Each failure is committed at
    once, so that a rolled-back request still counts.
    """
    email = normalise_email(email)
    if not _usable_email(email):  # no account can have it: nothing to look up or to count
        _hasher.hash(password)
        raise LoginFailedError(WRONG_CREDENTIALS)
    since = utcnow() - FAILED_LOGIN_WINDOW
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    device_key = _device_key(session, email, device)
    failures = session.scalar(select(func.count()).select_from(LoginFailure)
                              .where(LoginFailure.email == email, LoginFailure.device == device_key,
                                     LoginFailure.at >= since)) or 0
    if failures >= MAX_FAILED_LOGINS:
        minutes = round(FAILED_LOGIN_WINDOW.total_seconds() / 60)
        raise TooManyAttemptsError(f"too many failed logins for this e-mail from browsers it has not logged in "
                                   f"from; try again in {minutes} minutes, or from a browser you have used before")
    user = session.scalar(select(User).where(User.email == email))
    try:
        if user is None:
            _hasher.hash(password)  # the same work either way: no timing hint that the e-mail exists
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        session.add(LoginFailure(email=email[:320], device=device_key))
        session.commit()
        raise LoginFailedError(WRONG_CREDENTIALS) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trust_device(session: Session, user: User, device: str | None) -> str | None:
    """After a successful login: a new device cookie for this browser, or None when ``device``
    is already one of the user's (only its hash is stored)."""
    if device and len(device) <= 200 and session.scalar(select(TrustedDevice.token_hash).where(
            TrustedDevice.token_hash == _digest(device), TrustedDevice.user_id == user.id)):
        return None
    token = secrets.token_urlsafe(32)
    session.add(TrustedDevice(token_hash=_digest(token), user_id=user.id))
    return token


def open_session(session: Session, user: User) -> str:
    """Log ``user`` in: a new random token (only its hash is stored). Expired logins are swept."""
    session.execute(delete(AuthSession).where(AuthSession.expires_at < utcnow()))
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_digest(token), user_id=user.id,
                            expires_at=utcnow() + dt.timedelta(days=SESSION_DAYS)))
    return token


def user_for_token(session: Session, token: str | None) -> User | None:
    """The user a live session token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    row = session.get(AuthSession, _digest(token))
    if row is None or row.expires_at < utcnow():
        return None
    return row.user


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == _digest(token)))


def delete_user(session: Session, user: User) -> None:
    """Delete the user with every session, answer, interview and recording (the database cascades),
    after taking their answers out of the comparison aggregates."""
    for answer in session.scalars(select(Answer).where(Answer.user_id == user.id, Answer.counted_scopes.is_not(None))):
        uncount_answer(session, answer)
    session.flush()
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))  # no trace of the address
    session.delete(user)
