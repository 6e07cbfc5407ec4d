"""Progress over time: a plain sentence for a figure's trend over the user's latest answers."""

from __future__ import annotations

from dataclasses import dataclass

from emovoice import thresholds as th
from emovoice.analysis.figures import Better, Figure


@dataclass(frozen=True)
class Trend:
    """A figure's change between the first and the second half of the latest answers."""

    key: str
    answers: int
    before: float
    after: float
    sentence: str


def _better(figure: Figure, before: float, after: float) -> bool | None:
    if figure.better == Better.HIGHER:
        return after > before
    if figure.better == Better.LOWER:
        return after < before
    if figure.better == Better.IN_RANGE and figure.reference is not None:
        def distance(v: float) -> float:
            return max(figure.reference.low - v, 0.0, v - figure.reference.high)  # type: ignore[union-attr]
        if distance(after) == distance(before):
            return None
        return distance(after) < distance(before)
    return None


@dataclass(frozen=True)
class Mark:
    """A line a figure without a target range is read against, and what it means."""

    value: float
    meaning: str


MARKS = {"longest_pause_s": Mark(th.LONG_PAUSE_S, f"a silence over {th.LONG_PAUSE_S:.0f} s counts as a long pause "
                                                  "in your reports")}
"""The figures without a target range that are still read against a line."""


_OUTSIDE_WORDS = {"loudness_dbfs": ("too quiet", "too loud"), "wpm": ("too slow", "too fast")}
"""What under and over the target mean, for the figures where a word says it better than a number."""


def against_target(figure: Figure, value: float) -> str:
    """Where ``value`` stands against the figure's target range, as the end of a sentence
    ("; inside its target, 100 wpm to 165 wpm"); for a figure without one, what its line means
    (:data:`MARKS`), or ""."""
    target = figure.reference
    if target is None:
        mark = MARKS.get(figure.key)
        return f"; {mark.meaning}" if mark else ""
    named = (f"at most {figure.format(target.high)}" if target.low == 0 and figure.better == Better.LOWER
             else f"{figure.format(target.low)} to {figure.format(target.high)}")
    verdict = target.verdict(value)
    if verdict == th.Verdict.OK:
        return f"; inside its target, {named}"
    under, over = _OUTSIDE_WORDS.get(figure.key, ("", ""))
    word = under if verdict == th.Verdict.LOW else over
    return f"; {'under' if verdict == th.Verdict.LOW else 'over'} its target, {named}{f' ({word})' if word else ''}"


def _though_outside(figure: Figure, mean: float, values: list[float]) -> str:
    """Where a mean inside the target hides answers outside it: ", though of these 5 answers 3 were
    under it" (a mean of -35 dBFS beside three answers each marked "too quiet"); else ""."""
    target = figure.reference
    if target is None or target.verdict(mean) != th.Verdict.OK:
        return ""
    under = sum(target.verdict(v) == th.Verdict.LOW for v in values)
    over = sum(target.verdict(v) == th.Verdict.HIGH for v in values)
    sides = [f"{n} {'was' if n == 1 else 'were'} {side} it" for n, side in ((under, "under"), (over, "over")) if n]
    if not sides:
        return ""
    return f", though of these {len(values)} answers {' and '.join(sides)}"


def trend(figure: Figure, values: list[float], *, window: int = th.TREND_ANSWERS) -> Trend | None:
    """The trend of ``values`` (oldest first) over the latest ``window`` answers, or None with too few.

    The sentence compares the mean of the first half with the mean of the second half, so that
    one odd answer does not make a trend, and says where the second stands against the target.
    """
    latest = values[-window:]
    if len(latest) < th.TREND_MIN_ANSWERS:
        return None
    half = len(latest) // 2
    before = sum(latest[:half]) / half
    after = sum(latest[half:]) / (len(latest) - half)
    shown_before, shown_after = figure.format_together([before, after])
    name = figure.label.lower()
    # the two figures are means (of the earlier and the later answers), said as such: a reader
    # looking for "128 wpm" among the answers' own figures finds none. A change smaller than the
    # figure's steady step (60 % to 59.9 %, 1.02 s to 1.1 s) is rounding noise, not a trend.
    if shown_before == shown_after or abs(after - before) < figure.steady:
        mean = sum(latest) / len(latest)
        sentence = (f"Your {name} held steady over your last {len(latest)} answers, at {figure.format(mean)} on "
                    f"average{against_target(figure, mean)}{_though_outside(figure, mean, latest)}.")
    else:
        verb = "rose" if after > before else "fell"
        better = _better(figure, before, after)
        judgement = "" if better is None else (" (better)" if better else " (worse)")
        sentence = (f"Your {name} {verb} over your last {len(latest)} answers: {shown_before} on average in the "
                    f"first {half}, {shown_after} in the latest {len(latest) - half}{judgement}"
                    f"{against_target(figure, after)}.")
    return Trend(key=figure.key, answers=len(latest), before=before, after=after, sentence=sentence)
