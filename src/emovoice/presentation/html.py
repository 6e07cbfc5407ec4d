"""A self-contained HTML report (inline SVG charts, no scripts, no network)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from emovoice import thresholds as th
from emovoice.analysis import wording
from emovoice.analysis.report import Report, Segment, Target
from emovoice.labels import EMOTIONS
from emovoice.models.transcriber import Word
from emovoice.presentation.palette import EMOTION_COLOURS as COLOURS

WIDTH, HEIGHT, PAD = 720, 200, 40


def _esc(value: Any) -> str:
    return html.escape(str(value))


def emotion_timeline_svg(timeline: list[Segment], duration: float) -> str:
    """Stacked bars, one per second, coloured by emotion probability."""
    if not timeline:
        return ""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="emotion timeline">']
    for seg in timeline:
        x = PAD + seg.start / duration * inner_w
        w = max(1.0, (seg.end - seg.start) / duration * inner_w - 1)
        y: float = PAD + inner_h
        for label in EMOTIONS:
            h = seg.probabilities[label] * inner_h
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[label]}"><title>{seg.start:.0f}-{seg.end:.0f} s {wording.sounded(label)} '
                         f'{wording.percent(seg.probabilities[label])}</title></rect>')
    parts += _axes(duration, 1.0, "time (s)", "probability")
    parts.append("</svg>")
    return "".join(parts)


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(float(m * power) for m in (1, 2, 5, 10) if m * power >= raw)


def _axes(x_max: float, y_max: float, x_label: str, y_label: str, y_min: float = 0.0) -> list[str]:
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    out = [f'<line x1="{PAD}" y1="{PAD + inner_h}" x2="{PAD + inner_w}" y2="{PAD + inner_h}" stroke="#333"/>',
           f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{PAD + inner_h}" stroke="#333"/>',
           f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle" font-size="11">{_esc(x_label)}</text>',
           f'<text x="12" y="{HEIGHT / 2}" text-anchor="middle" font-size="11" '
           f'transform="rotate(-90 12 {HEIGHT / 2})">{_esc(y_label)}</text>']
    steps = 5
    tick = _nice_step(x_max / steps)
    for k in range(int(x_max / tick + 1e-9) + 1):
        x = PAD + inner_w * k * tick / max(x_max, 1e-9)
        out.append(f'<text x="{x:.1f}" y="{PAD + inner_h + 14}" text-anchor="middle" font-size="10">'
                   f'{k * tick:g}</text>')
    step = _nice_step((y_max - y_min) / steps)  # round numbers (-2, 0, 2...), not fifths of the span
    first = math.ceil(y_min / step - 1e-9)
    for k in range(first, math.floor(y_max / step + 1e-9) + 1):
        y = PAD + inner_h - inner_h * (k * step - y_min) / max(y_max - y_min, 1e-9)
        out.append(f'<text x="{PAD - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">{k * step:g}</text>')
    return out


def line_svg(points: list[tuple[float, float]], *, x_max: float, label: str, unit: str,
             band: tuple[float, float] | None = None, band_title: str = "target range",
             band_fill: str = "#c8e6c9", colour: str = "#1565c0", empty: str = "No data.") -> str:
    """A line chart with an optional shaded band (the target range unless ``band_title`` says
    otherwise); ``empty`` says why there is none."""
    if not points:
        return f"<p class='muted'>{_esc(empty)}</p>"
    values = [v for _, v in points] + (list(band) if band else [])
    lo, hi = min(values), max(values)
    lo, hi = (lo - 1, hi + 1) if hi - lo < 1e-6 else (lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(t: float, v: float) -> tuple[float, float]:
        return PAD + t / max(x_max, 1e-9) * inner_w, PAD + inner_h - (v - lo) / (hi - lo) * inner_h

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_esc(label)}">']
    if band:
        _, y_top = xy(0, min(band[1], hi))
        _, y_bottom = xy(0, max(band[0], lo))
        parts.append(f'<rect x="{PAD}" y="{y_top:.1f}" width="{inner_w}" height="{max(0, y_bottom - y_top):.1f}" '
                     f'fill="{band_fill}"><title>{_esc(band_title)}</title></rect>')
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(t, v) for t, v in points))
    parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for t, v in points:
        x, y = xy(t, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>{t:.0f} s: '
                     f'{v:.1f} {_esc(unit)}</title></circle>')
    parts += _axes(x_max, hi, "time (s)", f"{label} ({unit})", y_min=lo)
    parts.append("</svg>")
    return "".join(parts)


def mix_bars(probabilities: dict[str, float]) -> str:
    rows = []
    for label, p in sorted(probabilities.items(), key=lambda kv: -kv[1]):
        rows.append(f'<div class="bar"><span class="lbl">{wording.sounded(label)}</span>'
                    '<span class="track"><span class="fill" '
                    f'style="width:{100 * p:.1f}%;background:{COLOURS[label]}"></span></span>'
                    f'<span class="pct">{100 * p:.1f} %</span></div>')
    return "".join(rows)


def transcript_html(words: list[Word]) -> str:
    if not words:
        return "<p class='muted'>No transcript.</p>"
    return " ".join(f'<mark title="filler at {w.start:.1f} s">{_esc(w.text)}</mark>' if w.filler
                    else f'<span title="{w.start:.1f} s">{_esc(w.text)}</span>' for w in words)


def _card(label: str, value: float | int | None, unit: str, target: str) -> str:
    shown = "n/a" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
    return (f"<div class='card'><div class='k'>{_esc(label)}</div><div class='v'>{_esc(shown)} {_esc(unit)}</div>"
            f"<div class='t'>{_esc('target ' + target if target else '')}</div></div>")


def _span(target: Target, fmt: str = ".0f", sep: str = "-") -> str:
    return f"{target.low:{fmt}}{sep}{target.high:{fmt}}"


def render(report: Report) -> str:
    """The HTML page of a report."""
    emotion = report.emotion_report
    duration = report.duration_s
    named = wording.is_named(emotion)
    legend = "".join(f'<span class="key"><i style="background:{COLOURS[e]}"></i>{wording.sounded(e)}</span>'
                     for e in EMOTIONS)
    reference = wording.reference_sentence(emotion, own_voice="baseline")  # made by 'emovoice baseline'
    sections = [
        "<h1>Your answer</h1>",
        f"<p class='headline'>{_esc(wording.emotion_sentence(emotion))}</p>",
        f"<p class='muted'>{_esc(report.file or 'recording')} · {duration:.1f} s</p>",
        *(f"<p class='muted'>Note: {_esc(note)}</p>" for note in report.source.notes),
        *(f"<p class='muted'>Note: {_esc(tip.text)}</p>"  # said here, under the headline, not among the tips
          for tip in (report.delivery.feedback if report.delivery else []) if tip.metric == "speech"),
        *([f"<p class='muted'>{_esc(reference)}</p>"] if reference else []),
    ]
    charts = ["<h2>Emotion, second by second</h2>", emotion_timeline_svg(report.timeline, duration),
              f"<div class='legend'>{legend}</div>",
              "<h2>Emotion mix</h2>", mix_bars(report.probabilities)]
    if wording.shows_reading(emotion):
        sections += charts
    else:  # not a reading of this speaker: folded away and labelled, as on the web page
        sections += [f"<p>{_esc(wording.RAW_OUTPUT_NOTE)}</p>",
                     f"<details id='raw-emotion'><summary>{_esc(wording.RAW_OUTPUT_LABEL)}</summary>",
                     *charts, "</details>"]
    delivery = report.delivery
    if delivery is not None:
        pitch, pace, loud = delivery.pitch, delivery.pace, delivery.loudness
        middle, spread = pitch.median_hz, pitch.variability_st  # drawn on the pitch variation figure's scale
        pitch_points = [(i + 0.5, 12 * math.log2(v / middle)) for i, v in enumerate(pitch.curve)
                        if v is not None and middle]
        pace_points = [(p["time"], p["wpm"]) for p in pace.curve]
        tips = "".join(f"<li class='{t.kind}'>{_esc(t.text)}</li>"
                       for t in wording.shown_tips(report, below_headline=True))
        cards = "".join([
            _card("Pace", pace.wpm, "wpm", _span(pace.target)),
            _card("Filler words per minute", delivery.fillers.per_minute, "/min",
                  f"≤ {delivery.fillers.target.high:.0f}"),
            _card(f"Pauses over {delivery.flow.long_pause_threshold_s:.0f} s", delivery.flow.long_pause_count, "",
                  "" if delivery.flow.long_pause_limit is None else f"≤ {delivery.flow.long_pause_limit}"),
            _card("Pitch variation", pitch.variability_st, "semitones", _span(pitch.target_variability, sep="–")),
            _card("Level", loud.level_dbfs, "dBFS", _span(loud.target, sep=" to ")),
        ])
        sections += [
            "<h2>Tips</h2>", f"<ul class='tips'>{tips}</ul>",
            "<h2>Delivery</h2>", f"<div class='cards'>{cards}</div>",
            "<details id='units'><summary>What the units mean</summary><dl class='units'>"
            + "".join(f"<dt>{_esc(unit)}</dt><dd>{_esc(meaning)}</dd>" for unit, meaning in wording.UNITS)
            + "</dl></details>",
            f"<p>{_esc(wording.sentiment_sentence(delivery.sentiment, voice_named=named))}</p>",
            "<h2>Pitch</h2>",
            line_svg(pitch_points, x_max=duration, label="pitch", unit="semitones",
                     band=(-spread, spread) if spread else None, band_title="your pitch variation",
                     band_fill="#ede0f3", colour="#6a1b9a"),
            f"<p class='muted'>Pitch second by second, in semitones from your middle pitch"
            f"{f' ({middle:.0f} Hz)' if middle else ''}. The shaded band is your pitch variation, the typical "
            "distance of your pitch from its middle, either way.</p>",
            "<h2>Pace</h2>", line_svg(pace_points, x_max=duration, label="pace", unit="wpm",
                                      band=(pace.target.low, pace.target.high),
                                      empty=f"Too short for a pace curve: the words span under "
                                            f"{th.MIN_PACE_WINDOW_S:.0f} s (the figure above is over them all)."),
            "<h2>Transcript</h2>", f"<p class='transcript'>{transcript_html(delivery.transcript.words)}</p>",
        ]
        sections += [f"<p class='muted'>Missing: {_esc(item)}</p>" for item in delivery.missing]
    style = """
