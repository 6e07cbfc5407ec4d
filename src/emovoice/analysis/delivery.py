"""One report per recording: emotion plus everything an interview coach would tell you."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from emovoice import thresholds as th
from emovoice.analysis.emotion import EmotionReport, analyze_wave
from emovoice.analysis.feedback import tips
from emovoice.analysis.sentiment import sentiment
from emovoice.analysis.speech import flow, mark_fillers, pace
from emovoice.audio.io import SAMPLE_RATE
from emovoice.errors import ModelNotFoundError
from emovoice.features.prosody import loudness, pitch, voice_quality
from emovoice.features.vad import speech_regions
from emovoice.models.emotion import EmotionModel
from emovoice.models.transcriber import Transcriber, Transcript

SCHEMA_VERSION = "1.0"


@dataclass
class Report:
    """The full analysis of one recording.

    ``emotion`` holds the emotion report; ``delivery`` the delivery figures
    (None when only emotion was asked for). :meth:`to_dict` gives the JSON
    that ``emovoice analyze --json`` prints, described by
    ``schemas/report.schema.json``.
    """

    emotion_report: EmotionReport
    delivery: dict[str, Any] | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    # the emotion fields, for convenience
    @property
    def file(self) -> str | None:
        return self.emotion_report.file

    @property
    def duration_s(self) -> float:
        return self.emotion_report.duration_s

    @property
    def emotion(self) -> str:
        return self.emotion_report.emotion

    @property
    def probabilities(self) -> dict[str, float]:
        return self.emotion_report.probabilities

    @property
    def timeline(self) -> list[Any]:
        return self.emotion_report.timeline

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, **self.emotion_report.to_dict()}
        if self.delivery is not None:
            out.update(self.delivery)
        return out


def _transcript_dict(transcript: Transcript | None, reason: str | None) -> dict[str, Any]:
    if transcript is None:
        return {"available": False, "reason": reason, "model": None, "text": "", "words": [],
                "segments": 0, "retried_without_prompt": 0, "notes": []}
    return {"available": True, "reason": None, "model": transcript.model, "text": transcript.text,
            "words": [w.to_dict() for w in transcript.words], "segments": transcript.segments,
            "retried_without_prompt": transcript.retried_without_prompt, "notes": transcript.notes}


def delivery_figures(wave: np.ndarray, emotion: EmotionReport, *, transcriber: Transcriber | None,
                     timings: dict[str, float]) -> dict[str, Any]:
    """Every delivery figure of validated 16 kHz audio (see the module docstring)."""
    duration = wave.size / SAMPLE_RATE
    t0 = time.perf_counter()
    regions = speech_regions(wave)
    timings["vad"] = time.perf_counter() - t0

    transcript: Transcript | None = None
    missing: list[str] = []
    reason = None
    t0 = time.perf_counter()
    if transcriber is None:
        reason = "transcription turned off"
    elif not regions:
        reason = "no speech found"
    else:
        try:
            transcript = transcriber.transcribe(wave, regions)
        except ModelNotFoundError as exc:
            reason = str(exc)
    if transcript is None:
        missing.append(f"transcript: {reason}")
    timings["transcribe"] = time.perf_counter() - t0

    words = transcript.words if transcript else []
    filler_items = mark_fillers(words)
    speaking = sum(r.duration for r in regions)
    pace_stats = pace(words, duration_s=duration, speaking_s=speaking) if transcript else None
    flow_stats = flow(regions, duration_s=duration, words=words)
    minutes = duration / 60

    t0 = time.perf_counter()
    pitch_stats = pitch(wave)
    quality = voice_quality(wave)
    timings["pitch_voice_quality"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    level = loudness(wave)
    mood = sentiment(transcript.text if transcript else None, emotion.probabilities)
    timings["loudness_sentiment"] = time.perf_counter() - t0

    report: dict[str, Any] = {
        "transcript": _transcript_dict(transcript, reason),
        "pace": {
            "wpm": pace_stats.wpm if pace_stats else None,
            "speaking_wpm": pace_stats.speaking_wpm if pace_stats else None,
            "target": th.PACE_WPM.to_dict(),
            "verdict": th.PACE_WPM.verdict(pace_stats.wpm) if pace_stats and pace_stats.wpm is not None else None,
            "curve": pace_stats.curve if pace_stats else [],
        },
        "fillers": {
            "count": len(filler_items) if transcript else None,
            "per_minute": round(len(filler_items) / minutes, 2) if transcript else None,
            "target": th.FILLERS_PER_MIN.to_dict(),
            "items": filler_items,
        },
        "flow": {
            "speaking_s": flow_stats.speaking_s,
            "speaking_ratio": flow_stats.speaking_ratio,
            "long_pause_threshold_s": th.LONG_PAUSE_S,
            "long_pause_count": len(flow_stats.long_pauses),
            "long_pauses": flow_stats.long_pauses,
            "longest_pause_s": flow_stats.longest_pause_s,
            "time_to_first_word_s": flow_stats.time_to_first_word_s,
            "speech_regions": [[r.start, r.end] for r in regions],
        },
        "pitch": {**asdict(pitch_stats), "unit": "Hz / semitones",
                  "monotone_threshold_st": th.MONOTONE_THRESHOLD_ST,
                  "target_variability": th.PITCH_VARIABILITY_ST.to_dict()},
        "loudness": {**asdict(level), "target": th.LOUDNESS_DBFS.to_dict(),
                     "clipping_threshold_fraction": th.CLIPPING_FRACTION},
        "voice_quality": asdict(quality),
        "sentiment": asdict(mood),
        "missing": missing,
    }
    report["feedback"] = tips({**emotion.to_dict(), **report})
    return report


def analyze_delivery(wave: np.ndarray, *, model: EmotionModel, transcriber: Transcriber | None,
                     name: str | None = None, delivery: bool = True) -> Report:
    """Emotion and (with ``delivery``) delivery report of validated 16 kHz mono audio."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    emotion = analyze_wave(wave, model=model, name=name)
    timings["emotion"] = time.perf_counter() - t0
    figures = delivery_figures(wave, emotion, transcriber=transcriber, timings=timings) if delivery else None
    return Report(emotion_report=emotion, delivery=figures, timings_s=timings)
