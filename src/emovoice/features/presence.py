"""Is anyone speaking? A check that a recording holds speech before it is analysed.

WebRTC's voice activity detector fires on anything loud and busy: white noise
reads as 100 % speech, a 440 Hz tone as speech too. Emotion and delivery
figures of such a recording would be confident nonsense, so a recording must
also show the two marks of a human voice:

- **voicing that moves**: frames Praat finds periodic (a pitch between 60 and
  500 Hz) inside the detector's speech, whose pitch varies (a steady tone or
  chord has a constant pitch; speech moves by semitones);
- **a level that rises and falls** with syllables: the spread of the 10 ms
  frame levels (a tone, hum or steady noise is flat within a decibel or two;
  speech spans tens of decibels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emovoice import thresholds as th
from emovoice.features.vad import FRAME_S, Region


@dataclass(frozen=True)
class PitchTrack:
    """Praat's F0 track (autocorrelation method).

    Attributes
    ----------
    times : np.ndarray, shape (n_frames,)
        Frame centres in seconds.
    f0 : np.ndarray, shape (n_frames,)
        F0 in Hz, 0 where unvoiced.
    praat : parselmouth.Pitch or None
        Praat's own track, for the measures that read it
        (:func:`emovoice.features.prosody.voice_quality`).
    """

    times: np.ndarray
    f0: np.ndarray
    praat: Any = field(default=None, compare=False, repr=False)

    @property
    def voiced(self) -> np.ndarray:
        return self.f0 > 0


def pitch_track(wave: np.ndarray, *, sample_rate: int = 16_000, floor_hz: float = 60.0,
                ceiling_hz: float = 500.0, time_step: float = 0.01) -> PitchTrack:
    """F0 every ``time_step`` seconds with Praat's autocorrelation method.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    floor_hz, ceiling_hz : float
        Search range; the defaults cover adult speech.

    Returns
    -------
    PitchTrack
    """
    import parselmouth

    sound = parselmouth.Sound(np.asarray(wave, dtype=np.float64), sampling_frequency=sample_rate)
    track = sound.to_pitch_ac(time_step=time_step, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    return PitchTrack(times=np.asarray(track.xs()), f0=np.asarray(track.selected_array["frequency"]), praat=track)


@dataclass(frozen=True)
class SpeechPresence:
    """How much of a recording is a human voice.

    Attributes
    ----------
    voiced_speech_s : float
        Seconds of voiced frames inside the detector's speech regions.
    pitch_spread_st : float
        Standard deviation of those frames' pitch, in semitones.
    level_spread_db : float
        Standard deviation of the 10 ms frame levels within 40 dB of the loudest.
    found : bool
        Speech enough to analyse (see :mod:`emovoice.thresholds`).
    reason : str or None
        Why not, in plain words, when ``found`` is False.
    """

    voiced_speech_s: float
    pitch_spread_st: float
    level_spread_db: float
    found: bool
    reason: str | None


def level_spread(wave: np.ndarray, *, sample_rate: int = 16_000, frame_s: float = 0.01,
                 range_db: float = 40.0) -> float:
    """Standard deviation in dB of the levels of the frames within ``range_db`` of the loudest."""
    hop = max(1, int(frame_s * sample_rate))
    n = wave.size // hop
    if n < 2:
        return 0.0
    frames = np.asarray(wave[: n * hop], dtype=np.float64).reshape(n, hop)
    frames = frames - frames.mean()
    levels = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    active = levels >= levels.max() - range_db
    return float(np.std(levels[active])) if active.sum() > 1 else 0.0


def seconds_under(value: float, threshold: float) -> str:
    """``value`` (under ``threshold``) in seconds to one decimal, or two where one would read as the
    threshold itself ("0.29", not "only 0.3 s ... at least 0.3 s is needed")."""
    shown = f"{value:.1f}"
    return f"{value:.2f}" if float(shown) >= threshold else shown


def speech_presence(wave: np.ndarray, *, regions: list[Region], track: PitchTrack,
                    sample_rate: int = 16_000) -> SpeechPresence:
    """Decide whether ``wave`` holds enough speech to analyse.

    Parameters
    ----------
    wave : np.ndarray, shape (n_samples,)
    regions : list of Region
        The voice activity detector's speech regions.
    track : PitchTrack
        The recording's pitch track (see :func:`pitch_track`).

    Returns
    -------
    SpeechPresence
    """
    in_speech = np.zeros(track.times.size, dtype=bool)
    for region in regions:
        in_speech |= (track.times >= region.start - FRAME_S) & (track.times <= region.end + FRAME_S)
    voiced = track.voiced & in_speech
    step = float(np.median(np.diff(track.times))) if track.times.size > 1 else 0.01
    voiced_s = float(voiced.sum() * step)
    spread_st = 0.0
    if voiced.sum() >= 5:
        f0 = track.f0[voiced]
        spread_st = float(np.std(12 * np.log2(f0 / np.median(f0))))
    spread_db = level_spread(wave, sample_rate=sample_rate)
    reason = None
    if th.SOME_VOICE_S <= voiced_s < th.MIN_VOICED_SPEECH_S:  # a word or two cut short, not a silent microphone
        reason = (f"too little speech: we heard only {seconds_under(voiced_s, th.MIN_VOICED_SPEECH_S)} s of voice, "
                  f"and at least {th.MIN_VOICED_SPEECH_S:g} s is needed. Record again and say a full sentence or more")
    elif voiced_s < th.MIN_VOICED_SPEECH_S:
        reason = ("no speech found: we heard no voice in it, only silence, noise or a whisper. If it was just "
                  "recorded, check that the microphone is on and not muted; then record again, speaking as you "
                  "would to an interviewer")
    elif spread_st < th.MIN_SPEECH_PITCH_SPREAD_ST and voiced_s >= th.PITCH_SPREAD_MIN_VOICED_S:
        reason = ("no speech found: it holds a steady tone or hum, not a voice. Record again somewhere "
                  "quieter, close to the microphone")
    elif spread_db < th.MIN_SPEECH_LEVEL_SPREAD_DB:
        reason = ("no speech found: it holds steady noise, not speech. Record again somewhere quieter, "
                  "close to the microphone")
    return SpeechPresence(voiced_speech_s=round(voiced_s, 2), pitch_spread_st=round(spread_st, 2),
                          level_spread_db=round(spread_db, 1), found=reason is None, reason=reason)


def voiced_regions(regions: list[Region], track: PitchTrack, *, min_voiced_s: float = 0.06) -> list[Region]:
    """The speech regions that hold at least ``min_voiced_s`` of voicing.

    The voice activity detector also marks bursts of noise (a door, a cough, a
    fan starting) as speech; a region without a voiced frame is none.
    """
    step = float(np.median(np.diff(track.times))) if track.times.size > 1 else 0.01
    kept = []
    for region in regions:
        inside = track.voiced & (track.times >= region.start) & (track.times <= region.end)
        if inside.sum() * step >= min_voiced_s:
            kept.append(region)
    return kept
