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


class Difficulty(StrEnum):
    """How hard a question of the bank is."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
