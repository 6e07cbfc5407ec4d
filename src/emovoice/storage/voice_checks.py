"""Voice checks: each user's one current recording of their everyday voice and its baseline."""

from __future__ import annotations

import json

from sqlalchemy import delete
from sqlalchemy.orm import Session

from emovoice.audio import with_stated_duration
from emovoice.errors import ParameterError
from emovoice.features.baseline import Baseline
from emovoice.storage.models import VoiceCheck, utcnow


def current_check(session: Session, user_id: int) -> VoiceCheck | None:
    """The user's current voice check (None when they have none)."""
    return session.get(VoiceCheck, user_id)


def playable_check(session: Session, check: VoiceCheck) -> VoiceCheck:
    """The check, its recording stating its length: one stored before uploads were remuxed
    (:func:`emovoice.audio.with_stated_duration`) is remuxed the first time it is asked for, and kept so."""
    stated = with_stated_duration(check.audio, duration_s=check.duration_s)
    if stated is not check.audio:
        check.audio = stated
        session.flush()
    return check


def save_check(session: Session, *, user_id: int, baseline: Baseline, audio: bytes, content_type: str,
               filename: str, duration_s: float, speech_s: float, level_dbfs: float) -> VoiceCheck:
    """Store a new voice check, replacing the user's previous one (recording and baseline)."""
    session.execute(delete(VoiceCheck).where(VoiceCheck.user_id == user_id))
    check = VoiceCheck(user_id=user_id, created_at=utcnow(), duration_s=duration_s, speech_s=speech_s,
                       level_dbfs=level_dbfs, baseline_json=json.dumps(baseline.to_dict()),
                       content_type=content_type[:100], filename=filename[:255], audio=audio)
    session.add(check)
    session.flush()
    return check


def delete_check(session: Session, user_id: int) -> bool:
    """Delete the user's voice check; False when there was none."""
    result = session.execute(delete(VoiceCheck).where(VoiceCheck.user_id == user_id))
    return bool(getattr(result, "rowcount", 0))


def baseline_of(check: VoiceCheck) -> Baseline | None:
    """The check's baseline (None when the stored one cannot be read: the user is asked to redo it)."""
    try:
        return Baseline.from_dict(json.loads(check.baseline_json))
    except (ParameterError, json.JSONDecodeError):
        return None
