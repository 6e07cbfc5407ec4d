"""One report per recording: emotion plus everything an interview coach would tell you."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any, TypeVar

import numpy as np

from emovoice import thresholds as th
from emovoice.analysis.emotion import analyze_wave
from emovoice.analysis.feedback import tips
from emovoice.analysis.report import (
    Delivery,
    EmotionReport,
    FillersSection,
    FlowSection,
    InputInfo,
    LoudnessSection,
    PaceSection,
    PitchSection,
    Report,
    Speech,
    TranscriptSection,
)
from emovoice.analysis.sentiment import sentiment
from emovoice.analysis.speech import flow, mark_fillers, pace, speech_span, words_in_speech
from emovoice.audio import SAMPLE_RATE, DecodedAudio
from emovoice.errors import ModelNotFoundError, NoSpeechError
from emovoice.features.baseline import Baseline
from emovoice.features.presence import PitchTrack, SpeechPresence, pitch_track, speech_presence, voiced_regions
from emovoice.features.prosody import VoiceQuality, loudness, pitch, voice_quality
from emovoice.features.vad import Region, speech_regions
from emovoice.models.emotion import EmotionModel
from emovoice.models.transcriber import Transcriber, Transcript

T = TypeVar("T")


def _transcript_section(transcript: Transcript | None, reason: str | None) -> TranscriptSection:
    if transcript is None:
        return TranscriptSection(available=False, reason=reason, model=None, text="", words=[])
    return TranscriptSection(available=True, reason=None, model=transcript.model, text=transcript.text,
                             words=list(transcript.words), segments=transcript.segments,
                             retried_without_prompt=transcript.retried_without_prompt, resumed=transcript.resumed,
                             notes=list(transcript.notes))


def _timed(timings: dict[str, float], stage: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    t0 = time.perf_counter()
    try:
        return func(*args, **kwargs)
    finally:
        timings[stage] = time.perf_counter() - t0


def _transcribe(transcriber: Transcriber | None, wave: np.ndarray,
                regions: list[Region]) -> tuple[Transcript | None, str | None]:
    if transcriber is None:
        return None, "transcription turned off"
    if not regions:
        return None, "no speech found"
    try:
        return transcriber.transcribe(wave, regions), None
    except ModelNotFoundError as exc:
        return None, str(exc)


def delivery_figures(wave: np.ndarray, emotion: EmotionReport, *, regions: list[Region], track: PitchTrack,
                     transcript: Transcript | None, transcript_reason: str | None, quality: VoiceQuality,
                     timings: dict[str, float]) -> Delivery:
    """Every delivery figure of validated 16 kHz audio, from the stages' results."""
    duration = wave.size / SAMPLE_RATE
    missing = [] if transcript is not None else [f"transcript: {transcript_reason}"]
    if transcript is not None:
        transcript.words, invented = words_in_speech(transcript.words, regions)
        if invented:
            transcript.notes.append(f"left out {len(invented)} word{'s' if len(invented) > 1 else ''} heard where "
                                    f"no one was speaking: \"{' '.join(w.text for w in invented)}\"")
    words = transcript.words if transcript else []
    filler_items = mark_fillers(words)
    speaking = sum(r.duration for r in regions)
    span = speech_span(regions, words)
    spoken_s = span[1] - span[0] if span else duration
    pace_stats = pace(words, duration_s=duration, speaking_s=speaking, span=span) if transcript else None
    flow_stats = flow(regions, duration_s=duration, words=words, span_s=spoken_s)
    minutes = max(spoken_s, 1.0) / 60

    t0 = time.perf_counter()
    pitch_stats = pitch(wave, track=track)
    level = loudness(wave)
    mood = sentiment(transcript.text if transcript else None, emotion.probabilities)
    timings["pitch_loudness_sentiment"] = time.perf_counter() - t0

    return Delivery(
        transcript=_transcript_section(transcript, transcript_reason),
        pace=PaceSection(
            wpm=pace_stats.wpm if pace_stats else None,
            speaking_wpm=pace_stats.speaking_wpm if pace_stats else None,
            target=th.PACE_WPM,
            verdict=th.PACE_WPM.verdict(pace_stats.wpm) if pace_stats and pace_stats.wpm is not None else None,
            curve=pace_stats.curve if pace_stats else [],
        ),
        fillers=FillersSection(
            count=len(filler_items) if transcript else None,
            per_minute=round(len(filler_items) / minutes, 2) if transcript else None,
            target=th.FILLERS_PER_MIN,
            items=filler_items,
        ),
        flow=FlowSection(
            speaking_s=flow_stats.speaking_s,
            speaking_ratio=flow_stats.speaking_ratio,
            long_pause_threshold_s=th.LONG_PAUSE_S,
            long_pause_count=len(flow_stats.long_pauses),
            long_pauses=flow_stats.long_pauses,
            longest_pause_s=flow_stats.longest_pause_s,
            time_to_first_word_s=flow_stats.time_to_first_word_s,
            speech_regions=[[r.start, r.end] for r in regions],
            target_speaking_ratio=th.SPEAKING_RATIO,
            first_word_limit_s=th.FIRST_WORD_S,
            long_pause_limit=long_pause_limit(spoken_s),
        ),
        pitch=PitchSection(**asdict(pitch_stats), unit="Hz / semitones",
                           monotone_threshold_st=th.MONOTONE_THRESHOLD_ST,
                           target_variability=th.PITCH_VARIABILITY_ST),
        loudness=LoudnessSection(**asdict(level), target=th.LOUDNESS_DBFS,
                                 clipping_threshold_fraction=th.CLIPPING_FRACTION,
                                 target_variability=th.LOUDNESS_VARIABILITY_DB),
        voice_quality=quality,
        sentiment=mood,
        missing=missing,
    )


