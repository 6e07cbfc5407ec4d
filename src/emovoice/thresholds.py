"""Every threshold and target range the delivery report uses, in one place.

Each value says where it comes from. Change them here and the report, the
tips and the JSON all follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """Where a value lies against its target range."""

    LOW = "low"
    OK = "ok"
    HIGH = "high"


@dataclass(frozen=True)
class Range:
    """A target range ``[low, high]`` in ``unit``."""

    low: float
    high: float
    unit: str

    def verdict(self, value: float) -> Verdict:
        """Below, inside or above the range."""
        if value < self.low:
            return Verdict.LOW
        if value > self.high:
            return Verdict.HIGH
        return Verdict.OK

    def to_dict(self) -> dict[str, float | str]:
        return {"low": self.low, "high": self.high, "unit": self.unit}


PACE_WPM = Range(100.0, 165.0, "words/min")
"""Words per minute from the first to the last word; Microsoft Speaker Coach's guidance."""

FILLERS_PER_MIN = Range(0.0, 3.0, "fillers/min")
"""More than about three filler words a minute is noticed by listeners (coaching practice)."""

LONG_PAUSE_S = 1.0
"""A silence longer than this between words counts as a pause."""

MAX_LONG_PAUSES_PER_MIN = 4.0
"""More long pauses than this per minute makes an answer sound hesitant. An answer under a minute may
hold a minute's worth: three breaths of 1.3 s between the sentences of a 15 s answer are ordinary."""

SPEAKING_RATIO = Range(0.6, 0.95, "fraction")
"""Share of the answer's span (first to last speech) spent speaking (voice activity)."""

FIRST_WORD_S = 3.0
"""Starting later than this after the recording begins reads as hesitation."""

PITCH_VARIABILITY_ST = Range(2.0, 8.0, "semitones")
"""Standard deviation of F0 in semitones. Under 2 st is heard as monotone (the monotone
flag); read speech typically varies 2-4 st, lively speech more."""

MONOTONE_THRESHOLD_ST = PITCH_VARIABILITY_ST.low

LOUDNESS_DBFS = Range(-35.0, -10.0, "dBFS")
"""Active speech level. Below -35 dBFS the recording is too quiet for reliable analysis
and for a listener on a laptop speaker."""

CLIPPING_FRACTION = 0.001
"""More than 0.1 % of samples at full scale means the input clipped."""

CLIPPING_LEVEL = 0.999
"""|sample| at or above this counts as full scale."""

LOUDNESS_VARIABILITY_DB = Range(3.0, 12.0, "dB")
"""Standard deviation of the level of voiced 100 ms frames: under 3 dB sounds flat."""

SENTIMENT_NEUTRAL_BAND = 0.05
"""VADER's own convention: compound scores within +-0.05 are neutral."""

FUSION_TEXT_WEIGHT = 0.6
"""Weight of the words' sentiment in the fused verdict; the voice's valence gets the rest."""

WPM_WINDOW_S = 10.0
"""Length of the windows of the pace curve."""

WPM_STEP_S = 2.0
"""Step between windows of the pace curve."""

MIN_PACE_WINDOW_S = 2.0
"""A pace-curve window cut shorter than this by the recording's ends is left out (too few words)."""

MIN_SPEAKING_S_FOR_RATE = 0.5
"""The words-per-minute while speaking needs at least this much speaking time."""

MIN_VOICED_SPEECH_S = 0.3
"""Least voiced speech (periodic frames inside voice activity) a recording must hold to be
analysed; below it the answer is "no speech found". One short word is about 0.3 s."""

SOME_VOICE_S = 0.1
"""Voiced speech below ``MIN_VOICED_SPEECH_S`` but at least this much is a word cut short ("too little
speech"), not a silent microphone ("no speech found"): noise and hiss give none (0.0 s)."""

MIN_SPEECH_PITCH_SPREAD_ST = 0.2
"""Speech moves its pitch; under this spread (semitones) the voicing is a tone or a hum.
A steady tone spreads under 0.05 st; a plain voice saying one word spreads 0.3 st and up
(TESS's neutral "Say the word ...": 0.30 at the least, 114 of its 1,400 under 0.5, the
earlier threshold, which refused them); a sentence spreads 1-2 st."""

