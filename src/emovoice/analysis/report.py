"""The typed report of one recording, and its JSON.

A :class:`Report` holds typed sections; :meth:`Report.to_dict` gives the JSON that
``emovoice analyze --json`` prints (described by ``schemas/report.schema.json``) and
:meth:`Report.from_dict` reads such JSON back, including that of earlier schema
versions, so that a stored report can be rendered years later. Every target range a
renderer draws travels inside the report: renderers never read today's thresholds.

>>> report = Report.from_dict(stored_json)  # doctest: +SKIP
>>> report.delivery.pace.target.low  # doctest: +SKIP
100.0
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import asdict, dataclass, field, fields
from enum import Enum, StrEnum
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from emovoice import thresholds as th
from emovoice.analysis.sentiment import Sentiment
from emovoice.errors import ParameterError
from emovoice.features.prosody import LoudnessStats, PitchStats, VoiceQuality
from emovoice.models.transcriber import Word
from emovoice.thresholds import Range, Verdict

SCHEMA_VERSION = "1.3"
"""1.0: emotion and delivery; 1.1: confidence, input, speech, transcript.resumed;
1.2: the flow and loudness targets (speaking-time range, first-word limit, level variability);
1.3: what the emotion was heard against (``reference``) and the speaker's ``baseline``."""

READABLE_VERSIONS = ("1.0", "1.1", "1.2", "1.3")

Target = Range
"""A target range ``[low, high]`` in a unit, as stored in a report."""

D = TypeVar("D")


class ReportFormatError(ParameterError):
    """A stored report that cannot be read back (unknown schema version, missing fields)."""


class ConfidenceLevel(StrEnum):
    """How sure the emotion model is (:class:`Confidence`)."""

    CONFIDENT = "confident"
    TENTATIVE = "tentative"
    UNSURE = "unsure"


class Reference(StrEnum):
    """What the emotion is heard against: the speaker's own baseline, the population baseline
    (the training speakers' average; no baseline of the speaker's own), or nothing (a plain model)."""

    SPEAKER = "speaker"
    POPULATION = "population"
    NONE = "none"


class TipKind(StrEnum):
    """What a tip does: asks for a change, praises, or notes something."""

    IMPROVE = "improve"
    PRAISE = "praise"
    NOTE = "note"


@dataclass
class Segment:
    """One second of the emotion timeline."""

    start: float
    end: float
    emotion: str
    probabilities: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Confidence:
    """How sure the model is of a recording's dominant emotion.

    Attributes
    ----------
    top : float
        The dominant emotion's (calibrated) mean probability.
    margin : float
        Its lead over the second most probable emotion.
    level : ConfidenceLevel
        ``"confident"`` (top >= EMOTION_CONFIDENT_P and margin >=
        EMOTION_CONFIDENT_MARGIN), ``"unsure"`` (top < EMOTION_UNSURE_P) or
        ``"tentative"`` (in between); thresholds in :mod:`emovoice.thresholds`.
    runner_up : str
        The second most probable emotion.
    """

    top: float
    margin: float
    level: ConfidenceLevel
    runner_up: str

    @classmethod
    def of(cls, probabilities: dict[str, float]) -> Confidence:
        ranked = sorted(probabilities.items(), key=lambda kv: -kv[1])
        (_, top), (second_label, second) = ranked[0], ranked[1]
        margin = top - second
        if top >= th.EMOTION_CONFIDENT_P and margin >= th.EMOTION_CONFIDENT_MARGIN:
            level = ConfidenceLevel.CONFIDENT
        elif top < th.EMOTION_UNSURE_P:
            level = ConfidenceLevel.UNSURE
        else:
            level = ConfidenceLevel.TENTATIVE
        return cls(top=round(top, 4), margin=round(margin, 4), level=level, runner_up=second_label)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BaselineInfo:
    """What a speaker's baseline was made from (:meth:`emovoice.Baseline.describe`)."""

    kind: str
    speech_s: float
    windows: int
    sources: int
    created: str
    frontend: dict[str, Any]


