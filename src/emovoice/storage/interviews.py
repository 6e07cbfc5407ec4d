"""Mock interviews: a run of questions answered one after another, and the run's summary."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Final, NotRequired, TypedDict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from emovoice import thresholds as th
from emovoice.analysis.figures import BY_KEY, MAIN_FIGURES, in_range
from emovoice.errors import ParameterError
from emovoice.storage.comparison import uncount_answer
from emovoice.storage.enums import AnswerStatus
from emovoice.storage.models import Answer, Interview, InterviewQuestion, Question
from emovoice.storage.questions import CATEGORIES

UNANSWERED: Final = "unanswered"
"""The status of an interview's question that has no answer yet (the others have their answer's status)."""


def create_interview(session: Session, user_id: int, *, questions: int = th.INTERVIEW_QUESTIONS,
                     category: str | None = None, time_limit_s: int = 60,
                     rng: random.Random | None = None) -> Interview:
    """A new mock interview of ``questions`` questions: from one category, or across categories
    (a different category for each question, as far as they go)."""
    rng = rng or random.Random()
    if not 1 <= questions <= th.MAX_INTERVIEW_QUESTIONS:
        raise ParameterError(f"a mock interview has 1 to {th.MAX_INTERVIEW_QUESTIONS} questions, got {questions}")
    if category is not None and category not in CATEGORIES:
        raise ParameterError(f"unknown category {category!r}; choose one of {', '.join(CATEGORIES)}")
    pool: dict[str, list[int]] = {}
    for qid, cat in session.execute(select(Question.id, Question.category)):
        if category is None or cat == category:
            pool.setdefault(cat, []).append(qid)
    if sum(len(v) for v in pool.values()) < questions:
        raise ParameterError(f"not enough questions{' in ' + category if category else ''} for {questions}")
    for ids in pool.values():
        rng.shuffle(ids)
    # it opens with "about you" and ends with "closing" (when there are two questions or more), whatever
    # the number of questions; the others cycle through the remaining categories in a shuffled order
    ends = [c for c in ("about_you", "closing") if c in pool][: min(questions, 2)]
    middle = [c for c in CATEGORIES if c in pool and c not in ends]
    rng.shuffle(middle)
    first = [pool["about_you"].pop()] if "about_you" in ends else []
    last = [pool["closing"].pop()] if "closing" in ends else []
    between: list[int] = []
    while len(between) < questions - len(first) - len(last):
        for cat in [c for c in middle if pool[c]] or [c for c in pool if pool[c]]:  # then whatever is left
            if len(between) < questions - len(first) - len(last):
                between.append(pool[cat].pop())
    chosen = first + between + last
    interview = Interview(user_id=user_id, category=category, time_limit_s=time_limit_s)
    interview.questions = [InterviewQuestion(position=i + 1, question_id=qid) for i, qid in enumerate(chosen)]
    session.add(interview)
    session.flush()
    return interview


def user_interview(session: Session, *, user_id: int, interview_id: int) -> Interview | None:
    return session.scalar(select(Interview).where(Interview.id == interview_id, Interview.user_id == user_id)
                          .options(selectinload(Interview.questions).selectinload(InterviewQuestion.question)))


def user_interviews(session: Session, user_id: int) -> list[Interview]:
    return list(session.scalars(select(Interview).where(Interview.user_id == user_id)
                                .order_by(Interview.created_at.desc(), Interview.id.desc())))


def interview_answers(session: Session, interview: Interview) -> dict[int, Answer]:
    """The answers of an interview by position (the latest one where a position was answered twice)."""
    rows = session.scalars(select(Answer).where(Answer.interview_id == interview.id).order_by(Answer.id))
    return {a.position: a for a in rows if a.position is not None}


def next_position(interview: Interview, answered: dict[int, Answer]) -> int | None:
    """The first question of the run not answered yet (``answered``: :func:`interview_answers`), or None."""
    for item in interview.questions:
        if item.position not in answered:
            return item.position
    return None


def delete_interview(session: Session, *, user_id: int, interview_id: int) -> bool:
    interview = user_interview(session, user_id=user_id, interview_id=interview_id)
    if interview is None:
        return False
    for answer in interview_answers(session, interview).values():
        uncount_answer(session, answer)
    session.flush()
    session.execute(delete(Answer).where(Answer.interview_id == interview_id))
    session.execute(delete(Interview).where(Interview.id == interview_id))
    return True


class RunAnswer(TypedDict):
    """One question of a run and its answer's headline figures; ``emotion`` and ``in_range`` (how
    many main figures lie in their target ranges) only once the answer is analysed."""

    position: int
    question: str | None
    answer_id: int | None
    status: str
    figures: dict[str, float]
    emotion: NotRequired[str | None]
    in_range: NotRequired[int]
    score: NotRequired[float]
    """:func:`answer_score`, what strongest and weakest are chosen by."""


class TopTip(TypedDict):
    """A tip that recurs in a run: for which ``metric``, in how many ``answers`` (``where`` in words)."""

    metric: str
    label: str
    answers: int
    where: str
    text: str


@dataclass
class RunSummary:
    """What a finished mock interview says."""

    answers: list[RunAnswer]
    strongest: int | None
    weakest: int | None
    top_tips: list[TopTip]
    figures: dict[str, float | None]
    previous: dict[str, float | None]
    previous_runs: int
    complete: bool
    pending: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def _in_range_count(figures: dict[str, float]) -> int:
    return sum(bool(in_range(BY_KEY[k], figures.get(k))) for k in MAIN_FIGURES)


def answer_score(figures: dict[str, float]) -> float:
    """How many of the figures are inside their target ranges, a figure on the edge of its range
    (within its :attr:`~emovoice.analysis.figures.Figure.steady` step, either side) counting half:
    60.4 % against 59.5 % of the time speaking, with a target of 60-95 %, is no difference worth
    calling one answer the stronger."""
    score = 0.0
    for key in MAIN_FIGURES:
        figure, value = BY_KEY[key], figures.get(key)
        if value is None or figure.reference is None:
            continue
        score += 0.5 if figure.near_edge(value) else float(bool(in_range(figure, value)))
    return score


def standout(rows: list[RunAnswer], *, strongest: bool) -> int | None:
    """The position of the strongest (or weakest) answer by its ``score`` (:func:`answer_score`), or None
    where no single answer stands out. Among answers tied on the score, the one with the fewest (or most)
    filler words stands out if it leads the next by the figure's steady step (half a filler a minute) or more."""
    if len(rows) < 2:
        return None
    scores = [r["score"] for r in rows]
    best = max(scores) if strongest else min(scores)
    tied = [r for r, score in zip(rows, scores, strict=True) if score == best]
    if len(tied) == 1:
        return tied[0]["position"]
    step = BY_KEY["fillers_per_min"].steady
    ordered = sorted(tied, key=lambda r: r["figures"].get("fillers_per_min", 0.0), reverse=not strongest)
    first, second = (r["figures"].get("fillers_per_min", 0.0) for r in ordered[:2])
    return ordered[0]["position"] if abs(second - first) >= step else None


