"""The question bank: shipped as ``data/questions.json``, loaded into the database, extended by users."""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emovoice.errors import ParameterError
from emovoice.storage.enums import Difficulty
from emovoice.storage.models import Question


def bank() -> dict[str, Any]:
    """The shipped bank: ``{"categories": {key: label}, "questions": [...]}``."""
    text = (resources.files("emovoice.storage") / "data" / "questions.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


CATEGORIES: dict[str, str] = bank()["categories"]


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    category: str
    difficulty: str = Difficulty.MEDIUM
    """One of :class:`Difficulty` (a plain string until :meth:`checked`)."""
    suggested_seconds: int = 60

    def checked(self) -> QuestionSpec:
        text = " ".join(self.text.split())
        if not 5 <= len(text) <= 1000:
            raise ParameterError(f"a question needs 5 to 1000 characters, got {len(text)}")
        if self.category not in CATEGORIES:
            raise ParameterError(f"unknown category {self.category!r}; choose one of {', '.join(CATEGORIES)}")
        if self.difficulty not in tuple(Difficulty):
            raise ParameterError(f"difficulty must be one of {', '.join(Difficulty)}, got {self.difficulty!r}")
        seconds = int(self.suggested_seconds)
        if not 5 <= seconds <= 600:
            raise ParameterError(f"suggested_seconds must lie between 5 and 600, got {seconds}")
        return QuestionSpec(text, self.category, Difficulty(self.difficulty), seconds)


def add_questions(session: Session, specs: list[QuestionSpec], *, origin: str = "user") -> int:
    """Add the questions not yet in the bank (same text); returns how many were new."""
    checked = [spec.checked() for spec in specs]  # all or nothing
    known = set(session.scalars(select(Question.text)))
    added = 0
    for spec in checked:
        if spec.text in known:
            continue
        session.add(Question(text=spec.text, category=spec.category, difficulty=spec.difficulty,
                             suggested_seconds=spec.suggested_seconds, origin=origin))
        known.add(spec.text)
        added += 1
    session.flush()
    return added


def load_bank(session: Session) -> int:
    """Put the shipped questions into the database (those missing); returns how many were added."""
    return add_questions(session, [QuestionSpec(**q) for q in bank()["questions"]], origin="bank")


def read_questions_file(path: Path) -> list[QuestionSpec]:
    """Questions from a JSON file (a list, or ``{"questions": [...]}``) or a CSV with a header
    ``text,category[,difficulty,suggested_seconds]``."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(raw)))
    else:
        data = json.loads(raw)
        rows = data["questions"] if isinstance(data, dict) else data
    specs = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not row.get("text") or not row.get("category"):
            raise ParameterError(f"{path}: entry {i} needs a text and a category")
        specs.append(QuestionSpec(text=str(row["text"]), category=str(row["category"]),
                                  difficulty=str(row.get("difficulty") or Difficulty.MEDIUM),
                                  suggested_seconds=int(row.get("suggested_seconds") or 60)))
    return specs


def list_questions(session: Session, *, category: str | None = None) -> list[Question]:
    query = select(Question).order_by(Question.category, Question.id)
    if category:
        query = query.where(Question.category == category)
    return list(session.scalars(query))


def random_question(session: Session, *, category: str | None = None) -> Question | None:
    query = select(Question.id)
    if category:
        query = query.where(Question.category == category)
    ids = list(session.scalars(query))
    return session.get(Question, random.choice(ids)) if ids else None