@dataclass
class EmotionReport:
    """What the emotion model heard in one recording.

    Attributes
    ----------
    file : str or None
    duration_s : float
    emotion : str
        The emotion with the highest mean probability.
    probabilities : dict of str to float
        Mean probability of each of the 8 emotions over the windows.
    timeline : list of Segment
        One entry per second (the last may be shorter).
    confidence : Confidence
        How sure the model is of ``emotion`` (judged when the report was made).
    reference : Reference
        What the voice was heard against: ``"population"``
        means the speaker had no baseline of their own, so a voice calmer or lower
        than the training actors' may read as sad.
    baseline : BaselineInfo or None
        The speaker's baseline, when one was used.
    """

    file: str | None
    duration_s: float
    emotion: str
    probabilities: dict[str, float]
    timeline: list[Segment] = field(default_factory=list)
    confidence: Confidence = None  # type: ignore[assignment]
    reference: Reference = Reference.NONE
    baseline: BaselineInfo | None = None

    def __post_init__(self) -> None:
        if self.confidence is None:
            self.confidence = Confidence.of(self.probabilities)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "duration_s": self.duration_s, "emotion": self.emotion,
                "probabilities": self.probabilities, "confidence": self.confidence.to_dict(),
                "reference": self.reference, "baseline": asdict(self.baseline) if self.baseline else None,
                "timeline": [s.to_dict() for s in self.timeline]}


@dataclass
class InputInfo:
    """What decoding found: channels mixed down, truncation, notes for the reader."""

    channels: int = 1
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Speech:
    """How much speech the recording holds (the check made before any analysis)."""

    voiced_speech_s: float
    pitch_spread_st: float
    level_spread_db: float
    found: bool
    reason: str | None
    little: bool
    little_threshold_s: float


@dataclass
class TranscriptSection:
    available: bool
    reason: str | None
    model: str | None
    text: str
    words: list[Word]
    segments: int = 0
    retried_without_prompt: int = 0
    resumed: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class PaceSection:
    wpm: float | None
    speaking_wpm: float | None
    target: Target
    verdict: Verdict | None
    curve: list[dict[str, float]] = field(default_factory=list)


@dataclass
class FillersSection:
    count: int | None
    per_minute: float | None
    target: Target
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict | None:
        return None if self.per_minute is None else self.target.verdict(self.per_minute)


@dataclass
class FlowSection:
    speaking_s: float
    speaking_ratio: float
    long_pause_threshold_s: float
    long_pause_count: int
    long_pauses: list[dict[str, float]]
    longest_pause_s: float
    time_to_first_word_s: float | None
    speech_regions: list[list[float]]
    target_speaking_ratio: Target | None = None
    first_word_limit_s: float | None = None
    long_pause_limit: int | None = None
    """Most pauses over ``long_pause_threshold_s`` the answer may hold (None in reports made before it)."""

    @property
    def first_word_verdict(self) -> Verdict | None:
        if self.first_word_limit_s is None or self.time_to_first_word_s is None:
            return None
        return Verdict.OK if self.time_to_first_word_s <= self.first_word_limit_s else Verdict.HIGH

    @property
    def speaking_ratio_verdict(self) -> Verdict | None:
        """The time speaking against its target; None without one, and for a share over it in under
        :data:`~emovoice.thresholds.PAUSE_ADVICE_MIN_S` of speech (:attr:`too_short_to_judge`)."""
        if self.target_speaking_ratio is None or self.too_short_to_judge:
            return None
        return self.target_speaking_ratio.verdict(self.speaking_ratio)

    @property
    def scored(self) -> bool:
        """Whether the answer holds enough speech to be scored
        (:data:`~emovoice.thresholds.SCORED_ANSWER_MIN_SPEECH_S`): compared, averaged, ranked and trended."""
        return self.speaking_s >= th.SCORED_ANSWER_MIN_SPEECH_S

    @property
    def too_short_to_judge(self) -> bool:
        """Speaking nearly all the time in one short sentence: no breath is due in it, so its 100 % is
        not "too high" (the advice says nothing of it either)."""
        return (self.target_speaking_ratio is not None and self.speaking_ratio > self.target_speaking_ratio.high
                and self.speaking_s < th.PAUSE_ADVICE_MIN_S)

    @property
    def long_pause_verdict(self) -> Verdict | None:
        if self.long_pause_limit is None:
            return None
        return Verdict.OK if self.long_pause_count <= self.long_pause_limit else Verdict.HIGH


