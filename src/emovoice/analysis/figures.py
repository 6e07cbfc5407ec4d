"""The headline figures of an answer: what comparisons, trends and summaries are made of.

Each :class:`Figure` says where it is read from in a report, its unit, how it is binned for
the comparison histograms (fixed bins, so that histograms can be kept up to date by adding
and subtracting) and the reference range it is judged by when there are too few other
candidates to compare with, with that range's source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from emovoice import thresholds as th
from emovoice.analysis.report import Report
from emovoice.analysis.sentiment import verdict as sentiment_verdict
from emovoice.analysis.wording import is_named, pause_seconds, percent, shows_reading, sounded
from emovoice.labels import EMOTIONS
from emovoice.thresholds import Range, Verdict


class Better(StrEnum):
    """Which way a figure is better."""

    HIGHER = "higher"
    LOWER = "lower"
    IN_RANGE = "in range"
    NEITHER = ""
    """No better direction, as for an emotion's share."""


@dataclass(frozen=True)
class Figure:
    """One headline figure.

    Attributes
    ----------
    key : str
        Its name in stored figures and in the API.
    label, unit : str
    low, high, bin_width : float
        The comparison histogram's range and bin width; values outside fall in the end bins.
    fmt : str
        Format of a value for display.
    reference : Range or None
        A reference range to judge a value by without other candidates.
    reference_source : str
        Where that range comes from.
    better : Better
    steady : float
        The smallest change worth naming, in the figure's own unit: a trend smaller than this
        "held steady", and a value this close to the target range's edge (either side) is on
        neither side of it when answers are ranked.
    """

    key: str
    label: str
    unit: str
    low: float
    high: float
    bin_width: float
    fmt: str
    reference: Range | None = None
    reference_source: str = ""
    better: Better = Better.NEITHER
    steady: float = 0.0

    @property
    def n_bins(self) -> int:
        return round((self.high - self.low) / self.bin_width)

    def bin(self, value: float) -> int:
        """The histogram bin of ``value`` (clamped to the range)."""
        index = math.floor((value - self.low) / self.bin_width + 1e-9)
        return min(max(index, 0), self.n_bins - 1)

    def bin_edges(self, index: int) -> tuple[float, float]:
        return self.low + index * self.bin_width, self.low + (index + 1) * self.bin_width

    def format(self, value: float | None, *, decimals: int | None = None) -> str:
        """The value as a reader sees it: a sentiment score with its word, no pause as "none".

        ``decimals`` gives at least that many decimals (see :meth:`format_together`)."""
        if value is None:
            return "n/a"
        if self.key == "sentiment":
            return f"{sentiment_verdict(value)} ({round(value, 2) + 0.0:+.2f})"  # + 0.0: never "-0.00"
        if self.key == "longest_pause_s" and value < 0.05:
            return "none"
        if self.key == "longest_pause_s":
            return f"{pause_seconds(value, threshold=th.LONG_PAUSE_S, decimals=decimals)} s"
        if self.fmt == ".0%":
            return percent(value, within=self.reference, decimals=decimals or 0)  # "62 %", as every page says a share
        precision = int(self.fmt[-2])
        return f"{value:.{max(precision, decimals or 0)}f}{(' ' + self.unit) if self.unit else ''}"

    def format_together(self, values: Sequence[float | None]) -> list[str]:
        """The values as :meth:`format` shows them, all to the same number of decimals: a column
        or a pair that reads "60 %" beside "59.5 %" (or "1.02 s" beside "1.1 s") gets the most
        decimals any of them needs."""
        shown = [self.format(v) for v in values]
        counts = {_decimals(s) for s, v in zip(shown, values, strict=True) if v is not None and s != "none"}
        if len(counts) < 2:
            return shown
        most = max(counts)
        return [self.format(v, decimals=most) for v in values]

    def near_edge(self, value: float) -> bool:
        """Whether ``value`` lies within :attr:`steady` of its target range's edge, on either side."""
        if self.reference is None or self.steady <= 0:
            return False
        return min(abs(value - self.reference.low), abs(value - self.reference.high)) < self.steady


