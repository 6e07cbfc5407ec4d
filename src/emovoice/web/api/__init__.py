"""The JSON API under ``/api/`` (documented by OpenAPI at ``/docs``)."""

from fastapi import APIRouter

from emovoice.web.api.routes import answers, interviews, login, me, questions, users, voice_check

api_router = APIRouter(prefix="/api")
api_router.include_router(users.router)
api_router.include_router(login.router)
api_router.include_router(questions.router)
api_router.include_router(answers.router)
api_router.include_router(interviews.router)
api_router.include_router(me.router)
api_router.include_router(voice_check.router)
