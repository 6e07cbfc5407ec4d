"""A speaker's everyday voice, as a front end hears it: the reference emotion is judged against.

A model trained on 24 actors has no idea what *this* speaker's ordinary voice
sounds like: a voice quieter or lower than an actor's "neutral" reads as sad.
A :class:`Baseline` is the mean window feature of a few recordings of the
speaker's everyday speech; a baseline-relative model classifies
``features - baseline`` instead of ``features``. With no baseline of the
speaker's own, the model falls back to the *population* baseline: the mean of
its training speakers' baselines, which is what an un-enrolled speaker is
compared with.

A baseline is tied to the front end (name, version and parameters) that made
it: one made by another front end is refused, never mixed.

The same functions make the training speakers' baselines in cross-validation
(:func:`speaker_baselines`) and a user's baseline at serving time
(:func:`window_mean`), so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.errors import ParameterError

FORMAT = "emovoice-baseline"
FORMAT_VERSION = 1
ENROL_SEED = 14
"""Seed of the fixed choice of a test speaker's enrolment clips."""
KINDS = ("speaker", "population")
"""What a baseline was made from: a person's recordings, or a model's training speakers."""
MAX_FEATURE = 1e5
"""Largest feature magnitude a baseline file may hold: emovoice's front ends stay far below it (Whisper's
pooled hidden states under 10, eGeMAPS's frequencies under 10^4 Hz); beyond it the file was damaged."""


class BaselineMismatchError(ParameterError):
    """A baseline made by another front end (or version, or parameters) than the model's."""


