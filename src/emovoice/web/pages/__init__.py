"""Server-rendered pages (Jinja2), one module per resource: the start page, sign up and log in,
practice, answers and their reports, history, mock interviews, the voice check, the account."""

from fastapi import APIRouter

from emovoice.web.pages import account, answers, auth, history, home, interviews, practice, voice_check

router = APIRouter(include_in_schema=False)
for _module in (home, auth, practice, answers, history, interviews, voice_check, account):
    router.include_router(_module.router)
