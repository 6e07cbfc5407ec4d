"""The fixed vocabularies of the stored data, each defined once.

They are :class:`enum.StrEnum`\\ s: a member *is* its string value, so the database, the JSON and
the pages' JavaScript see exactly the strings they always saw ("done", "category", "medium").
"""

from __future__ import annotations

from enum import StrEnum


class AnswerStatus(StrEnum):
    """Where an answer's analysis stands: queued, then running, then done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScopeKind(StrEnum):
    """The kinds of comparison group an answer is counted in: all answers, its question's category,
    its question. A group's scope is "all", "category:<category key>" or "question:<question id>"
    (:func:`make_scope`)."""

    ALL = "all"
    CATEGORY = "category"
    QUESTION = "question"


def make_scope(kind: ScopeKind, key: str | int | None = None) -> str:
    """A comparison group's scope as stored: ``all``, ``category:teamwork``, ``question:12``."""
    return str(kind) if key is None else f"{kind}:{key}"


VOICE_CHECKED = "+voice-check"
"""The suffix of a group's sub-group of answers heard against their speaker's voice check
(``all+voice-check``): the emotion shares are counted and compared there only, under the same
rule of enough answers from enough candidates as the group's other figures."""


def voice_checked(scope: str) -> str:
    """The sub-group of ``scope`` that holds its answers heard against a voice check."""
    return scope + VOICE_CHECKED


class Difficulty(StrEnum):
    """How hard a question of the bank is."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
