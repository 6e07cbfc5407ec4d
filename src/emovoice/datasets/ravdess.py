"""Reader for the speech part of RAVDESS.

File names are ``MM-VV-EE-II-SS-RR-AA.flac``: modality, vocal channel,
emotion, intensity, statement, repetition and actor (odd actors are male).

Every clip of the copy in ``../shared/data`` is 2.39 s long (1,434 clips, 57 minutes), and many
stop before their sentence does ("Kids are talking by the d..."): each clip is one analysis
window, zero-padded to 3 s, whose padding the Whisper front end leaves out of its pooling.
``bench/bench_transcription.py`` scores its transcripts against the sentence's prefix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from emovoice.datasets import beside_checkout
from emovoice.errors import ParameterError
from emovoice.labels import EMOTIONS
from emovoice.settings import get_settings

DEFAULT_ROOT_ENV = "EMOVOICE_RAVDESS"


def default_root() -> Path:
    """``$EMOVOICE_RAVDESS``, else ``../shared/data/ravdess`` beside this source checkout."""
    configured = get_settings().ravdess
    if configured:
        return configured
    return beside_checkout("ravdess", marker="folds.json")


@dataclass(frozen=True)
class Clip:
    """One RAVDESS recording and what its name says about it."""

    path: Path
    emotion: str
    intensity: str
    statement: int
    repetition: int
    actor: int

    @property
    def speaker(self) -> str:
        """The speaker, as a name unique across corpora (``ravdess-07``)."""
        return f"ravdess-{self.actor:02d}"

    @property
    def label(self) -> int:
        return EMOTIONS.index(self.emotion)


def parse_name(name: str) -> dict[str, int | str]:
    """Parse a RAVDESS file name into its fields.

    Parameters
    ----------
    name : str
        For example ``"03-01-05-02-01-01-12.flac"``.

    Returns
    -------
    dict
        ``emotion`` (label string), ``intensity`` ("normal"/"strong"),
        ``statement``, ``repetition``, ``actor`` (int), ``gender``.
    """
    stem = Path(name).name.split(".")[0]
    parts = stem.split("-")
    if len(parts) != 7 or not all(p.isdigit() for p in parts):
        raise ParameterError(f"{name!r} is not a RAVDESS file name (MM-VV-EE-II-SS-RR-AA)")
    _, _, emotion, intensity, statement, repetition, actor = (int(p) for p in parts)
    if not 1 <= emotion <= 8 or intensity not in (1, 2) or not 1 <= actor <= 24:
        raise ParameterError(f"{name!r}: field out of range")
    return {
        "emotion": EMOTIONS[emotion - 1],
        "intensity": "normal" if intensity == 1 else "strong",
        "statement": statement,
        "repetition": repetition,
        "actor": actor,
        "gender": "male" if actor % 2 == 1 else "female",
    }


def load_clips(root: str | Path | None = None) -> list[Clip]:
    """List every speech clip under ``root``, sorted by path.

    Returns
    -------
    list of Clip
    """
    root = default_root() if root is None else Path(root)
    if not root.is_dir():
        raise ParameterError(
            f"no RAVDESS data at {root}; set ${DEFAULT_ROOT_ENV} or pass the directory")
    clips = []
    for path in sorted(root.glob("Actor_*/*.flac")) + sorted(root.glob("Actor_*/*.wav")):
        fields = parse_name(path.name)
        clips.append(Clip(path=path, emotion=str(fields["emotion"]),
                          intensity=str(fields["intensity"]), statement=int(fields["statement"]),
                          repetition=int(fields["repetition"]), actor=int(fields["actor"])))
    if not clips:
        raise ParameterError(f"no RAVDESS clips under {root}")
    return sorted(clips, key=lambda c: str(c.path))


def load_folds(root: str | Path | None = None) -> dict[int, list[int]]:
    """Read ``folds.json``: fold number to the actors it holds (speaker-disjoint).

    Returns
    -------
    dict of int to list of int
    """
    root = default_root() if root is None else Path(root)
    path = root / "folds.json"
    if not path.is_file():
        raise ParameterError(f"no folds.json in {root}")
    folds = {int(k): sorted(int(a) for a in v) for k, v in json.loads(path.read_text())["folds"].items()}
    seen = [a for actors in folds.values() for a in actors]
    if len(seen) != len(set(seen)):
        raise ParameterError(f"{path}: an actor appears in more than one fold")
    return dict(sorted(folds.items()))
