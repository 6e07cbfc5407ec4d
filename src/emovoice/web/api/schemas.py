"""Request and response bodies of the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from typing_extensions import TypedDict  # pydantic takes typing's TypedDict only from Python 3.12 on

from emovoice.storage.enums import AnswerStatus, Difficulty
from emovoice.storage.interviews import UNANSWERED

Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
"""A figure or a limit as it was computed: an integer stays one in the JSON (``150``, not ``150.0``)."""


class Credentials(BaseModel):
    email: str = Field(max_length=320, examples=["ada@example.com"])
    password: str = Field(max_length=1024, examples=["correct horse battery"])


class UserOut(BaseModel):
    id: int
    email: str
    created_at: dt.datetime


class TokenOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'; the same login as the cookie")


class QuestionOut(BaseModel):
    id: int
    text: str
    category: str
    difficulty: Difficulty
    suggested_seconds: int


class AnswerAccepted(BaseModel):
    id: int
    status: AnswerStatus


class AnswerOut(BaseModel):
    id: int
    question_id: int | None
    question: str | None = None
    created_at: dt.datetime
    time_limit_s: int | None = None
    status: AnswerStatus
    error: str | None
    report: dict[str, Any] | None = Field(None, description="the JSON of 'emovoice analyze --json' once done")


class AnswerSummary(BaseModel):
    id: int
    question_id: int | None
    question: str | None
    created_at: dt.datetime
    status: AnswerStatus
    duration_s: float | None = None
    emotion: str | None = Field(None, description="the emotion heard, only where it can be named: heard against "
                                                  "the user's voice check, and the model not unsure")
    wpm: float | None = None
    fillers: int | None = None


class ErrorOut(BaseModel):
    detail: str


class InterviewIn(BaseModel):
    questions: int = Field(5, ge=1, le=12, description="how many questions")
    category: str | None = Field(None, description="all from one category; default: across categories")
    time_limit_s: Literal[15, 30, 60, 90, 120] = 60


class InterviewQuestionOut(BaseModel):
    position: int
    question_id: int | None
    question: str | None
    category: str | None
    answer_id: int | None
    status: AnswerStatus | Literal["unanswered"] = Field(description=f"the answer's, or '{UNANSWERED}'")


class RunAnswerOut(TypedDict):
    """One question of a mock interview and its answer's headline figures; "emotion", "in_range"
    (how many main figures lie in their target ranges) and "score" (those figures, one on the edge of
    its range counting half: what strongest and weakest are chosen by) only once the answer is analysed."""

    position: int
    question: str | None
    answer_id: int | None
    status: AnswerStatus | Literal["unanswered"]
    figures: dict[str, Number]
    emotion: NotRequired[str | None]
    in_range: NotRequired[int]
    score: NotRequired[Number]


class TopTipOut(BaseModel):
    """A tip that recurs in the run: for which figure (``metric``), in how many answers."""

    metric: str
    label: str
    answers: int
    where: str = Field(description='the same in words: "in 2 of 3 answers"')
    text: str


class InterviewSummaryOut(BaseModel):
    """What a finished mock interview says."""

    answers: list[RunAnswerOut]
    strongest: int | None = Field(description="the position of the answer with the most figures in range")
    weakest: int | None = Field(description="the position of the answer with the fewest figures in range")
    top_tips: list[TopTipOut] = Field(description="the three tips that recur most")
    figures: dict[str, Number | None] = Field(description="each main figure's mean over this run")
    previous: dict[str, Number | None] = Field(description="each main figure's mean over the earlier runs")
    previous_runs: int
    complete: bool
    pending: int = Field(description="answers still being analysed")
    failed: int = Field(description="answers that could not be analysed")
    notes: list[str]


class InterviewOut(BaseModel):
    id: int
    created_at: dt.datetime
    category: str | None
    time_limit_s: int
    questions: list[InterviewQuestionOut]
    next_position: int | None = Field(description="the first question not answered yet; null when all are")
    complete: bool = Field(description="every question answered and analysed")
    summary: InterviewSummaryOut | None = Field(None, description="once complete: headline figures, strongest and "
                                                                 "weakest answers, top tips, the run against earlier "
                                                                 "runs")


class VoiceCheckOut(BaseModel):
    created_at: dt.datetime
    duration_s: float = Field(description="length of the recording")
    speech_s: float = Field(description="seconds of voiced speech in it")
    level_dbfs: float = Field(description="its active speech level")
    baseline: dict[str, Any] | None = Field(
        description="what the baseline holds (kind, speech_s, windows, sources, created, frontend); null when it "
                    "was made for an emotion model no longer installed")


class HistogramBarOut(BaseModel):
    """One bar of a figure's distribution among other candidates' answers."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    from_: Number = Field(alias="from")
    to: Number
    count: int
    yours: bool = Field(description="the bar the answer falls in")


