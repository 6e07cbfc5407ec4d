"""Plain-language tips, each tied to a measured figure."""

from __future__ import annotations

from collections import Counter
from typing import Any

from emovoice import thresholds as th
from emovoice.analysis import wording

NEGATIVE_VOICE = {"sad", "angry", "fearful", "disgust"}
POSITIVE_VOICE = {"happy", "calm"}
HEDGES = wording.HEDGES
LIVELY_ST = 4.0
"""Pitch variation from which a voice is praised as lively: read speech varies 2-4 semitones."""


def tips(report: dict[str, Any]) -> list[dict[str, str]]:
    """Three to six tips from a report dictionary (see :mod:`emovoice.analysis.delivery`).

    Returns
    -------
    list of dict
        ``{"kind": "improve" | "praise" | "note", "metric": ..., "text": ...}``;
        things to improve first, then praise.
    """
    improve: list[dict[str, str]] = []
    praise: list[dict[str, str]] = []
    notes: list[dict[str, str]] = []
    first: list[dict[str, str]] = []  # notes that qualify every other figure

    def add(bucket: list[dict[str, str]], kind: str, metric: str, text: str) -> None:
        bucket.append({"kind": kind, "metric": metric, "text": text})

    speech = report.get("speech") or {}
    if speech.get("little"):
        add(first, "note", "speech", f"Only {speech['voiced_speech_s']:.1f} s of voiced speech was found "
            f"(under {speech['little_threshold_s']:.0f} s): every figure here rests on very little speech.")
    if (report.get("input") or {}).get("truncated"):
        add(first, "note", "input", f"The file was cut short or damaged: only its first {report['duration_s']:.1f} s "
            "could be analysed.")

    loud = report["loudness"]
    if loud["clipping"]:
        add(improve, "improve", "loudness",
            f"Your recording clipped ({100 * loud['clipped_fraction']:.1f} % of samples at full scale): "
            "lower the microphone gain or sit a little further away.")
    if loud["too_quiet"]:
        add(improve, "improve", "loudness",
            f"Your recording was quiet ({loud['level_dbfs']:.0f} dBFS; aim for {th.LOUDNESS_DBFS.low:.0f} or "
            "louder): move closer to the microphone or speak up.")

    pace = report["pace"]
    if pace["wpm"] is not None and report["transcript"]["available"]:
        low, high = th.PACE_WPM.low, th.PACE_WPM.high
        if pace["wpm"] > high:
            add(improve, "improve", "pace", f"You spoke at {pace['wpm']:.0f} words per minute; aim for "
                f"{low:.0f}-{high:.0f}. Slow down and let key points land.")
        elif pace["wpm"] < low:
            add(improve, "improve", "pace", f"You spoke at {pace['wpm']:.0f} words per minute; aim for "
                f"{low:.0f}-{high:.0f}. A slightly quicker pace sounds more confident.")
        else:
            add(praise, "praise", "pace", f"Good pace: {pace['wpm']:.0f} words per minute, inside the "
                f"{low:.0f}-{high:.0f} range listeners find easy to follow.")

    fillers = report["fillers"]
    if report["transcript"]["available"] and fillers["per_minute"] is not None:
        if fillers["per_minute"] > th.FILLERS_PER_MIN.high:
            common = Counter(f["text"] for f in fillers["items"]).most_common(1)[0][0]
            add(improve, "improve", "fillers",
                f"You used {fillers['count']} filler words ({fillers['per_minute']:.1f} a minute), mostly "
                f"\"{common}\"; aim for under {th.FILLERS_PER_MIN.high:.0f} a minute. A short silent pause "
                "works better.")
        else:
            add(praise, "praise", "fillers", f"Few filler words: {fillers['count']} "
                f"({fillers['per_minute']:.1f} a minute).")

    flow = report["flow"]
    minutes = max(report["duration_s"] / 60, 1e-9)
    if flow["time_to_first_word_s"] is not None and flow["time_to_first_word_s"] > th.FIRST_WORD_S:
        add(improve, "improve", "flow", f"You took {flow['time_to_first_word_s']:.1f} s to start; "
            "a brief opening phrase buys thinking time without silence.")
    pauses = len(flow["long_pauses"])
    if pauses / minutes > th.MAX_LONG_PAUSES_PER_MIN:
        add(improve, "improve", "flow", f"You paused for over {th.LONG_PAUSE_S:.0f} s "
            f"{'once' if pauses == 1 else f'{pauses} times'} (the longest {flow['longest_pause_s']:.1f} s); "
            "structure the answer in advance (situation, action, result).")
    elif flow["speaking_ratio"] < th.SPEAKING_RATIO.low:
        add(improve, "improve", "flow", f"You were speaking {flow['speaking_ratio']:.0%} of the time between your "
            f"first and last word (aim for {th.SPEAKING_RATIO.low:.0%} or more): plan two or three points so "
            "that you keep going.")
    elif flow["speaking_ratio"] > th.SPEAKING_RATIO.high:
        add(improve, "improve", "flow", "You hardly paused at all: a short pause after each point lets it land "
            "and gives you a breath.")

    pitch = report["pitch"]
    if pitch["monotone"] is True:
        add(improve, "improve", "pitch", f"Your pitch varied by only {pitch['variability_st']:.1f} semitones "
            f"(under {th.MONOTONE_THRESHOLD_ST:.0f} sounds monotone): stress key words and let your voice rise "
            "and fall.")
    elif pitch["monotone"] is False and pitch["variability_st"] >= LIVELY_ST:
        add(praise, "praise", "pitch", f"Lively voice: your pitch varied by {pitch['variability_st']:.1f} "
            "semitones.")
    elif pitch["monotone"] is False:
        add(praise, "praise", "pitch", f"Your pitch varied by {pitch['variability_st']:.1f} semitones, inside the "
            "target range: not monotone.")

    for tip in emotion_tips(report):
        add({"improve": improve, "praise": praise, "note": notes}[tip["kind"]], tip["kind"], tip["metric"],
            tip["text"])

    sentiment = report["sentiment"]
    if sentiment["text_score"] is not None and sentiment["text_score"] < -th.SENTIMENT_NEUTRAL_BAND:
        add(improve, "improve", "sentiment", "Your words came across as negative: frame setbacks as lessons "
            "learned, and end on what went well.")
    if not report["transcript"]["available"]:
        add(notes, "note", "transcript", "No transcript: " + str(report["transcript"]["reason"]) +
            "; pace, filler and word-sentiment feedback are missing.")

    chosen = (first + improve + praise)[: th.MAX_TIPS]
    for extra in notes:
        if len(chosen) < th.MAX_TIPS:
            chosen.append(extra)
    if len(chosen) < th.MIN_TIPS:
        add(chosen, "note", "loudness", f"Your speaking level was {loud['level_dbfs']:.0f} dBFS "
            f"(target {th.LOUDNESS_DBFS.low:.0f} to {th.LOUDNESS_DBFS.high:.0f}).")
    if len(chosen) < th.MIN_TIPS:
        add(chosen, "note", "flow", f"You spoke for {flow['speaking_s']:.1f} s of the "
            f"{report['duration_s']:.1f} s recording ({flow['speaking_ratio']:.0%}).")
    return chosen[: th.MAX_TIPS]


