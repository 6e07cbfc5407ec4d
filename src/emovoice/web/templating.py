"""The pages' Jinja2 templates and the two ways a page answers: :func:`render` and :func:`render_error`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from emovoice.analysis import wording
from emovoice.analysis.norms import MIT_INTERVIEW_FILLERS
from emovoice.storage.models import User
from emovoice.storage.questions import CATEGORIES
from emovoice.web.deps import csrf_token
from emovoice.web.uploads import ALLOWED_TIME_LIMITS, holds_the_study, time_limit_label

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def as_sentence(message: object) -> str:
    """A message (they start in lower case, with no full stop) as a sentence: capital first, stop last."""
    text = str(message).strip()
    text = text[:1].upper() + text[1:]
    return text if not text or text[-1] in ".!?…" else f"{text}."


templates.env.filters["sentence"] = as_sentence
templates.env.filters["pause"] = lambda flow: wording.pause_seconds(flow.longest_pause_s,
                                                                   threshold=flow.long_pause_threshold_s)
templates.env.filters["day"] = lambda when: wording.long_date(when.date().isoformat())  # "1 December 2026"
templates.env.filters["emotion"] = wording.sounded  # "disgusted", as the sentences say it
templates.env.filters["ordinal"] = wording.ordinal  # "71st"
templates.env.filters["share"] = lambda value, within=None: wording.percent(value, within=within)  # "59.9 %"
templates.env.globals["study"] = MIT_INTERVIEW_FILLERS  # the published study answers are compared with
templates.env.globals["study_seconds"] = min(s for s in ALLOWED_TIME_LIMITS if holds_the_study(s))
templates.env.filters["answer_time"] = time_limit_label  # "15 seconds (too short for the study comparison)"
templates.env.filters["when"] = lambda when: f"{wording.long_date(when.date().isoformat())}, {when:%H:%M} UTC"

ERROR_TITLES = {403: "Not allowed", 404: "Not found", 413: "Too large", 422: "Cannot use this", 503: "Busy"}


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf_token(request),
                                                      "categories": CATEGORIES, **context},
                                      status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> Response:
    """The error page; a 401 (not logged in) is the login page instead, which comes back here."""
    if status_code == status.HTTP_401_UNAUTHORIZED:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "error.html", None, status_code=status_code, title=ERROR_TITLES.get(status_code, "Error"),
                  message=message)
