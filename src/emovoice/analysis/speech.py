"""What the words and the timing say: pace, filler words, pauses and flow."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emovoice import thresholds as th
from emovoice.features.vad import Region
from emovoice.models.transcriber import Word

SINGLE_FILLERS = {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "ahh", "hmm", "hm", "mm", "mhm"}
PHRASE_FILLERS = (("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of"))
_LIKE_VERBS = {"i", "you", "we", "they", "would", "i'd", "you'd", "we'd", "they'd", "don't", "didn't",
               "feel", "feels", "felt", "look", "looks", "looked", "sound", "sounds", "seem", "seems",
               "just", "really", "also", "things", "something", "nothing", "anything", "more", "less",
               "much", "would've", "to", "not", "people", "a", "lot"}
_BE = {"is", "was", "were", "be", "been", "it's", "i'm", "he's", "she's", "they're", "we're", "you're"}
_DETERMINERS = {"a", "an", "the", "that", "this", "my", "his", "her", "our", "their", "your", "its"}
_LIKE_OBJECTS = _DETERMINERS | {"those", "these", "them", "him", "me", "us", "it", "you", "someone", "something",
                                 "anyone", "everyone", "any", "some", "one", "what"}
"""After these, an unbroken "like" compares ("a style like that of ...", "people like them")."""
_SO_AFTER = {"that", "much", "many", "far", "long", "good", "bad", "well", "so", "very"}


def normalise_token(text: str) -> str:
    return re.sub(r"[^\w']", "", text.lower())


def mark_fillers(words: list[Word]) -> list[dict[str, Any]]:
    """Mark filler words in place and list each filler with its time.

    Single fillers (um, uh, er, ah, hmm...) always count. The phrases "you know",
    "I mean", "kind of", "sort of" count unless they carry meaning in an obvious
    way (followed by "that"/"what" for "you know" and "I mean"). "like" counts
    where it is set off by commas, follows a word it cannot be a verb or
    preposition after, or follows "was"/"is" without a noun phrase after it
    ("it was like a dream" is a comparison); "so" counts at the start of a sentence when a comma
    follows it.

    Returns
    -------
    list of dict
        ``{"text", "start", "end"}`` of each filler, in time order.
    """
    tokens = [normalise_token(w.text) for w in words]
    found: list[dict[str, Any]] = []
    i = 0
    while i < len(words):
        token = tokens[i]
        raw = words[i].text
        prev_raw = words[i - 1].text if i else "."
        nxt = tokens[i + 1] if i + 1 < len(words) else ""
        span = 1
        is_filler = token in SINGLE_FILLERS
        if not is_filler:
            for first, second in PHRASE_FILLERS:
                if token == first and nxt == second:
                    after = tokens[i + 2] if i + 2 < len(words) else ""
                    meaningful = (first in ("you", "i") and after in ("that", "what", "how", "why", "the")) or (
                        first in ("kind", "sort") and i > 0 and tokens[i - 1] in ("a", "the", "what", "this"))
                    if not meaningful:
                        is_filler, span = True, 2
                    break
        if not is_filler and token == "like":
            before = i - 1
            while before >= 0 and words[before].filler:  # "I, um, like to..." reads past the "um"
                before -= 1
            prev = tokens[before] if before >= 0 else ""
            prev_raw = words[before].text if before >= 0 else "."
            set_off = raw.endswith(",") or (prev_raw.endswith(",") and before == i - 1)
            if prev in _BE:  # "it was like a dream" compares; "he was like, totally lost" fills
                is_filler = set_off or nxt not in _DETERMINERS
            else:
                is_filler = set_off or (i > 0 and prev not in _LIKE_VERBS and nxt not in _LIKE_OBJECTS
                                        and not prev_raw.endswith((".", "?", "!")))
        if not is_filler and token == "so":
            sentence_start = i == 0 or prev_raw.endswith((".", "?", "!"))
            is_filler = sentence_start and raw.endswith(",") and nxt not in _SO_AFTER
        if is_filler:
            for k in range(i, i + span):
                words[k].filler = True
            found.append({"text": " ".join(tokens[i:i + span]), "start": words[i].start,
                          "end": words[i + span - 1].end})
        i += span
    return found


@dataclass
class Pace:
    """Words per minute, overall, over speaking time only, and per window."""

    wpm: float | None
    speaking_wpm: float | None
    curve: list[dict[str, float]] = field(default_factory=list)


def speech_span(regions: list[Region], words: list[Word] | None = None) -> tuple[float, float] | None:
    """From the first to the last speech (voice activity or word) in seconds; None without any.

    The figures that divide by time use this span, not the recording's length: an answer that
    ends before its time is up has no words in its silent end, and is not slower for it.
    """
    starts = [r.start for r in regions[:1]] + [w.start for w in (words or [])[:1]]
    ends = [r.end for r in regions[-1:]] + [w.end for w in (words or [])[-1:]]
    if not starts:
        return None
    return min(starts), max(ends)


WORD_OUTSIDE_SPEECH_S = 0.5
"""A word starting this long after the last voice activity (or ending this long before the first)
was heard in silence: Whisper invents a "Please." or a "Thank you." there."""


def words_in_speech(words: list[Word], regions: list[Region]) -> tuple[list[Word], list[Word]]:
    """The words inside the speech, and those heard before the first or after the last voice activity."""
    if not regions:
        return list(words), []
    first, last = regions[0].start - WORD_OUTSIDE_SPEECH_S, regions[-1].end + WORD_OUTSIDE_SPEECH_S
    kept = [w for w in words if w.start <= last and w.end >= first]
    return kept, [w for w in words if not (w.start <= last and w.end >= first)]


def pace(words: list[Word], *, duration_s: float, speaking_s: float,
         span: tuple[float, float] | None = None) -> Pace:
    """Words per minute over ``span`` (start and end in seconds; default the whole ``duration_s``):
    the span of the speech (:func:`speech_span`). Fillers are not counted as words.

    The curve holds one point per :data:`thresholds.WPM_STEP_S` seconds of the span: the words
    whose middle falls in the :data:`thresholds.WPM_WINDOW_S` window centred there (cut to the
    span), scaled to a minute. Silence before the first and after the last speech is in neither,
    so the curve reads as the headline figure does.
    """
    content = [w for w in words if not w.filler]
    start, end = (0.0, duration_s) if span is None else span
    if duration_s <= 0 or end - start <= 0:
        return Pace(None, None)
    wpm = len(content) / (end - start) * 60
    speaking = len(content) / speaking_s * 60 if speaking_s > th.MIN_SPEAKING_S_FOR_RATE else None
    mids = np.array([(w.start + w.end) / 2 for w in content])
    curve = []
    half = th.WPM_WINDOW_S / 2
    for centre in np.arange(start, end + 1e-9, th.WPM_STEP_S):
        lo, hi = max(start, centre - half), min(end, centre + half)
        if hi - lo < th.MIN_PACE_WINDOW_S:
            continue
        count = int(((mids >= lo) & (mids < hi)).sum()) if mids.size else 0
        curve.append({"time": round(float(centre), 2), "wpm": round(float(count / (hi - lo) * 60), 1)})
    return Pace(round(wpm, 1), None if speaking is None else round(speaking, 1), curve)


@dataclass
class Flow:
    """Pauses and speaking time."""

    speaking_s: float
    speaking_ratio: float
    long_pauses: list[dict[str, float]]
    longest_pause_s: float
    time_to_first_word_s: float | None


def flow(regions: list[Region], *, duration_s: float, words: list[Word] | None = None,
         span_s: float | None = None) -> Flow:
    """Speaking time, its share of ``span_s`` (default ``duration_s``: pass the speech's span,
    :func:`speech_span`, so that a silent end after the answer is not counted), long pauses
    (over :data:`thresholds.LONG_PAUSE_S`) and the delay before the first word (the first word's
    start when a transcript is there, else the first speech)."""
    speaking = sum(r.duration for r in regions)
    gaps = [{"start": a.end, "end": b.start, "duration": round(b.start - a.end, 2)}
            for a, b in itertools.pairwise(regions)]
    long = [g for g in gaps if g["duration"] > th.LONG_PAUSE_S]
    if words:
        first: float | None = words[0].start
    else:
        first = regions[0].start if regions else None
    span = duration_s if span_s is None else span_s
    return Flow(speaking_s=round(speaking, 2), speaking_ratio=round(min(1.0, speaking / span), 3) if span > 0 else 0.0,
                long_pauses=long, longest_pause_s=max((g["duration"] for g in gaps), default=0.0),
                time_to_first_word_s=None if first is None else round(first, 2))
