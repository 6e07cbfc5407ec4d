"""How emovoice words what the emotion model heard: one phrase per confidence level, one word per
emotion, one sentence on what the voice was heard against.

The web page, the HTML report, the terminal report and the tips all take their sentences from
here, so that no two of them word the same finding differently.

The rule: an emotion is named only when the model can back it, that is when the voice was heard
against the speaker's own voice check (``reference == "speaker"``) and the model is not unsure.
Heard against the training actors' average voice, a calm, ordinary reader reads as sad, so
without a voice check no emotion is named at all.
"""

from __future__ import annotations

import datetime as dt

from emovoice import thresholds as th
from emovoice.analysis.report import ConfidenceLevel, EmotionReport, Reference, Report, Tip
from emovoice.analysis.sentiment import Sentiment, Tone
from emovoice.thresholds import Range

EMOTION_WORDS = {"neutral": "neutral", "calm": "calm", "happy": "happy", "sad": "sad", "angry": "angry",
                 "fearful": "fearful", "disgust": "disgusted", "surprised": "surprised"}
"""The word that follows "sounded" for each emotion label ("sounded disgusted", not "sounded disgust")."""

CONFIDENCE_PHRASES = {
    ConfidenceLevel.CONFIDENT: "Your voice sounded {mostly}{emotion} ({share}).",
    ConfidenceLevel.TENTATIVE: "Your voice may have sounded {emotion} ({share}), though the model is not sure: "
                               "it also heard {runner_up} ({second}).",
    ConfidenceLevel.UNSURE: "The model could not tell which emotion your voice carried: no one emotion stands out.",
}
"""The one sentence for each confidence level (:class:`~emovoice.analysis.report.Confidence`)."""

HEDGES = ("not sure", "could not tell")
"""Every statement about the voice's emotion below the confident level holds one of these."""

NOT_NAMED = ("No emotion is named for this answer: it was not heard against your own everyday voice. "
             "The model learned emotions from actors, and against their voices an ordinary speaking voice "
             "is often misread, most often as sad.")
"""What is said instead of an emotion when there is no voice check to hear the voice against."""

RAW_OUTPUT_NOTE = ("Without a voice check the model can only compare your voice with the actors it learned from, "
                   "so what it heard is not a reading of how you sounded. Its raw output is below for the curious.")
"""Said above the model's raw output wherever the voice was not heard against the speaker's own."""

RAW_OUTPUT_LABEL = "The model's raw output, against the actors' voices"
"""The label of the folded raw output (the web page's and the HTML report's ``<summary>``)."""


def shows_reading(emotion: EmotionReport) -> bool:
    """Whether the emotion charts are a reading of this speaker (heard against their own voice), so
    that they are shown as such; else they are the raw output, folded away under
    :data:`RAW_OUTPUT_LABEL`."""
    return emotion.reference == Reference.SPEAKER


UNITS = (
    ("wpm", "words per minute, from your first word to your last; filler words are not counted."),
    ("semitones", "the steps of a piano keyboard: how far your pitch moves around its middle (a spread of "
                  "2 or less sounds flat)."),
    ("dBFS", "decibels below the loudest sound the recording can hold (0 dBFS); the more negative, the "
             "quieter. It says how loud the recording is, which depends on your microphone as much as on "
             "your voice."),
)
"""What each unit of the delivery figures means, in plain words (the web page and the HTML report)."""

CLI_WAY_ON = ("Make a voice check with 'emovoice baseline -o me.json voice.wav' (a few plain sentences in your "
              "everyday voice) and analyse with '--baseline me.json'.")


def sounded(emotion: str) -> str:
    """The emotion as it reads after "sounded"."""
    return EMOTION_WORDS.get(emotion, emotion)


def percent(value: float, *, within: Range | None = None, decimals: int = 0) -> str:
    """A share as "85 %" (a no-break space: it never wraps between the two), to at least
    ``decimals`` decimals. Against a target range ``within``, with the decimals (up to two) that
    keep it on its side of the range: 0.599 under 60-95 % reads "59.9 %", not "60 %" beside "too low"."""
    inside = within is None or within.low <= value <= within.high
    for places in range(decimals, max(decimals, 2) + 1):
        shown = round(100 * value, places)
        if within is None or (within.low * 100 <= shown <= within.high * 100) == inside:
            break
    return f"{shown:.{places}f}\u00a0%"


