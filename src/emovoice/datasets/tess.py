"""Reader for the Toronto Emotional Speech Set (TESS): the cross-corpus check.

Two actresses (``OAF``, aged 64, and ``YAF``, aged 26) say "Say the word ___"
with 200 target words in seven emotions; file names are
``<speaker>_<word>_<emotion>.flac``. There is no calm class. TESS is never
split within itself (two speakers, one carrier phrase): models are trained on
RAVDESS and tested on all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emovoice.datasets import beside_checkout
from emovoice.errors import ParameterError
from emovoice.labels import EMOTIONS
from emovoice.settings import get_settings

TESS_EMOTIONS = {"neutral": "neutral", "happy": "happy", "sad": "sad", "angry": "angry", "fear": "fearful",
                 "disgust": "disgust", "ps": "surprised"}
"""TESS's emotion names to emovoice's labels (``ps``: pleasant surprise)."""

SPEAKERS = ("OAF", "YAF")


def default_root() -> Path:
    """``$EMOVOICE_TESS``, else ``../shared/data/tess`` beside this source checkout."""
    configured = get_settings().tess
    if configured:
        return configured
    return beside_checkout("tess", marker=SPEAKERS[0])


@dataclass(frozen=True)
class TessClip:
    """One TESS recording and what its name says about it."""

    path: Path
    emotion: str
    actress: str
    word: str

    @property
    def speaker(self) -> str:
        """The speaker, as a name unique across corpora (``tess-OAF``)."""
        return f"tess-{self.actress}"

    @property
    def label(self) -> int:
        return EMOTIONS.index(self.emotion)


def parse_name(name: str) -> tuple[str, str, str]:
    """Speaker, word and emovoice emotion label of a TESS file name.

    Parameters
    ----------
    name : str
        For example ``"OAF_back_ps.flac"``.
    """
    stem = Path(name).name.rsplit(".", 1)[0]
    parts = stem.split("_")
    if len(parts) < 3 or parts[0] not in SPEAKERS or parts[-1].lower() not in TESS_EMOTIONS:
        raise ParameterError(f"{name!r} is not a TESS file name (<OAF|YAF>_<word>_<emotion>)")
    return parts[0], "_".join(parts[1:-1]), TESS_EMOTIONS[parts[-1].lower()]


def load_clips(root: str | Path | None = None) -> list[TessClip]:
    """Every TESS clip under ``root``, sorted by path."""
    root = default_root() if root is None else Path(root)
    if not root.is_dir():
        raise ParameterError(f"no TESS data at {root}; set $EMOVOICE_TESS or pass the directory")
    clips = []
    for path in sorted(root.glob("*/*.flac")) + sorted(root.glob("*/*.wav")):
        speaker, word, emotion = parse_name(path.name)
        clips.append(TessClip(path=path, emotion=emotion, actress=speaker, word=word))
    if not clips:
        raise ParameterError(f"no TESS clips under {root}")
    return sorted(clips, key=lambda c: str(c.path))
