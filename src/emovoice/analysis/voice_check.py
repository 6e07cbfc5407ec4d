"""The voice check: a few plain sentences in the speaker's everyday voice, checked and turned into
the baseline every later answer is heard against.

The check refuses a recording that is too short, too quiet, clipped, or holds no speech, each
with a message that says what to do. It never judges whether the voice "sounds neutral": the
model without a baseline hears calm, ordinary readers as sad, which is why the check exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emovoice import thresholds as th
from emovoice.analysis.analyzer import Analyzer
from emovoice.analysis.delivery import check_speech
from emovoice.audio import AudioSource, Limits, prepare
from emovoice.errors import AudioError, NotEnoughSpeechError
from emovoice.features.baseline import Baseline
from emovoice.features.presence import seconds_under
from emovoice.features.prosody import loudness

SENTENCES = (
    "The train to the city leaves every morning at eight.",
    "I usually make a cup of tea before I start work.",
    "Last weekend we walked along the river and had lunch in the park.",
)
"""What the voice check asks the speaker to read: plain, everyday sentences with no emotion in them."""


class TooQuietError(AudioError):
    """A voice check recorded too quietly to hear the voice well."""


class ClippedError(AudioError):
    """A voice check recorded so loud that the input clipped."""


@dataclass(frozen=True)
class VoiceCheck:
    """A checked voice check: its baseline and what the recording held."""

    baseline: Baseline
    duration_s: float
    speech_s: float
    level_dbfs: float


def make_voice_check(analyzer: Analyzer, source: AudioSource | np.ndarray, *,
                     sample_rate: int | None = None) -> VoiceCheck:
    """Check one recording of everyday speech and make the speaker's baseline from it.

    Parameters
    ----------
    analyzer : Analyzer
        Its emotion model makes the baseline.
    source : path, bytes, binary file or np.ndarray
        The recording (any format :meth:`Analyzer.analyze` reads).
    sample_rate : int or None
        Sample rate of an array ``source`` in Hz.

    Raises
    ------
    emovoice.errors.NoSpeechError
        No speech in it.
    emovoice.errors.NotEnoughSpeechError
        Under ``VOICE_CHECK_MIN_VOICED_S`` of voiced speech.
    TooQuietError, ClippedError
        Recorded too quietly, or so loud that it clipped.
    emovoice.errors.AudioError
        Not audio, damaged, or longer than ``VOICE_CHECK_MAX_S``.
    """
    audio, name = prepare(source, sample_rate=sample_rate, limits=Limits(max_duration_s=th.VOICE_CHECK_MAX_S))
    _, _, presence = check_speech(audio.samples, name=name)
    level = loudness(audio.samples)
    if level.clipping:
        raise ClippedError(f"the voice check is too loud: {100 * level.clipped_fraction:.1f} % of it is cut off at "
                           "full scale. Lower the microphone's input volume or sit a little further away, then "
                           "record it again")
    if level.level_dbfs < th.VOICE_CHECK_MIN_LEVEL_DBFS:
        raise TooQuietError(f"the voice check is too quiet ({level.level_dbfs:.0f} dBFS; at least "
                            f"{th.VOICE_CHECK_MIN_LEVEL_DBFS:.0f} is needed). Move closer to the microphone or "
                            "raise its input volume, then record it again")
    if presence.voiced_speech_s < th.VOICE_CHECK_MIN_VOICED_S:
        heard = seconds_under(presence.voiced_speech_s, th.VOICE_CHECK_MIN_VOICED_S)
        raise NotEnoughSpeechError(
            f"the voice check is too short: we heard {heard} s of voice and need at least "
            f"{th.VOICE_CHECK_MIN_VOICED_S:g} s. Read all three sentences at your usual pace, then stop")
    baseline = analyzer.make_baseline(audio.samples, sample_rate=audio.sample_rate)
    return VoiceCheck(baseline=baseline, duration_s=round(audio.samples.size / audio.sample_rate, 2),
                      speech_s=round(presence.voiced_speech_s, 2), level_dbfs=level.level_dbfs)
