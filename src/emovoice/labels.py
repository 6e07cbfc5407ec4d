"""The emotion labels, in the order every model's output uses."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = (
    "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised",
)
"""The eight RAVDESS emotions; index ``i`` is RAVDESS code ``i + 1``."""

EMOTIONS7: tuple[str, ...] = tuple(e for e in EMOTIONS if e != "calm")
"""The seven classes used when calm clips are left out."""
