"""Real candidates from published studies, to compare an answer with before the local group of
candidates is big enough (on one laptop it never is).

Each norm names its study, its people and its measure; a comparison says where the answer falls
among them, as a percentile interpolated between the published percentiles.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from emovoice.analysis.speech import SINGLE_FILLERS, normalise_token


@dataclass(frozen=True)
class PublishedNorm:
    """A measure's published percentiles among a group of real people.

    Attributes
    ----------
    measure : str
        What is measured, in words.
    group : str
        Who was measured.
    source : str
        The study, to cite.
    people : int
    percentiles : tuple of (float, float)
        ``(percentile, value)`` pairs, ascending.
    min_words : int
        An answer with fewer words than this is too short to compare.
    """

    measure: str
    group: str
    source: str
    people: int
    percentiles: tuple[tuple[float, float], ...]
    min_words: int


MIT_INTERVIEW_FILLERS = PublishedNorm(
    measure="um/uh-type fillers per 100 other words",
    group="interviewees in the MIT Interview Dataset (MIT students in mock job interviews)",
    source="Naim, Tanveer, Gildea and Hoque (2015), \"Automated prediction and analysis of job interview "
           "performance: the role of what you say and how you say it\", IEEE Face and Gesture; the MIT Interview "
           "Dataset, 138 mock job interviews whose transcripts keep every filler; figures over the 137 "
           "interviewees with over 50 words",
    people=137,
    percentiles=((10, 1.12), (25, 2.20), (50, 3.65), (75, 5.27), (90, 7.14)),
    min_words=50,
)


@dataclass
class NormComparison:
    """Where one answer falls among a published group.

    ``percentile`` is the share of the group with a lower value (None when the answer cannot be
    compared); ``beyond`` is "below" or "above" when the value lies outside the published
    percentiles, so the share is only known to be at most or at least theirs.
    """

    measure: str
    group: str
    source: str
    people: int
    value: float | None
    percentile: float | None
    beyond: str | None
    sentence: str
    percentiles: list[tuple[float, float]]


def percentile_among(value: float, percentiles: tuple[tuple[float, float], ...]) -> tuple[float, str | None]:
    """The percentile of ``value``, linear between published points; clamped (with "below"/"above") outside."""
    (p_low, v_low), (p_high, v_high) = percentiles[0], percentiles[-1]
    if value < v_low:
        return p_low, "below"
    if value > v_high:
        return p_high, "above"
    for (p0, v0), (p1, v1) in itertools.pairwise(percentiles):
        if v0 <= value <= v1:
            return (p0 if v1 == v0 else p0 + (p1 - p0) * (value - v0) / (v1 - v0)), None
    return p_high, None


def um_uh_per_100_words(report: dict[str, Any]) -> tuple[float | None, int]:
    """The answer's um/uh-type fillers per 100 other words, and its number of other words (None
    without a transcript)."""
    transcript = report.get("transcript") or {}
    if not transcript.get("available"):
        return None, 0
    tokens = [normalise_token(str(w.get("text", ""))) for w in transcript.get("words", [])]
    fillers = sum(t in SINGLE_FILLERS for t in tokens)
    others = sum(bool(t) and t not in SINGLE_FILLERS for t in tokens)
    return (round(100 * fillers / others, 2) if others else None), others


def compare_fillers(report: dict[str, Any], norm: PublishedNorm = MIT_INTERVIEW_FILLERS) -> NormComparison:
    """The answer's filler rate among the published interviewees, with a sentence that says it."""
    value, words = um_uh_per_100_words(report)
    percentile: float | None = None
    beyond: str | None = None
    people = f"the {norm.people} {norm.group}"
    if value is None:
        sentence = f"There is no transcript of this answer, so it cannot be compared with {people}."
    elif words <= norm.min_words:
        sentence = (f"This answer has {words} words; like the study, the comparison needs over {norm.min_words}, "
                    f"so it is not compared with {people}. A longer answer will be.")
        value = None
    else:
        percentile, beyond = percentile_among(value, norm.percentiles)
        share = f"{percentile:.0f}\u00a0%"  # a no-break space: "31" and "%" never part at a line's end
        said = "You said no um or uh at all" if value == 0 else f"You said um or uh {value:.1f} times per 100 words"
        if beyond == "below":
            sentence = f"{said}: at least {100 - percentile:.0f}\u00a0% of {people} said them more often."
        elif beyond == "above":
            sentence = f"{said}: at least {share} of {people} said them less often."
        else:
            sentence = (f"{said}: about {share} of {people} said them less often, and the other "
                        f"{100 - percentile:.0f}\u00a0% more often.")
    return NormComparison(measure=norm.measure, group=norm.group, source=norm.source, people=norm.people,
                          value=value, percentile=None if percentile is None else round(percentile, 1),
                          beyond=beyond, sentence=sentence, percentiles=list(norm.percentiles))
