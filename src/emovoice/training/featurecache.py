"""Window features of a whole data set, cached on disk by their parameters.

The cache key hashes the front end (name, version, parameters), the
degradation and its seed, and the list of clips (file name and a hash of its
content), so a second run reads the features back and any change recomputes
them. Content, not modification time: a copy of the same data set laid down
again keeps its cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from emovoice.audio import Degradation, decode, degrade
from emovoice.errors import ParameterError
from emovoice.features.frontends import Frontend, Stacked, stack_parts
from emovoice.settings import get_settings


class Recording(Protocol):
    """A corpus clip: RAVDESS's :class:`~emovoice.datasets.ravdess.Clip` or TESS's."""

    @property
    def path(self) -> Path: ...


def default_cache_dir() -> Path:
    """``features`` in the cache folder (``$EMOVOICE_CACHE_DIR``, else the user's cache folder)."""
    return get_settings().feature_cache_dir


@dataclass
class WindowFeatures:
    """Features of every window of a list of clips.

    Attributes
    ----------
    features : np.ndarray, shape (n_windows, ...)
    clip_index : np.ndarray, shape (n_windows,)
        Which clip (index into the clip list) each window comes from.
    """

    features: np.ndarray
    clip_index: np.ndarray

    def select(self, clip_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Windows of the clips where ``clip_mask`` is true, and their clip indices."""
        keep = clip_mask[self.clip_index]
        return self.features[keep], self.clip_index[keep]


_CONTENT_HASHES: dict[tuple[str, int, int], str] = {}


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (remembered per path, size and modification time)."""
    stat = path.stat()
    memo = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if memo not in _CONTENT_HASHES:
        _CONTENT_HASHES[memo] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _CONTENT_HASHES[memo]


def cache_key(frontend: Frontend, clips: Sequence[Recording], *, degradation: Degradation, seed: int) -> str:
    listing = [(c.path.name, content_hash(c.path)) for c in clips]
    payload = json.dumps({"frontend": frontend.name, "version": frontend.version,
                          "params": frontend.params(), "degradation": Degradation(degradation).value,
                          "seed": seed, "clips": listing}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def read_clip(clip: Recording, *, degradation: Degradation = Degradation.CLEAN, seed: int = 0,
              index: int = 0) -> np.ndarray:
    """Decode a data-set clip at 16 kHz, degraded deterministically by (seed, index)."""
    wave = decode(clip.path)
    rng = np.random.default_rng([seed, index, 7])
    return degrade(wave, degradation, rng=rng)


def extract(frontend: Frontend, clips: Sequence[Recording], *, degradation: Degradation | str = Degradation.CLEAN,
            seed: int = 0, cache_dir: Path | None = None, progress: bool = True) -> WindowFeatures:
    """Window features of every clip, from the cache when it holds them.

    Parameters
    ----------
    frontend : Frontend
        A :class:`~emovoice.features.frontends.Stacked` front end is read part by part, each
        part from its own cache, and its parts' features are put side by side.
    clips : list of Clip
    degradation : Degradation
        Damage applied to each clip first (augmentation or degraded test folds).
    seed : int
        Seed of the degradation strengths.
    cache_dir : Path or None
        Where cached arrays live (default :func:`default_cache_dir`).
    progress : bool
        Show a progress bar.
    """
    degradation = Degradation(degradation)
    if isinstance(frontend, Stacked):  # each part from its own cache
        parts = [extract(p, clips, degradation=degradation, seed=seed, cache_dir=cache_dir, progress=progress)
                 for p in frontend.parts]
        if any(not np.array_equal(p.clip_index, parts[0].clip_index) for p in parts[1:]):
            raise ParameterError("the stacked front ends cut the clips into different windows")
        return WindowFeatures(stack_parts([p.features for p in parts]), parts[0].clip_index)
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    key = cache_key(frontend, clips, degradation=degradation, seed=seed)
    path = cache_dir / f"{frontend.name}-{degradation.value}-{seed}-{key}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return WindowFeatures(stored["features"], stored["clip_index"])
    from tqdm.auto import tqdm

    rows, owners = [], []
    bar = tqdm(clips, desc=f"{frontend.name} [{degradation.value}]", unit="clip",
               disable=not progress, leave=False)
    for i, clip in enumerate(bar):
        feats = frontend.windows(read_clip(clip, degradation=degradation, seed=seed, index=i))
        rows.append(feats)
        owners.append(np.full(len(feats), i, dtype=np.int64))
    result = WindowFeatures(np.concatenate(rows).astype(np.float32), np.concatenate(owners))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # jobs extracting the same features write apart
    np.savez(tmp, features=result.features, clip_index=result.clip_index)
    tmp.replace(path)
    return result