@dataclass
class PitchSection(PitchStats):
    """The pitch figures with the targets they were judged by."""

    unit: str
    monotone_threshold_st: float
    target_variability: Target


@dataclass
class LoudnessSection(LoudnessStats):
    """The loudness figures with the targets they were judged by."""

    target: Target
    clipping_threshold_fraction: float
    target_variability: Target | None = None


@dataclass
class Tip:
    """One piece of advice; ``metric`` is what it is about ("pace", "fillers", "emotion"...)."""

    kind: TipKind
    metric: str
    text: str


@dataclass
class Delivery:
    """Everything an interview coach would tell: each figure with its target."""

    transcript: TranscriptSection
    pace: PaceSection
    fillers: FillersSection
    flow: FlowSection
    pitch: PitchSection
    loudness: LoudnessSection
    voice_quality: VoiceQuality
    sentiment: Sentiment
    missing: list[str] = field(default_factory=list)
    feedback: list[Tip] = field(default_factory=list)


@dataclass
class Report:
    """The full analysis of one recording.

    ``emotion_report`` holds the emotion; ``delivery`` the delivery figures (None
    when only emotion was asked for). :meth:`to_dict` gives the JSON that
    ``emovoice analyze --json`` prints; :meth:`from_dict` reads it back.
    """

    emotion_report: EmotionReport
    delivery: Delivery | None = None
    speech: Speech | None = None
    source: InputInfo = field(default_factory=InputInfo)
    timings_s: dict[str, float] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    @property
    def file(self) -> str | None:
        return self.emotion_report.file

    @property
    def duration_s(self) -> float:
        return self.emotion_report.duration_s

    @property
    def emotion(self) -> str:
        return self.emotion_report.emotion

    @property
    def probabilities(self) -> dict[str, float]:
        return self.emotion_report.probabilities

    @property
    def timeline(self) -> list[Segment]:
        return self.emotion_report.timeline

    @property
    def confidence(self) -> Confidence:
        return self.emotion_report.confidence

    def __getitem__(self, key: str) -> Any:
        data = self.to_dict()
        if key not in data:
            delivery_keys = {f.name for f in fields(Delivery)}
            why = (" (it holds no delivery analysis: it was made with delivery=False)"
                   if self.delivery is None and key in delivery_keys else "")
            raise KeyError(f"{key!r} is not in this report{why}")
        return data[key]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``schemas/report.schema.json``)."""
        out: dict[str, Any] = {"schema_version": self.schema_version, **self.emotion_report.to_dict(),
                               "input": asdict(self.source),
                               "speech": asdict(self.speech) if self.speech else {}}
        if self.delivery is not None:
            out.update(asdict(self.delivery))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read back the JSON of :meth:`to_dict`, of this or an earlier schema version.

        Raises
        ------
        ReportFormatError
            An unknown schema version, or a field missing or of the wrong shape.
        """
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version not in READABLE_VERSIONS:
            raise ReportFormatError(f"cannot read a report of schema version {version!r}; "
                                    f"this emovoice reads {', '.join(READABLE_VERSIONS)}")
        try:
            emotion = _load(EmotionReport, data)
            delivery = _load(Delivery, data) if "pace" in data else None
            speech = _load(Speech, data["speech"]) if data.get("speech") else None
            source = _load(InputInfo, data.get("input") or {})
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise ReportFormatError(f"a stored report (schema {version}) is damaged: {exc}") from None
        return cls(emotion_report=emotion, delivery=delivery, speech=speech, source=source,
                   schema_version=str(version))


def _load(kind: Any, value: Any) -> Any:
    """Build ``kind`` (a dataclass, list, dict, optional or plain type) from JSON data."""
    if value is None:
        return None
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(value, dict):
            raise TypeError(f"{kind.__name__} needs an object, got {type(value).__name__}")
        hints = get_type_hints(kind)
        return kind(**{f.name: _load(hints[f.name], value[f.name])
                       for f in dataclasses.fields(kind) if f.init and f.name in value})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        return _load(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = get_args(kind)
        return [_load(item, v) for v in value]
    if origin is dict:
        return dict(value)
    return value
