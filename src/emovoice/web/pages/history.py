"""``/history``: every answer of the user, and each main figure over time."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from emovoice.analysis.trends import MARKS
from emovoice.storage import answers as store
from emovoice.storage.history import answers_with_figures, figures_by_answer, series
from emovoice.storage.interviews import user_interviews
from emovoice.storage.questions import CATEGORIES
from emovoice.web.deps import CurrentUser, SessionDep
from emovoice.web.templating import render

router = APIRouter()


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, user: CurrentUser, session: SessionDep, category: str | None = None) -> Response:
    if category is not None and category not in CATEGORIES:
        category = None
    listed = store.user_answers(session, user.id)
    if category:
        listed = [a for a in listed if a.question is not None and a.question.category == category]
    analysed = answers_with_figures(session, user.id, category=category)
    figures = figures_by_answer(analysed)
    trends = series(analysed, figures)
    return render(request, "history.html", user, answers=listed, figures=figures, category=category,
                  trends=trends, interviews=user_interviews(session, user.id), marks=MARKS,
                  charts={"series": [{"key": t.key, "label": t.label, "unit": t.unit, "points": t.points,
                                      "target": t.target, "mark": t.mark} for t in trends]})