class FigureComparisonOut(BaseModel):
    """Where one figure of the answer stands among other candidates' answers in a group."""

    key: str
    label: str
    value: Number | None
    shown: str = Field(description="the value as the pages show it")
    n: int = Field(description="other candidates' answers with this figure")
    percentile: Number | None = Field(description="the share of other candidates' answers below (mid-rank, "
                                                  "one histogram bin's resolution); null with too few")
    mean: Number | None = Field(description="the other candidates' mean; null with too few")
    histogram: list[HistogramBarOut] = Field(description="empty with too few")


class GroupComparisonOut(BaseModel):
    """The comparison in one group: all answers ("all"), the question's category ("category:<key>")
    or the question itself ("question:<id>")."""

    scope: str
    label: str
    answers: int
    candidates: int = Field(description="other candidates with answers in the group")
    enough: bool = Field(description="whether the group is large enough to show (else only the note)")
    note: str
    figures: list[FigureComparisonOut] = Field(description="empty unless enough")
    emotion_mix: dict[str, Number] = Field(description="the other candidates' mean emotion mix; empty unless enough "
                                                       "answers heard against a voice check are in the group")
    emotion_answers: int = Field(description="other candidates' answers in the group heard against a voice check "
                                             "(0 when the answer itself was not)")
    emotion_candidates: int = Field(description="the other candidates those answers are from")
    emotion_enough: bool = Field(description="whether they are enough to compare the emotion shares with (the same "
                                             "rule as the group's); the shares are among the figures only then")
    emotion_note: str


class ReferenceRangeOut(BaseModel):
    """A figure's published reference range and the answer's verdict against it."""

    key: str
    label: str
    low: Number
    high: Number
    unit: str
    source: str
    value: Number | None
    shown: str
    verdict: str | None


class PublishedComparisonOut(BaseModel):
    """Where the answer falls among a published group (a study's percentiles)."""

    measure: str
    group: str
    source: str
    people: int
    value: Number | None
    percentile: Number | None = Field(description="the share of the group with a lower value")
    beyond: str | None = Field(description='"below" or "above" when outside the published percentiles')
    sentence: str
    percentiles: list[tuple[Number, Number]] = Field(description="the published (percentile, value) points")


class ComparisonOut(BaseModel):
    """How an answer compares with other candidates' answers, group by group, and with published ranges."""

    answer_id: int
    figures: dict[str, Number] = Field(description="the answer's headline figures")
    groups: list[GroupComparisonOut]
    references: list[ReferenceRangeOut]
    published: list[PublishedComparisonOut]
    emotion_compared: bool = Field(description="whether the emotion shares are compared: only for an answer heard "
                                               "against its speaker's voice check, and only with other answers "
                                               "heard so; else the groups hold no emotion figures")
    min_answers: int = Field(description="answers a group needs before it is shown")
    min_candidates: int = Field(description="other candidates a group needs before it is shown")


class PointOut(BaseModel):
    answer_id: int
    time: str = Field(description="when the answer was recorded (ISO 8601, to the minute)")
    value: Number


class TrendOut(BaseModel):
    """A figure's change between the first and the second half of the latest answers."""

    key: str
    answers: int
    before: Number
    after: Number
    sentence: str


class SeriesOut(BaseModel):
    """One main figure over the user's answers."""

    key: str
    label: str
    unit: str
    points: list[PointOut]
    target: tuple[Number, Number] | None = Field(description="the target range (low, high)")
    mark: Number | None = Field(None, description="a line the figure is judged against where it has no range: "
                                                  "the longest pause's 1 s, over which a silence counts as a "
                                                  "long pause")
    trend: TrendOut | None = Field(description="null with too few answers")


class ProgressOut(BaseModel):
    """Each main figure over the user's analysed answers, oldest first."""

    answers: int = Field(description="analysed answers")
    category: str | None
    series: list[SeriesOut]