def _means(figure_sets: list[dict[str, float]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in MAIN_FIGURES:
        values = [f[key] for f in figure_sets if key in f]
        out[key] = round(sum(values) / len(values), 4) if values else None
    return out


TIP_LABELS = {"pace": "Pace", "fillers": "Filler words", "flow": "Pauses and flow", "pitch": "Pitch variation",
              "loudness": "Loudness", "emotion": "Emotion", "sentiment": "Sentiment", "speech": "Speech",
              "input": "Recording", "transcript": "Transcript"}
"""How a tip's ``metric`` is named to a reader."""


def tip_kind(text: str) -> str:
    """Which tip a tip's text is: its words with the figures and the quoted words masked ("You spoke
    at # words per minute; aim for #-#. Slow down..."), so that the same advice is counted together
    across answers while "Slow down" and "Speed up", or a tip on long pauses and one on time speaking,
    stay apart."""
    masked = re.sub(r"\d+(?:\.\d+)?", "#", text)
    masked = re.sub(r'"[^"]*"', '"…"', masked)  # mostly "um", mostly "so"
    return re.sub(r"\bonce\b", "# times", masked)


def in_how_many(n: int, total: int) -> str:
    """ "in 2 of 3 answers", "in both answers", "in all 5 answers", "in your answer"."""
    if n >= total:
        return "in your answer" if total == 1 else "in both answers" if total == 2 else f"in all {total} answers"
    return f"in {n} of {total} answers"


def summarise(session: Session, interview: Interview, answered: dict[int, Answer]) -> RunSummary:
    """Each answer's headline figures, the strongest and the weakest (most and fewest figures in
    their target ranges), the three tips that recur most, and the run against the user's previous runs.

    ``answered`` is the interview's answers by position (:func:`interview_answers`).
    """
    rows: list[RunAnswer] = []
    figure_sets = []
    tips: Counter[tuple[str, str]] = Counter()
    tip_text: dict[tuple[str, str], str] = {}
    brief: list[int] = []
    pending = failed = 0
    for item in interview.questions:
        answer = answered.get(item.position)
        row: RunAnswer = {"position": item.position, "question": item.question.text if item.question else None,
                          "answer_id": answer.id if answer else None,
                          "status": answer.status if answer else UNANSWERED, "figures": {}}
        if answer is not None and answer.status == AnswerStatus.DONE:
            figures = json.loads(answer.figures_json or "{}")
            row["figures"] = figures
            row["emotion"] = answer.emotion
            row["in_range"] = _in_range_count(figures)
            row["score"] = answer_score(figures)
            figure_sets.append(figures)
            if not figures:
                brief.append(item.position)
            report = json.loads(answer.report_json or "{}")
            for tip in report.get("feedback", []):
                if tip.get("kind") == "improve":
                    # one tip of a kind: "Pauses and flow" holds tips on long pauses and on time speaking
                    kind = (tip["metric"], tip_kind(tip["text"]))
                    tips[kind] += 1
                    tip_text.setdefault(kind, tip["text"])
        elif answer is not None and answer.status in (AnswerStatus.QUEUED, AnswerStatus.RUNNING):
            pending += 1
        elif answer is not None:
            failed += 1
        rows.append(row)
    done = [r for r in rows if r["figures"]]

    # an answer is the strongest (or weakest) only where no other ties it
    strongest = standout(done, strongest=True)
    weakest = standout(done, strongest=False)
    if weakest == strongest:
        weakest = None
    analysed = len(done) + len(brief)  # the tips come from every analysed answer's report
    top: list[TopTip] = [{"metric": kind[0], "label": TIP_LABELS.get(kind[0], kind[0].capitalize()), "answers": n,
                          "where": in_how_many(n, analysed), "text": tip_text[kind]}
                         for kind, n in tips.most_common(3)]
    earlier = [i.id for i in session.scalars(select(Interview).where(
        Interview.user_id == interview.user_id, Interview.id != interview.id,
        Interview.created_at <= interview.created_at))]
    previous_sets = [json.loads(f or "{}") for f in session.scalars(select(Answer.figures_json).where(
        Answer.interview_id.in_(earlier), Answer.figures_json.is_not(None)))] if earlier else []
    notes = []
    if brief:
        which = " and ".join(", ".join(map(str, brief)).rsplit(", ", 1))
        notes.append(f"Answer{'s' if len(brief) > 1 else ''} {which} had under "
                     f"{th.SCORED_ANSWER_MIN_SPEECH_S:.0f} s of speech: a sentence, not an answer. "
                     f"{'They are' if len(brief) > 1 else 'It is'} left out of the strongest and weakest, of the "
                     "means and of your history's trends; open the report for its figures.")
    if failed:
        notes.append(f"{failed} answer{'s' if failed > 1 else ''} could not be analysed; the summary leaves "
                     f"{'them' if failed > 1 else 'it'} out.")
    return RunSummary(answers=rows, strongest=strongest, weakest=weakest, top_tips=top, figures=_means(figure_sets),
                      previous=_means(previous_sets), previous_runs=len(earlier),
                      complete=pending == 0 and all(r["status"] != UNANSWERED for r in rows),
                      pending=pending, failed=failed, notes=notes)

