"""The readable terminal report (``emovoice analyze`` without ``--json``).

Every target range comes from the report itself, so an old report is drawn
against the targets it was judged by.
"""

from __future__ import annotations

import textwrap
from typing import Any

from emovoice.analysis import wording
from emovoice.analysis.report import Report, Target, TipKind
from emovoice.thresholds import Verdict

VERDICT_MARKS = {Verdict.OK: "✓", Verdict.LOW: "↓", Verdict.HIGH: "↑"}
TIP_MARKS = {TipKind.IMPROVE: "→", TipKind.PRAISE: "★", TipKind.NOTE: "·"}


def bar(fraction: float, width: int = 24) -> str:
    """A text bar ``fraction`` (0-1) full."""
    filled = round(fraction * width)
    return "█" * filled + "·" * (width - filled)


def _mark(verdict: Verdict | None) -> str:
    return " " if verdict is None else VERDICT_MARKS[verdict]


def _num(value: Any, fmt: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{fmt}}{unit}"


def _range(target: Target | None, fmt: str = ".0f", unit: str = "", sep: str = "-") -> str:
    if target is None:
        return ""
    return f"{target.low:{fmt}}{sep}{target.high:{fmt}}{unit}"


def _percent_range(target: Target | None) -> str:
    return "" if target is None else f"{100 * target.low:.0f}-{100 * target.high:.0f} %"


def _verdict(target: Target | None, value: float | None) -> Verdict | None:
    return None if target is None or value is None else target.verdict(value)


def format_report(report: Report) -> str:
    """The readable summary of one report (emotion, then delivery when present)."""
    probabilities = report.probabilities
    emotion = report.emotion_report
    lines = [f"{report.file or '<audio>'}  ({report.duration_s:.1f} s)"]
    lines += [f"  note: {note}" for note in report.source.notes]
    if report.speech is not None and report.speech.little:
        lines.append(f"  note: only {report.speech.voiced_speech_s:.1f} s of voiced speech")
    lines.append(f"  emotion: {wording.emotion_sentence(emotion)}")
    reference = wording.reference_sentence(emotion, own_voice="baseline")  # made by 'emovoice baseline'
    if reference:
        lines.append(f"  {reference}")
    if not wording.shows_reading(emotion):
        lines += [f"  {chunk}" for chunk in textwrap.wrap(wording.CLI_WAY_ON, 96)]
        lines.append(f"  {wording.RAW_OUTPUT_LABEL}:")
    lines.append("  mix:")
    for label, p in sorted(probabilities.items(), key=lambda kv: -kv[1]):
        lines.append(f"    {label:<10} {bar(p)} {p:6.1%}")
    lines.append("  timeline (per second):")
    for seg in report.timeline:
        p = seg.probabilities[seg.emotion]
        lines.append(f"    {seg.start:5.0f}-{seg.end:<5.1f} s  {seg.emotion:<10} {p:4.0%}")
    delivery = report.delivery
    if delivery is None:
        return "\n".join(lines)
    pace, fillers, flow, pitch = delivery.pace, delivery.fillers, delivery.flow, delivery.pitch
    loud, quality, mood = delivery.loudness, delivery.voice_quality, delivery.sentiment

    lines += ["", "  delivery                              value          target"]
    rows = [
        ("pace (first to last word)", _num(pace.wpm, ".0f", " wpm"), _range(pace.target, unit=" wpm"), pace.verdict),
        ("pace (while speaking)", _num(pace.speaking_wpm, ".0f", " wpm"), "", None),
        ("filler words", _num(fillers.count, "d") + (f" ({fillers.per_minute:.1f}/min)"
                                                    if fillers.per_minute is not None else ""),
         f"≤ {fillers.target.high:.0f}/min", fillers.verdict),
        ("speaking time", wording.percent(flow.speaking_ratio, within=flow.target_speaking_ratio)
         + (" (too short to judge)" if flow.too_short_to_judge else ""),
         _percent_range(flow.target_speaking_ratio), flow.speaking_ratio_verdict),
        (f"pauses > {flow.long_pause_threshold_s:.0f} s",
         f"{flow.long_pause_count} (longest "
         f"{wording.pause_seconds(flow.longest_pause_s, threshold=flow.long_pause_threshold_s)} s)",
         "" if flow.long_pause_limit is None else f"≤ {flow.long_pause_limit}", flow.long_pause_verdict),
        ("time to first word", _num(flow.time_to_first_word_s, ".1f", " s"),
         "" if flow.first_word_limit_s is None else f"≤ {flow.first_word_limit_s:.0f} s", flow.first_word_verdict),
        ("pitch median", _num(pitch.median_hz, ".0f", " Hz"), "", None),
        ("pitch variability", _num(pitch.variability_st, ".1f", " st") + (" MONOTONE" if pitch.monotone else ""),
         _range(pitch.target_variability, unit=" st"), _verdict(pitch.target_variability, pitch.variability_st)),
        ("pitch range (5-95 %)", _num(pitch.range_st, ".1f", " st"), "", None),
        ("level", f"{loud.level_dbfs:.1f} dBFS" + (" TOO QUIET" if loud.too_quiet else "")
         + (" CLIPPING" if loud.clipping else ""),
         _range(loud.target, unit=" dBFS", sep=" to "), loud.target.verdict(loud.level_dbfs)),
        ("level variability", f"{loud.variability_db:.1f} dB", _range(loud.target_variability, unit=" dB"),
         _verdict(loud.target_variability, loud.variability_db)),
        ("jitter / shimmer", f"{_num(quality.jitter_percent, '.2f', ' %')} / "
                             f"{_num(quality.shimmer_percent, '.2f', ' %')}", "", None),
        ("harmonics-to-noise", _num(quality.hnr_db, ".1f", " dB"), "", None),
        ("sentiment of words", _num(mood.text_score, "+.2f") + (f" {mood.text_verdict}"
                                                                 if mood.text_verdict else ""), "", None),
        ("sentiment of voice", f"valence {mood.voice_valence:+.2f}, arousal {mood.voice_arousal:+.2f}", "", None),
    ]
    for label, value, target, verdict in rows:
        lines.append(f"    {label:<26} {value:<26} {target:<14} {_mark(verdict)}")
    lines.append(f"    {wording.sentiment_sentence(mood, voice_named=wording.is_named(emotion))}")
    transcript = delivery.transcript
    if transcript.available:
        marked = " ".join(f"[{w.text}]" if w.filler else w.text for w in transcript.words)
        lines += ["", "  transcript ([fillers] marked):"] + [f"    {chunk}" for chunk in textwrap.wrap(marked, 90)]
    for item in delivery.missing:
        lines.append(f"  missing: {item}")
    lines += ["", "  tips:"]
    for tip in delivery.feedback:
        symbol = TIP_MARKS[tip.kind]
        lines += [f"    {symbol} {chunk}" if i == 0 else f"      {chunk}"
                  for i, chunk in enumerate(textwrap.wrap(tip.text, 88))]
    return "\n".join(lines)
