"""The one colour of each emotion, for every chart that draws one: the web pages (passed to their
scripts) and the self-contained HTML report."""

from __future__ import annotations

EMOTION_COLOURS = {"neutral": "#7f7f7f", "calm": "#2ca02c", "happy": "#e6a817", "sad": "#1f77b4",
                   "angry": "#d62728", "fearful": "#9467bd", "disgust": "#8c564b", "surprised": "#e377c2"}
"""Tableau's ten-colour palette (as in matplotlib), one per emotion label."""