def ordinal(value: float) -> str:
    """A rounded rank as English writes it: "1st", "22nd", "71st", "11th"."""
    n = round(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def answer_time_sentence(*, duration_s: float, time_limit_s: int | None) -> str | None:
    """How the recording's length stands against the time the speaker had for it (None without a
    limit): stopped early, cut by the time running out (the recorder stops there), or (an uploaded
    file) longer than the time chosen."""
    if not time_limit_s:
        return None
    shown = round(duration_s)
    if duration_s < time_limit_s / 3:
        return (f"Your recording lasts {shown} s of the {time_limit_s} s allowed: an answer this short gives an "
                "interviewer little to go on, so aim to use most of the time.")
    if duration_s < time_limit_s - 1:
        return f"Your recording lasts {shown} s of the {time_limit_s} s allowed."
    if duration_s <= time_limit_s + 1:
        return (f"Your recording reached the {time_limit_s} s allowed: if you were still speaking, the end of your "
                "answer was cut.")
    return f"Your recording lasts {shown} s, longer than the {time_limit_s} s chosen; all of it was analysed."


def not_scored_sentence(report: Report) -> str | None:
    """Why an answer with too little speech to be scored (:data:`~emovoice.thresholds.SCORED_ANSWER_MIN_SPEECH_S`)
    is missing from comparisons and trends; None for one that is scored."""
    delivery = report.delivery
    if delivery is None or delivery.flow.scored:
        return None
    return (f"With {delivery.flow.speaking_s:.1f} s of speech this is a sentence rather than an answer: its figures "
            "are shown here, but they are not compared with other candidates or counted in your progress (an "
            f"answer needs {th.SCORED_ANSWER_MIN_SPEECH_S:.0f} s of speech).")


def pause_seconds(value: float, *, threshold: float, decimals: int | None = None) -> str:
    """A pause's length in seconds, to two decimals within 0.05 s of ``threshold`` (1.02 s counts as
    a pause over 1 s and 0.99 s does not: "1.0" would hide which), else to one; at least
    ``decimals`` if given."""
    shown = 2 if abs(value - threshold) < 0.05 else 1
    return f"{value:.{max(shown, decimals or 0)}f}"


def can_name(reference: str, level: str) -> bool:
    """The rule: an emotion may be named when heard against the speaker's own voice and the model
    is not unsure (``reference`` and ``level`` as in a report, or as stored)."""
    return reference == Reference.SPEAKER and level != ConfidenceLevel.UNSURE


def is_named(emotion: EmotionReport) -> bool:
    """Whether the report may name the emotion (:func:`can_name`)."""
    return can_name(emotion.reference, emotion.confidence.level)


def phrase(level: ConfidenceLevel, *, emotion: str, probabilities: dict[str, float], runner_up: str) -> str:
    """The confidence level's sentence (:data:`CONFIDENCE_PHRASES`) filled in."""
    top = probabilities[emotion]
    return CONFIDENCE_PHRASES[ConfidenceLevel(level)].format(
        mostly="mostly " if top > 0.5 else "", emotion=sounded(emotion), share=percent(top),
        runner_up=sounded(runner_up), second=percent(probabilities.get(runner_up, 0.0)))


def emotion_sentence(emotion: EmotionReport) -> str:
    """The report's one sentence on the emotion: the confidence level's phrase, or :data:`NOT_NAMED`."""
    if emotion.reference != Reference.SPEAKER:
        return NOT_NAMED
    return phrase(emotion.confidence.level, emotion=emotion.emotion, probabilities=emotion.probabilities,
                  runner_up=emotion.confidence.runner_up)


ADVICE = {
    "sad": "If you felt flat, lift your energy: sit up, speak a little louder and let your pitch rise on the "
           "words that matter.",
    "angry": "If you felt tense or irritated, slow down and soften your tone; breathe out before you answer.",
    "fearful": "Nerves are normal: breathe out slowly before you start, and open with a first sentence you have "
               "prepared.",
    "disgust": "That can come across as dismissive: relax your face, smile a little and show interest in the "
               "question.",
    "surprised": "Surprise is fine in passing; keep your voice steady when you make your main points.",
    "happy": "Warmth like this helps in an interview.",
    "calm": "A calm voice comes across as composed.",
    "neutral": "Even and steady; a little more warmth in your voice on your main points will help.",
}
"""The advice that fits each emotion heard (after the sentence that names it)."""


def long_date(iso: str) -> str:
    """``2026-12-01`` as "1 December 2026" (the text itself when it is not an ISO date)."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def reference_sentence(emotion: EmotionReport, *, own_voice: str = "voice check") -> str | None:
    """What the voice was heard against, in a sentence (None for a plain model without a baseline);
    ``own_voice`` names the speaker's recording as the reader knows it (the web app's "voice check",
    the CLI's "baseline")."""
    baseline = emotion.baseline
    if emotion.reference == Reference.SPEAKER and baseline is not None:
        return f"Heard against your {own_voice} of {long_date(baseline.created)}."
    if emotion.reference == Reference.POPULATION:
        return "Heard against the training actors' average voice, not yours."
    return None


VOICE_TONE_BAND = 0.2
"""The voice's valence (from the emotion mix, on [-1, 1]) within this of zero reads as neutral: a
mostly neutral voice with a little sadness in its mix is not called negative."""


TONE_WORDS = {Tone.POSITIVE: "positive", Tone.NEGATIVE: "negative", Tone.NEUTRAL: "neither positive nor negative"}
"""The voice's tone in words."""


def voice_tone(valence: float) -> Tone:
    """The voice's tone from its valence (:data:`VOICE_TONE_BAND`)."""
    if valence > VOICE_TONE_BAND:
        return Tone.POSITIVE
    return Tone.NEGATIVE if valence < -VOICE_TONE_BAND else Tone.NEUTRAL


def sentiment_sentence(mood: Sentiment, *, voice_named: bool) -> str:
    """The sentiment in plain words; the voice's side only where the emotion can be named."""
    if mood.text_verdict is None:
        words = "There is no transcript, so the words' sentiment is missing"
    else:
        words = f"Your words were {mood.text_verdict}"
    if not voice_named:
        return words + "."
    # the voice's side is its tone (valence), never "neutral": beside "Your voice sounded mostly
    # surprised", "your voice sounded neutral" read as another emotion
    tone = voice_tone(mood.voice_valence)
    said = TONE_WORDS[tone]
    if mood.text_verdict is None:
        return f"{words}; the tone of your voice was {said}."
    if mood.text_verdict == tone:
        return f"{words}, and the tone of your voice was {said}{'' if tone == Tone.NEUTRAL else ' too'}."
    return f"{words} and the tone of your voice was {said}: {mood.verdict} overall."


def shown_tips(report: Report, *, below_headline: bool = False) -> list[Tip]:
    """The report's tips as they are shown: a stored report made before this rule may hold a tip
    naming an emotion heard against the actors' voices, which is left out. ``below_headline``: the
    tips sit under the report's emotion sentence (:func:`emotion_sentence`) and its notice on little
    speech, so the emotion tip keeps only what follows that sentence and the speech note is left
    out, instead of saying them twice."""
    if report.delivery is None:
        return []
    named = report.emotion_report.reference == Reference.SPEAKER
    headline = emotion_sentence(report.emotion_report)
    shown = []
    for tip in report.delivery.feedback:
        if tip.metric == "emotion" and not named:
            continue
        if below_headline and tip.metric == "speech":
            continue  # "Only 1.1 s of your voice was heard": said above the tips, under the headline
        if below_headline and tip.metric == "emotion" and tip.text.startswith(headline):
            rest = tip.text[len(headline):].strip()
            if not rest:
                continue
            tip = Tip(kind=tip.kind, metric=tip.metric, text=rest)
        shown.append(tip)
    return shown