@dataclass(frozen=True)
class FrontendSpec:
    """Which front end made a set of features: its name, version and parameters."""

    name: str
    version: int
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, frontend: Any) -> FrontendSpec:
        """The spec of a front end object (see :mod:`emovoice.features.frontends`)."""
        return cls(name=frontend.name, version=int(frontend.version), params=dict(frontend.params()))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "params": self.params}

    def describe(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class Baseline:
    """The mean window feature of a speaker's everyday speech.

    Attributes
    ----------
    features : np.ndarray, shape (...)
        One window's feature shape (for the shipped model, (4, 768)), float32.
    frontend : FrontendSpec
        The front end that made the features.
    speech_s : float
        Seconds of voiced speech in the recordings it was made from.
    windows : int
        Windows averaged.
    sources : int
        Recordings it was made from.
    created : str
        ISO date it was made.
    kind : str
        ``"speaker"`` (made from a person's recordings) or ``"population"``
        (the mean of a model's training speakers).
    """

    features: np.ndarray
    frontend: FrontendSpec
    speech_s: float
    windows: int
    sources: int
    created: str = field(default_factory=lambda: dt.date.today().isoformat())
    kind: str = "speaker"

    def __repr__(self) -> str:  # the features' shape, not their 3,072 numbers
        return (f"Baseline(kind={self.kind!r}, features={self.features.dtype} {tuple(self.features.shape)}, "
                f"frontend={self.frontend.describe()!r}, speech_s={self.speech_s:.1f}, windows={self.windows}, "
                f"sources={self.sources}, created={self.created!r})")

    def check_frontend(self, spec: FrontendSpec, shape: tuple[int, ...] | None = None) -> None:
        """Refuse a baseline made by another front end than ``spec`` (or of another shape).

        Raises
        ------
        BaselineMismatchError
        """
        again = "make the baseline again with this model (emovoice baseline -o me.json voice.wav)"
        if (self.frontend.name, self.frontend.version) != (spec.name, spec.version):
            raise BaselineMismatchError(f"this baseline was made by the front end {self.frontend.describe()}, but the "
                                        f"emotion model reads {spec.describe()}: {again}")
        if self.frontend.params != spec.params:
            differ = ", ".join(f"{key} {self.frontend.params.get(key, 'unset')} against {spec.params.get(key, 'unset')}"
                               for key in sorted({*self.frontend.params, *spec.params})
                               if self.frontend.params.get(key) != spec.params.get(key))
            raise BaselineMismatchError(f"this baseline was made by the front end {spec.describe()} with other "
                                        f"settings than the emotion model reads ({differ}): {again}")
        if shape is not None and tuple(self.features.shape) != tuple(shape):
            raise BaselineMismatchError(f"this baseline holds features of shape {tuple(self.features.shape)}, "
                                        f"the emotion model reads {tuple(shape)}: make the baseline again")

    def describe(self) -> dict[str, Any]:
        """What the baseline was made from, for a report (no features)."""
        return {"kind": self.kind, "speech_s": round(float(self.speech_s), 2), "windows": self.windows,
                "sources": self.sources, "created": self.created, "frontend": self.frontend.to_dict()}

    def to_dict(self) -> dict[str, Any]:
        data = np.ascontiguousarray(self.features, dtype="<f4")
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **self.describe(),
                "shape": list(data.shape), "features_f32_base64": base64.b64encode(data.tobytes()).decode("ascii")}

    @classmethod
    def from_dict(cls, data: Any) -> Baseline:
        """Read back :meth:`to_dict`.

        Raises
        ------
        ParameterError
            Not a baseline, another format version, or damaged.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ParameterError("not an emovoice baseline (make one with: emovoice baseline -o me.json voice.wav)")
        if data.get("format_version") != FORMAT_VERSION:
            raise ParameterError(f"a baseline of format version {data.get('format_version')!r}; "
                                 f"this emovoice reads version {FORMAT_VERSION}")
        missing = [key for key in ("shape", "features_f32_base64", "frontend", "speech_s", "windows", "sources",
                                   "created") if key not in data]
        if missing:
            raise ParameterError(f"a damaged baseline: it has no {', '.join(missing)}")
        try:
            shape = tuple(int(n) for n in data["shape"])
            raw = base64.b64decode(data["features_f32_base64"], validate=True)
        except (TypeError, ValueError, binascii.Error):
            raise ParameterError("a damaged baseline: its shape or its features are not readable") from None
        if len(raw) != 4 * int(np.prod(shape)):
            raise ParameterError(f"a damaged baseline: it holds {len(raw) // 4} features, and its shape {shape} "
                                 f"needs {int(np.prod(shape))}")
        try:
            front = data["frontend"]
            spec = FrontendSpec(name=str(front["name"]), version=int(front["version"]),
                                params=dict(front.get("params") or {}))
            baseline = cls(features=np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32),
                           frontend=spec, speech_s=float(data["speech_s"]), windows=int(data["windows"]),
                           sources=int(data["sources"]), created=str(data["created"]),
                           kind=str(data.get("kind", "speaker")))
        except (KeyError, TypeError, ValueError):
            raise ParameterError("a damaged baseline: its front end, counts or date are not readable") from None
        if not np.all(np.isfinite(baseline.features)):
            raise ParameterError("a damaged baseline: its features are not finite")
        if np.abs(baseline.features).max(initial=0.0) > MAX_FEATURE:
            raise ParameterError(f"a damaged baseline: its features reach {np.abs(baseline.features).max():.3g}, "
                                 f"far beyond what a voice gives (at most {MAX_FEATURE:g})")
        if baseline.kind not in KINDS:
            raise ParameterError(f"a damaged baseline: its kind {baseline.kind!r} is not one of {', '.join(KINDS)}")
        if baseline.speech_s < 0 or baseline.windows < 1 or baseline.sources < 1:
            raise ParameterError("a damaged baseline: its seconds of speech, windows or recordings are out of range")
        return baseline

    def save(self, path: str | Path) -> Path:
        """Write the baseline as a small JSON file (about 17 kB for the shipped model)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict()) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        """Read a baseline file written by :meth:`save`.

        Raises
        ------
        ParameterError
            A missing, unreadable or damaged file.
        """
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise ParameterError(f"{path}: no such baseline file") from None
        except UnicodeDecodeError:
            raise ParameterError(f"{path} is not an emovoice baseline (not text: a recording? Make a baseline from "
                                 "recordings with: emovoice baseline -o me.json voice.wav)") from None
        except OSError as exc:
            raise ParameterError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ParameterError(f"{path} is not an emovoice baseline (not JSON)") from None
        return cls.from_dict(data)