body{font:15px/1.5 system-ui,sans-serif;max-width:780px;margin:2em auto;padding:0 1em;color:#212121}
h1{font-size:1.6em;margin-bottom:0} h2{font-size:1.15em;margin-top:1.6em}
.muted{color:#757575} svg{width:100%;height:auto;background:#fafafa;border-radius:6px}
.legend{display:flex;flex-wrap:wrap;gap:.8em;font-size:.85em;margin-top:.4em}
.key i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;border-radius:2px;vertical-align:-1px}
.bar{display:flex;align-items:center;gap:.6em;margin:.2em 0}.lbl{width:6em}.pct{width:4.5em;text-align:right}
.track{flex:1;background:#eee;height:.9em;border-radius:4px;overflow:hidden}.fill{display:block;height:100%}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:.8em}
.card{background:#f5f5f5;border-radius:8px;padding:.7em}.k{font-size:.8em;color:#616161}.v{font-size:1.3em}
.t{font-size:.8em;color:#757575} mark{background:#ffe082;border-radius:3px;padding:0 2px}
.tips li{margin:.3em 0}.tips .praise{color:#2e7d32}.tips .improve{color:#c62828}
summary{cursor:pointer;margin:.8em 0} .units dt{font-weight:600}.units dd{margin:0 0 .5em 0}
"""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>emovoice report</title><style>{style}</style></head><body>"
            + "".join(sections) + "</body></html>")


def write_html(report: Report, path: str | Path) -> Path:
    """Write :func:`render`'s page to ``path``."""
    path = Path(path)
    path.write_text(render(report), encoding="utf-8")
    return path