def emotion_tips(report: dict[str, Any]) -> list[dict[str, str]]:
    """The tip on the voice's emotion, worded by :mod:`emovoice.analysis.wording`.

    No tip names an emotion unless the voice was heard against the speaker's own voice check
    (``reference == "speaker"``): heard against the training actors, an ordinary voice reads as
    sad. With one: confident, the emotion is stated with advice that fits it; tentative, it is
    offered as a possibility with the runner-up, marked "the model is not sure"; unsure, no
    emotion is named. Advice on a negative-sounding voice is given only when the model is at
    least tentative.
    """
    if report.get("reference", "none") != "speaker":
        return []
    emotion = report["emotion"]
    confidence = report.get("confidence") or {"level": "confident", "runner_up": emotion}
    level = confidence["level"]
    sentence = wording.phrase(level, emotion=emotion, probabilities=report["probabilities"],
                              runner_up=confidence["runner_up"])
    if level == "unsure":
        return [{"kind": "note", "metric": "emotion",
                 "text": sentence + " Read the emotion mix as a rough impression."}]
    advice = wording.ADVICE.get(emotion, "")
    if emotion in NEGATIVE_VOICE:
        return [{"kind": "improve", "metric": "emotion", "text": f"{sentence} {advice}".strip()}]
    if level == "confident" and emotion in POSITIVE_VOICE:
        return [{"kind": "praise", "metric": "emotion", "text": f"{sentence} {advice}".strip()}]
    return [{"kind": "note", "metric": "emotion", "text": f"{sentence} {advice}".strip()}]