def window_mean(features: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """The baseline features of a set of windows: their mean.

    Parameters
    ----------
    features : np.ndarray, shape (n_windows, ...), or a list of such arrays
        Window features of one speaker's everyday speech (one array per recording).

    Returns
    -------
    np.ndarray, shape (...), dtype float32
    """
    stacked = np.concatenate(list(features)) if not isinstance(features, np.ndarray) else features
    if stacked.shape[0] == 0:
        raise ParameterError("a baseline needs at least one window")
    return np.asarray(stacked.astype(np.float64).mean(axis=0).astype(np.float32))


def speaker_baselines(features: np.ndarray, clip_index: np.ndarray, *, speakers: Sequence[str] | np.ndarray,
                      use: np.ndarray) -> dict[str, np.ndarray]:
    """Each speaker's baseline: the mean window of their clips marked in ``use``.

    Parameters
    ----------
    features : np.ndarray, shape (n_windows, ...)
    clip_index : np.ndarray, shape (n_windows,)
        The clip each window comes from.
    speakers : sequence of str, length n_clips
        Each clip's speaker.
    use : np.ndarray of bool, shape (n_clips,)
        The clips a baseline is made from (a speaker's neutral clips, or a few of them).

    Returns
    -------
    dict of str to np.ndarray
        One baseline per speaker that has windows in ``use``.
    """
    speakers = np.asarray(speakers)
    window_speaker = speakers[clip_index]
    picked = np.asarray(use)[clip_index]
    return {str(s): window_mean(features[picked & (window_speaker == s)])
            for s in np.unique(window_speaker[picked])}


def population_baseline(baselines: dict[str, np.ndarray]) -> np.ndarray:
    """The mean of speakers' baselines (each speaker counts once)."""
    if not baselines:
        raise ParameterError("a population baseline needs at least one speaker")
    return np.asarray(np.mean(np.stack(list(baselines.values())).astype(np.float64), axis=0).astype(np.float32))


def relative(features: np.ndarray, clip_index: np.ndarray, *, speakers: Sequence[str] | np.ndarray,
             baselines: dict[str, np.ndarray], fallback: np.ndarray | None = None) -> np.ndarray:
    """``features`` minus the baseline of each window's speaker.

    Parameters
    ----------
    features : np.ndarray, shape (n_windows, ...)
    clip_index : np.ndarray, shape (n_windows,)
    speakers : sequence of str, length n_clips
    baselines : dict of str to np.ndarray
    fallback : np.ndarray or None
        Subtracted for a speaker without a baseline (None: such a speaker is an error).

    Returns
    -------
    np.ndarray, shape (n_windows, ...), dtype float32
    """
    speakers = np.asarray(speakers)
    out = np.empty_like(features, dtype=np.float32)
    window_speaker = speakers[clip_index]
    for s in np.unique(window_speaker):
        rows = window_speaker == s
        base = baselines.get(str(s), fallback)
        if base is None:
            raise ParameterError(f"no baseline for speaker {s}")
        out[rows] = features[rows] - base
    return out


def relative_leave_one_out(features: np.ndarray, clip_index: np.ndarray, *,
                           speakers: Sequence[str] | np.ndarray, use: np.ndarray) -> np.ndarray:
    """``features`` minus each speaker's baseline made from their clips in ``use``, where a window
    of a clip in ``use`` gets the baseline of the speaker's *other* clips in ``use``.

    A clip is then never part of the baseline it is measured against, as at serving time,
    where an answer is not one of the recordings the baseline was made from. A speaker
    with a single clip in ``use`` keeps that clip's own mean for it.

    Returns
    -------
    np.ndarray, shape (n_windows, ...), dtype float32
    """
    speakers = np.asarray(speakers)
    use = np.asarray(use)
    out = relative(features, clip_index, speakers=speakers,
                   baselines=speaker_baselines(features, clip_index, speakers=speakers, use=use))
    window_speaker = speakers[clip_index]
    for s in np.unique(window_speaker[use[clip_index]]):
        members = use[clip_index] & (window_speaker == s)
        total = features[members].astype(np.float64).sum(axis=0)
        count = int(members.sum())
        for clip in np.unique(clip_index[members]):
            own = clip_index == clip
            rest = count - int(own.sum())
            if rest > 0:
                base = (total - features[own].astype(np.float64).sum(axis=0)) / rest
                out[own] = features[own] - base.astype(np.float32)
    return out


def relative_sampled(features: np.ndarray, clip_index: np.ndarray, *, speakers: Sequence[str] | np.ndarray,
                     use: np.ndarray, k: int = 2, draws: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``features`` minus baselines drawn as a new speaker's is made: each window, ``draws`` times,
    minus the mean window of ``k`` of its speaker's clips in ``use``, other than its own clip,
    drawn at random.

    A model trained on these copies meets in training the noise of a baseline made from a
    few recordings, which is what it meets at serving time; cross-validation on them then
    chooses its regularisation and temperature under that noise. A window whose speaker has
    ``k`` or fewer other clips in ``use`` gets the mean of them all; the one clip of a speaker
    with a single clip in ``use`` keeps its own mean, as in :func:`relative_leave_one_out`.

    Parameters
    ----------
    features : np.ndarray, shape (n_windows, ...)
    clip_index : np.ndarray, shape (n_windows,)
    speakers : sequence of str, length n_clips
    use : np.ndarray of bool, shape (n_clips,)
        The clips a baseline may be made from (a speaker's neutral clips).
    k : int
        Clips per baseline.
    draws : int
        Copies of every window, each against its own draw.
    seed : int

    Returns
    -------
    relative : np.ndarray, shape (draws * n_windows, ...), dtype float32
        Copy ``d`` of window ``i`` is row ``d * n_windows + i``.
    rows : np.ndarray, shape (draws * n_windows,)
        The window each row is a copy of.
    """
    if k < 1 or draws < 1:
        raise ParameterError(f"k and draws must be at least 1, not {k} and {draws}")
    speakers = np.asarray(speakers)
    use = np.asarray(use)
    n = len(features)
    flat = features.reshape(n, -1).astype(np.float64)
    n_clips = len(speakers)
    sums = np.zeros((n_clips, flat.shape[1]))
    np.add.at(sums, clip_index, flat)
    counts = np.bincount(clip_index, minlength=n_clips).astype(np.float64)
    candidates = {str(s): np.flatnonzero((speakers == s) & use & (counts > 0)) for s in np.unique(speakers)}
    rng = np.random.default_rng(seed)
    out = np.empty((draws, n, flat.shape[1]), dtype=np.float32)
    for i in range(n):
        own = clip_index[i]
        pool = candidates[str(speakers[own])]
        if len(pool) == 0:
            raise ParameterError(f"speaker {speakers[own]} has no clip to make a baseline from")
        if len(pool) > 1:
            pool = pool[pool != own]
        for d in range(draws):
            chosen = pool if len(pool) <= k else rng.choice(pool, size=k, replace=False)
            out[d, i] = flat[i] - sums[chosen].sum(axis=0) / counts[chosen].sum()
    return out.reshape(draws * n, *features.shape[1:]), np.tile(np.arange(n), draws)


def enrolment_clips(speakers: Sequence[str] | np.ndarray, neutral: np.ndarray, *, k: int = 2,
                    seed: int = ENROL_SEED) -> np.ndarray:
    """A fixed, seeded choice of ``k`` neutral clips per speaker, to make their baseline from.

    The same speaker always gets the same clips (the choice depends on the seed
    and the speaker's name, not on which other speakers are listed).

    Returns
    -------
    np.ndarray of bool, shape (n_clips,)
        True for the chosen clips; they are left out of that speaker's scores.
    """
    speakers = np.asarray(speakers)
    chosen = np.zeros(len(speakers), dtype=bool)
    for s in np.unique(speakers):
        candidates = np.flatnonzero((speakers == s) & np.asarray(neutral))
        if len(candidates) < k:
            continue
        rng = np.random.default_rng([seed, zlib.crc32(str(s).encode())])
        chosen[rng.choice(candidates, size=k, replace=False)] = True
    return chosen