MIN_SPEECH_LEVEL_SPREAD_DB = 1.5
"""Syllables make the 10 ms level rise and fall by 6-12 dB (SD); steady noise, tones and hum
stay within about 0.5 dB. Speech under noise at 0 dB SNR still spreads 2.5 dB."""

PITCH_SPREAD_MIN_VOICED_S = 1.0
"""The pitch-spread test needs this much voicing: half a second of a word may hold one note."""

LITTLE_SPEECH_S = 3.0
"""With less voiced speech than this, the report says that its figures rest on little speech."""

SCORED_ANSWER_MIN_SPEECH_S = 5.0
"""An answer with less speech than this (seconds of voice activity) is a sentence, not an answer: its
report shows its figures, but they are not compared with other candidates, averaged, ranked in a
mock interview or put in the history's trends. A one-sentence answer of 4 s had been named a mock
interview's strongest (no long pause, 87 % of the time speaking), and its "no pause" of 0 s had
made the history's longest pause fall."""

PAUSE_ADVICE_MIN_S = 8.0
"""Speech shorter than this (first to last word) gets no advice to pause more: one sentence has no
point after which to pause. An answer's point takes about 10 s to make."""

ANSWER_MIN_VOICED_S = 0.8
"""Least voiced speech an answer in the web app must hold: one short sentence. RAVDESS's four-word
sentences hold 0.46-1.13 s of voicing (median 1.08; 3 % of its plain clips under 0.8). The analysis
itself takes 0.3 s (``MIN_VOICED_SPEECH_S``), so that a single word, as in TESS, still gives a
result; but a 1.5 s take with 0.3 s of voice ("Kids are tough") gave a full report with confident
verdicts (217 wpm) and moved the history's trends."""

BASELINE_MIN_VOICED_S = 1.5
"""Least voiced speech, over all its recordings, that a speaker's baseline is made from."""

EMOTION_CONFIDENT_P = 0.5
"""The model's (calibrated) top probability from which the dominant emotion is stated
plainly. The shipped model is calibrated (expected calibration error about 4 %), so a
top probability of 0.5 is right about half the time."""

EMOTION_CONFIDENT_MARGIN = 0.2
"""...and the lead over the second emotion needed as well."""

EMOTION_UNSURE_P = 0.35
"""Under this top probability the model is called unsure: the tips name no emotion as fact."""

MAX_TIPS = 6
MIN_TIPS = 3

MIN_COMPARISON_ANSWERS = 20
"""A comparison with other candidates needs at least this many of their answers in the group
(all answers, the category, the question); below it the page says "not enough answers yet"."""

MIN_COMPARISON_CANDIDATES = 5
"""...from at least this many other candidates, so that no one candidate's figures can be read
out of an aggregate."""

TREND_ANSWERS = 10
"""Trend sentences compare the first and the second half of the user's last this-many answers."""

TREND_MIN_ANSWERS = 4
"""A trend needs at least this many answers with the figure."""

INTERVIEW_QUESTIONS = 5
"""Questions in a mock interview by default."""

MAX_INTERVIEW_QUESTIONS = 12

VOICE_CHECK_MIN_VOICED_S = 4.0
"""Least voiced speech a voice check (the web app's baseline recording) must hold: reading the
three sentences it shows takes 10-15 s, of which about half is voiced; a baseline from under
4 s of voicing moves with the words said (for TESS's OAF, 2 words gave 45 % of her neutral
clips heard as neutral or calm, 8 words 71 %)."""

VOICE_CHECK_MIN_LEVEL_DBFS = -50.0
"""A voice check quieter than this (active speech level) is refused as too quiet. Lower than the
answers' target (-35): studio recordings of plain speech sit near -39 dBFS (RAVDESS) and the
model hears them well; under -50 the voice nears a laptop microphone's noise floor."""

VOICE_CHECK_MAX_S = 60.0
"""A voice check longer than this is refused: it is meant to be a few sentences."""