def long_pause_limit(spoken_s: float) -> int:
    """Most pauses over ``LONG_PAUSE_S`` an answer spoken over ``spoken_s`` seconds (first to last
    word) may hold: ``MAX_LONG_PAUSES_PER_MIN`` a minute, counted over a minute at least."""
    return int(th.MAX_LONG_PAUSES_PER_MIN * max(spoken_s / 60, 1.0))


def check_speech(wave: np.ndarray, *, name: str | None = None) -> tuple[list[Region], PitchTrack, SpeechPresence]:
    """The voice activity regions, pitch track and speech check of validated 16 kHz audio.

    Raises
    ------
    NoSpeechError
        The recording holds no speech (silence, noise, a tone...).
    """
    regions = speech_regions(wave)
    track = pitch_track(wave)
    presence = speech_presence(wave, regions=regions, track=track)
    if not presence.found:
        raise NoSpeechError(f"{name}: {presence.reason}" if name else str(presence.reason))
    return regions, track, presence


def analyze_delivery(wave: np.ndarray, *, model: EmotionModel, transcriber: Transcriber | None,
                     name: str | None = None, delivery: bool = True,
                     audio: DecodedAudio | None = None, baseline: Baseline | None = None) -> Report:
    """Emotion and (with ``delivery``) delivery report of validated 16 kHz mono audio.

    First checks that someone speaks (:func:`emovoice.features.presence.speech_presence`).
    Then transcription runs in the calling thread while the emotion model and
    Praat's voice-quality measures run beside it, one after the other, in a worker thread
    (CTranslate2 and onnxruntime work outside Python's lock; Praat holds it, so its part is kept
    small).

    Raises
    ------
    NoSpeechError
        The recording holds no speech (silence, noise, a tone...).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    regions, track, presence = check_speech(wave, name=name)
    timings["speech_check"] = time.perf_counter() - t0
    speech = Speech(**asdict(presence), little=presence.voiced_speech_s < th.LITTLE_SPEECH_S,
                    little_threshold_s=th.LITTLE_SPEECH_S)
    source = InputInfo(channels=audio.channels if audio else 1, truncated=bool(audio and audio.truncated),
                       notes=list(audio.notes) if audio else [])
    if not delivery:
        emotion = _timed(timings, "emotion", analyze_wave, wave, model=model, name=name,
                          baseline=baseline)
        return Report(emotion_report=emotion, delivery=None, timings_s=timings, speech=speech, source=source)
    regions = voiced_regions(regions, track)
    # One worker beside the transcriber, which takes one core: the emotion model and Praat together
    # take a fraction of its time, and a third busy thread would only slow it down.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="emovoice") as pool:
        emotion_job = pool.submit(_timed, timings, "emotion", analyze_wave, wave, model=model, name=name,
                          baseline=baseline)
        quality_job = pool.submit(_timed, timings, "voice_quality", voice_quality, wave, track=track)
        transcript, reason = _timed(timings, "transcribe", _transcribe, transcriber, wave, regions)
        emotion, quality = emotion_job.result(), quality_job.result()
    figures = delivery_figures(wave, emotion, regions=regions, track=track, transcript=transcript,
                               transcript_reason=reason, quality=quality, timings=timings)
    report = Report(emotion_report=emotion, delivery=figures, timings_s=timings, speech=speech, source=source)
    figures.feedback = tips(report)
    return report
