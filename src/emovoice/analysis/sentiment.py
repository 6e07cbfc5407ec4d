"""Sentiment of the words (VADER), of the voice (from the emotion probabilities), and both fused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from emovoice import thresholds as th

EMOTION_CIRCUMPLEX: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.0),
    "calm": (0.3, -0.6),
    "happy": (0.8, 0.5),
    "sad": (-0.7, -0.5),
    "angry": (-0.6, 0.8),
    "fearful": (-0.6, 0.6),
    "disgust": (-0.7, 0.2),
    "surprised": (0.3, 0.8),
}
"""(valence, arousal) of each emotion on [-1, 1], placed as in Russell's circumplex model of
affect (Russell 1980; the placements commonly used to map categorical SER output to
dimensions). Voice valence and arousal are these, weighted by the emotion probabilities."""


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


class Tone(StrEnum):
    """A sentiment in a word."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


def verdict(score: float) -> Tone:
    """The tone of a score on [-1, 1] (VADER's +-0.05 neutral band)."""
    band = th.SENTIMENT_NEUTRAL_BAND
    return Tone.POSITIVE if score > band else Tone.NEGATIVE if score < -band else Tone.NEUTRAL


@dataclass
class Sentiment:
    """Sentiment figures; scores are on [-1, 1].

    Attributes
    ----------
    text_score : float or None
        VADER compound score of the whole transcript (None without one).
    sentences : list of dict
        ``{"text", "score"}`` per sentence.
    voice_valence, voice_arousal : float
        From the emotion probabilities through :data:`EMOTION_CIRCUMPLEX`.
    fused_score : float
        ``FUSION_TEXT_WEIGHT * text + (1 - FUSION_TEXT_WEIGHT) * voice valence``
        (the voice alone without a transcript).
    verdict : str
        positive / neutral / negative (VADER's +-0.05 band).
    """

    text_score: float | None
    text_verdict: Tone | None
    sentences: list[dict[str, Any]] = field(default_factory=list)
    voice_valence: float = 0.0
    voice_arousal: float = 0.0
    voice_verdict: Tone = Tone.NEUTRAL
    fused_score: float = 0.0
    verdict: Tone = Tone.NEUTRAL


def voice_dimensions(probabilities: dict[str, float]) -> tuple[float, float]:
    """Expected (valence, arousal) under the emotion probabilities."""
    total = sum(probabilities.values()) or 1.0
    valence = sum(p * EMOTION_CIRCUMPLEX[e][0] for e, p in probabilities.items()) / total
    arousal = sum(p * EMOTION_CIRCUMPLEX[e][1] for e, p in probabilities.items()) / total
    return round(valence, 3), round(arousal, 3)


def sentiment(text: str | None, emotion_probabilities: dict[str, float]) -> Sentiment:
    valence, arousal = voice_dimensions(emotion_probabilities)
    if text and text.strip():
        analyser = _vader()
        sentences = [{"text": s, "score": round(analyser.polarity_scores(s)["compound"], 3)}
                     for s in split_sentences(text)]
        text_score = round(analyser.polarity_scores(text)["compound"], 3)
        fused = th.FUSION_TEXT_WEIGHT * text_score + (1 - th.FUSION_TEXT_WEIGHT) * valence
        text_verdict: Tone | None = verdict(text_score)
    else:
        sentences, text_score, text_verdict, fused = [], None, None, valence
    return Sentiment(text_score=text_score, text_verdict=text_verdict, sentences=sentences,
                     voice_valence=valence, voice_arousal=arousal, voice_verdict=verdict(valence),
                     fused_score=round(fused, 3), verdict=verdict(fused))
