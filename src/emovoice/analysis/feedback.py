"""Plain-language tips, each tied to a measured figure.

Each rule below reads one part of the typed :class:`~emovoice.analysis.report.Report` and returns
the tips it gives. :func:`tips` runs them in order and keeps three to six: first the notes that
qualify every other figure, then what to improve, then praise, then other notes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from emovoice import thresholds as th
from emovoice.analysis import wording
from emovoice.analysis.report import ConfidenceLevel, Delivery, EmotionReport, Reference, Report, Tip, TipKind
from emovoice.thresholds import Verdict

NEGATIVE_VOICE = {"sad", "angry", "fearful", "disgust"}
POSITIVE_VOICE = {"happy", "calm"}
HEDGES = wording.HEDGES
LIVELY_ST = 4.0
"""Pitch variation from which a voice is praised as lively: read speech varies 2-4 semitones."""

Rule = Callable[[Report, Delivery], list[Tip]]


def _improve(metric: str, text: str) -> Tip:
    return Tip(kind=TipKind.IMPROVE, metric=metric, text=text)


def _praise(metric: str, text: str) -> Tip:
    return Tip(kind=TipKind.PRAISE, metric=metric, text=text)


def _note(metric: str, text: str) -> Tip:
    return Tip(kind=TipKind.NOTE, metric=metric, text=text)


# --- notes that qualify every other figure -------------------------------------------------------

def little_speech(report: Report, delivery: Delivery) -> list[Tip]:
    speech = report.speech
    if speech is None or not speech.little:
        return []
    return [_note("speech", f"Only {speech.voiced_speech_s:.1f} s of your voice was heard "
                  f"(under {speech.little_threshold_s:.0f} s): every figure here rests on very little speech.")]


def cut_short(report: Report, delivery: Delivery) -> list[Tip]:
    if not report.source.truncated:
        return []
    return [_note("input", f"The file was cut short or damaged: only its first {report.duration_s:.1f} s "
                  "could be analysed.")]


# --- one rule per figure ------------------------------------------------------------------------

def loudness(report: Report, delivery: Delivery) -> list[Tip]:
    loud = delivery.loudness
    out = []
    if loud.clipping:
        out.append(_improve("loudness", f"Your recording clipped ({100 * loud.clipped_fraction:.1f} % of samples "
                            "at full scale): lower the microphone gain or sit a little further away."))
    if loud.too_quiet:
        out.append(_improve("loudness", f"Your recording was quiet ({loud.level_dbfs:.0f} dBFS; aim for "
                            f"{th.LOUDNESS_DBFS.low:.0f} or louder): move closer to the microphone or speak up."))
    return out


def pace(report: Report, delivery: Delivery) -> list[Tip]:
    wpm = delivery.pace.wpm
    if wpm is None or not delivery.transcript.available:
        return []
    low, high = th.PACE_WPM.low, th.PACE_WPM.high
    if wpm > high:
        return [_improve("pace", f"You spoke at {wpm:.0f} words per minute; aim for {low:.0f}-{high:.0f}. "
                         "Slow down and let key points land.")]
    if wpm < low:
        return [_improve("pace", f"You spoke at {wpm:.0f} words per minute; aim for {low:.0f}-{high:.0f}. "
                         "A slightly quicker pace sounds more confident.")]
    return [_praise("pace", f"Good pace: {wpm:.0f} words per minute, inside the {low:.0f}-{high:.0f} range "
                    "listeners find easy to follow.")]


def fillers(report: Report, delivery: Delivery) -> list[Tip]:
    found = delivery.fillers
    if not delivery.transcript.available or found.per_minute is None:
        return []
    if found.per_minute > th.FILLERS_PER_MIN.high:
        common = Counter(f["text"] for f in found.items).most_common(1)[0][0]
        return [_improve("fillers", f"You used {found.count} filler words ({found.per_minute:.1f} a minute), "
                         f"mostly \"{common}\"; aim for under {th.FILLERS_PER_MIN.high:.0f} a minute. A short "
                         "silent pause works better.")]
    return [_praise("fillers", f"Few filler words: {found.count} ({found.per_minute:.1f} a minute).")]


def flow(report: Report, delivery: Delivery) -> list[Tip]:
    figures = delivery.flow
    out = []
    if figures.time_to_first_word_s is not None and figures.time_to_first_word_s > th.FIRST_WORD_S:
        out.append(_improve("flow", f"You took {figures.time_to_first_word_s:.1f} s to start; a brief opening "
                            "phrase buys thinking time without silence."))
    pauses = len(figures.long_pauses)
    limit = figures.long_pause_limit
    if limit is not None and pauses > limit:
        out.append(_improve("flow", f"You paused for over {figures.long_pause_threshold_s:.0f} s "
                            f"{'once' if pauses == 1 else f'{pauses} times'} (the longest "
                            f"{figures.longest_pause_s:.1f} s), more than the {limit} an answer of this "
                            "length holds without sounding hesitant; structure the answer in advance "
                            "(situation, action, result)."))
    if figures.speaking_ratio_verdict == Verdict.LOW:
        # said beside the pause tip too: the table marks both, and a reader looks for a word on each
        share = wording.percent(figures.speaking_ratio, within=th.SPEAKING_RATIO)
        out.append(_improve("flow", f"You were speaking {share} of the time "
                            f"between your first and last word (aim for {wording.percent(th.SPEAKING_RATIO.low)} or "
                            "more): plan two or three points so that you keep going."))
    elif figures.speaking_ratio_verdict == Verdict.HIGH:  # never for one short sentence (too_short_to_judge)
        out.append(_improve("flow", "You hardly paused at all: a short pause after each point lets it land "
                            "and gives you a breath."))
    return out


def pitch(report: Report, delivery: Delivery) -> list[Tip]:
    figures = delivery.pitch
    variation = figures.variability_st
    if figures.monotone is None or variation is None:
        return []
    if figures.monotone:
        return [_improve("pitch", f"Your pitch varied by only {variation:.1f} semitones (under "
                         f"{th.MONOTONE_THRESHOLD_ST:.0f} sounds monotone): stress key words and let your "
                         "voice rise and fall.")]
    varied = (f"Your pitch varied by {variation:.1f} semitones, inside the target range "
              f"({figures.target_variability.low:.0f}-{figures.target_variability.high:.0f})")
    if variation >= LIVELY_ST:
        return [_praise("pitch", f"{varied}: a lively voice.")]
    return [_praise("pitch", f"{varied}: varied enough not to sound monotone.")]


def emotion_tips(emotion: EmotionReport) -> list[Tip]:
    """The tip on the voice's emotion, worded by :mod:`emovoice.analysis.wording`.

    No tip names an emotion unless the voice was heard against the speaker's own voice check
    (``reference == "speaker"``): heard against the training actors, an ordinary voice reads as
    sad. With one: confident, the emotion is stated with advice that fits it; tentative, it is
    offered as a possibility with the runner-up, marked "the model is not sure"; unsure, no
    emotion is named. Advice on a negative-sounding voice is given only when the model is at
    least tentative.
    """
    if emotion.reference != Reference.SPEAKER:
        return []
    level = emotion.confidence.level
    sentence = wording.phrase(level, emotion=emotion.emotion, probabilities=emotion.probabilities,
                              runner_up=emotion.confidence.runner_up)
    if level == ConfidenceLevel.UNSURE:
        return [_note("emotion", sentence + " Read the emotion mix as a rough impression.")]
    text = f"{sentence} {wording.ADVICE.get(emotion.emotion, '')}".strip()
    if emotion.emotion in NEGATIVE_VOICE:
        return [_improve("emotion", text)]
    if level == ConfidenceLevel.CONFIDENT and emotion.emotion in POSITIVE_VOICE:
        return [_praise("emotion", text)]
    return [_note("emotion", text)]


def voice(report: Report, delivery: Delivery) -> list[Tip]:
    return emotion_tips(report.emotion_report)


def sentiment(report: Report, delivery: Delivery) -> list[Tip]:
    score = delivery.sentiment.text_score
    if score is None or score >= -th.SENTIMENT_NEUTRAL_BAND:
        return []
    return [_improve("sentiment", "Your words came across as negative: frame setbacks as lessons learned, and "
                     "end on what went well.")]


def transcript(report: Report, delivery: Delivery) -> list[Tip]:
    if delivery.transcript.available:
        return []
    return [_note("transcript", f"No transcript: {delivery.transcript.reason}; pace, filler and word-sentiment "
                  "feedback are missing.")]


QUALIFIERS: tuple[Rule, ...] = (little_speech, cut_short)
"""Rules whose notes come before every other tip."""

RULES: tuple[Rule, ...] = (loudness, pace, fillers, flow, pitch, voice, sentiment, transcript)
"""The rules on each figure, in the order their tips are listed."""


def _fillers_up(report: Report, delivery: Delivery) -> list[Tip]:
    """Plain figures that fill a short list up to :data:`thresholds.MIN_TIPS`."""
    loud, figures = delivery.loudness, delivery.flow
    return [_note("loudness", f"Your speaking level was {loud.level_dbfs:.0f} dBFS "
                  f"(target {th.LOUDNESS_DBFS.low:.0f} to {th.LOUDNESS_DBFS.high:.0f})."),
            _note("flow", f"You spoke for {figures.speaking_s:.1f} s of the {report.duration_s:.1f} s recording "
                  f"({wording.percent(figures.speaking_ratio, within=figures.target_speaking_ratio)}).")]


def tips(report: Report) -> list[Tip]:
    """Three to six tips on a report with its delivery figures.

    Returns
    -------
    list of Tip
        Notes that qualify every figure, then things to improve, then praise, then other notes.
    """
    delivery = report.delivery
    if delivery is None:
        return []
    first = [tip for rule in QUALIFIERS for tip in rule(report, delivery)]
    given = [tip for rule in RULES for tip in rule(report, delivery)]
    chosen = (first + [t for t in given if t.kind == TipKind.IMPROVE]
              + [t for t in given if t.kind == TipKind.PRAISE])[: th.MAX_TIPS]
    for extra in (t for t in given if t.kind == TipKind.NOTE):
        if len(chosen) < th.MAX_TIPS:
            chosen.append(extra)
    for extra in _fillers_up(report, delivery):
        if len(chosen) < th.MIN_TIPS:
            chosen.append(extra)
    return chosen[: th.MAX_TIPS]