def _decimals(shown: str) -> int:
    number = re.search(r"\d+(?:\.(\d+))?", shown)
    return len(number.group(1) or "") if number else 0


_COACH = "emovoice's target range, from coaching guidance; not a measured norm"

FIGURES: tuple[Figure, ...] = (
    Figure("wpm", "Pace", "wpm", 0, 300, 2, ".0f", th.PACE_WPM,
           "Microsoft Speaker Coach's guidance for presenting (100-165 words per minute)", Better.IN_RANGE, 5.0),
    Figure("fillers_per_min", "Filler words", "a minute", 0, 30, 0.2, ".1f", th.FILLERS_PER_MIN, _COACH, Better.LOWER,
           0.5),
    Figure("speaking_ratio", "Time speaking", "", 0, 1, 0.01, ".0%", th.SPEAKING_RATIO, _COACH, Better.IN_RANGE,
           0.02),
    Figure("longest_pause_s", "Longest pause", "s", 0, 30, 0.1, ".1f", None, "", Better.LOWER, 0.2),
    Figure("pitch_variability_st", "Pitch variation", "semitones", 0, 15, 0.1, ".1f", th.PITCH_VARIABILITY_ST,
           "under 2 semitones is heard as monotone; read speech varies 2-4 semitones, lively speech more "
           "(emovoice's target, from coaching practice; not a measured norm)", Better.IN_RANGE, 0.3),
    Figure("loudness_dbfs", "Loudness", "dBFS", -80, 0, 0.5, ".0f", th.LOUDNESS_DBFS,
           "a recording level that is neither too quiet nor clipping (emovoice's target)", Better.IN_RANGE, 1.5),
    Figure("sentiment", "Sentiment", "from −1, negative, to +1, positive", -1, 1, 0.02, "+.2f", None, "",
           Better.HIGHER, 0.1),
    *(Figure(f"emotion_{e}", sounded(e).capitalize(), "", 0, 1, 0.01, ".0%", steady=0.05) for e in EMOTIONS),
)
BY_KEY = {f.key: f for f in FIGURES}
MAIN_FIGURES = ("wpm", "fillers_per_min", "speaking_ratio", "longest_pause_s", "pitch_variability_st",
                "loudness_dbfs", "sentiment")
"""The delivery figures (the emotion shares are the rest)."""


def headline_figures(report: Report) -> dict[str, float]:
    """The figures of a report; those it lacks (no transcript, no pitch, emotion only) are left out.

    The emotion shares are figures only where the voice was heard against the speaker's own voice
    check (:func:`~emovoice.analysis.wording.shows_reading`): against the training actors' voices
    they are not a reading of the speaker, so they are neither compared nor averaged. For the same
    reason the sentiment figure is the words' alone unless the report names the voice's tone
    (:func:`~emovoice.analysis.wording.is_named`), as its sentence does: beside "Your words were
    neutral." it read "negative (-0.08)", the actors' voices pulling it down. An answer with less
    speech than :data:`~emovoice.thresholds.SCORED_ANSWER_MIN_SPEECH_S` has no headline figures."""
    delivery = report.delivery
    values: dict[str, float | None] = {}
    if delivery is not None and not delivery.flow.scored:
        return {}
    if delivery is not None:
        values = {
            "wpm": delivery.pace.wpm,
            "fillers_per_min": delivery.fillers.per_minute,
            "speaking_ratio": delivery.flow.speaking_ratio,
            "longest_pause_s": delivery.flow.longest_pause_s,
            "pitch_variability_st": delivery.pitch.variability_st,
            "loudness_dbfs": delivery.loudness.level_dbfs,
            "sentiment": (delivery.sentiment.fused_score if is_named(report.emotion_report)
                          else delivery.sentiment.text_score),
        }
    if shows_reading(report.emotion_report):
        for emotion in EMOTIONS:
            values[f"emotion_{emotion}"] = report.probabilities.get(emotion)
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}


def in_range(figure: Figure, value: float | None) -> bool | None:
    """Whether ``value`` lies in the figure's reference range (None without one)."""
    if value is None or figure.reference is None:
        return None
    return figure.reference.verdict(value) == Verdict.OK
