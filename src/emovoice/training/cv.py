"""Speaker-disjoint cross-validation over the RAVDESS folds, resumable per fold.

Each finished fold is saved as ``<runs>/<model>/fold_<k>.npz`` (clip
probabilities on the clean test fold and on each degraded copy of it); a fold
already saved is not run again. Torch models also keep a checkpoint per epoch
inside ``<runs>/<model>/fold_<k>/`` so that an interrupted fold resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.audio.effects import Degradation
from emovoice.datasets.ravdess import Clip, load_clips, load_folds
from emovoice.training.featurecache import extract
from emovoice.training.recipes import Recipe, make_recipe

TEST_DEGRADATIONS = (Degradation.NOISE, Degradation.REVERB, Degradation.CODEC, Degradation.GAIN)
UNCALIBRATED = "clean_uncalibrated"
"""Key of the clean test probabilities before temperature scaling."""
TEST_SEED = 1000
"""Seed of the degraded test copies; training augmentation uses other seeds."""


def default_runs_dir() -> Path:
    return Path.cwd() / "runs" / "cv"


@dataclass
class FoldResult:
    fold: int
    y_true: np.ndarray
    probabilities: dict[str, np.ndarray]  # condition -> (n_clips, 8)
    info: dict[str, Any]


def clip_probabilities(window_probs: np.ndarray, clip_index: np.ndarray, n_clips: int) -> np.ndarray:
    """Average window probabilities per clip.

    Returns
    -------
    np.ndarray, shape (n_clips, n_classes)
        Rows of clips without windows are zero.
    """
    sums = np.zeros((n_clips, window_probs.shape[1]))
    np.add.at(sums, clip_index, window_probs)
    counts = np.bincount(clip_index, minlength=n_clips)[:, None]
    return sums / np.maximum(counts, 1)


def training_windows(recipe: Recipe, clips: list[Clip], train_mask: np.ndarray, *,
                     progress: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows, labels and speaker groups of the training clips, clean and augmented."""
    labels = np.array([c.label for c in clips])
    actors = np.array([c.actor for c in clips])
    frontend = recipe.frontend()
    xs, ys, gs = [], [], []
    for i, kind in enumerate((Degradation.CLEAN, *recipe.augment)):
        feats = extract(frontend, clips, degradation=kind, seed=recipe.seed + i, progress=progress)
        X, owner = feats.select(train_mask)
        xs.append(X)
        ys.append(labels[owner])
        gs.append(actors[owner])
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)


def run_fold(model: str, fold: int, *, clips: list[Clip], folds: dict[int, list[int]],
             runs_dir: Path, progress: bool = True, degraded: bool = True,
             max_epochs: int | None = None, **overrides: Any) -> FoldResult | None:
    """Train on the other folds, test on ``fold``; return None if a torch model
    stopped early because of ``max_epochs`` (its checkpoint is kept)."""
    out = runs_dir / model / f"fold_{fold}.npz"
    if out.is_file():
        return load_fold(out)
    recipe = make_recipe(model)
    for key, value in overrides.items():
        setattr(recipe, key, value)
    if hasattr(recipe, "checkpoint_dir"):
        recipe.checkpoint_dir = runs_dir / model / f"fold_{fold}"  # type: ignore[attr-defined]
        recipe.max_epochs_this_run = max_epochs  # type: ignore[attr-defined]
    actors = np.array([c.actor for c in clips])
    test_mask = np.isin(actors, folds[fold])
    X, y, groups = training_windows(recipe, clips, ~test_mask, progress=progress)

    from tqdm.auto import tqdm

    bar = tqdm(desc=f"{model} fold {fold}", disable=not progress, leave=False,
               total=getattr(recipe, "epochs", None))

    def report(**stats: Any) -> None:
        bar.update(1)
        if stats:
            bar.set_postfix(fold=fold, **{k: round(v, 4) if isinstance(v, float) else v
                                          for k, v in stats.items()})

    recipe.fit(X, y, groups, progress=report)
    bar.close()
    if not getattr(recipe, "finished", True):
        return None
    labels = np.array([c.label for c in clips])
    frontend = recipe.frontend()
    conditions = [Degradation.CLEAN, *(TEST_DEGRADATIONS if degraded else ())]
    probabilities = {}
    for kind in conditions:
        seed = 0 if kind is Degradation.CLEAN else TEST_SEED
        feats = extract(frontend, clips, degradation=kind, seed=seed, progress=progress)
        X_test, owner = feats.select(test_mask)
        probs = clip_probabilities(recipe.predict_proba(X_test), owner, len(clips))
        probabilities[kind.value] = probs[test_mask]
        if kind is Degradation.CLEAN and getattr(recipe, "temperature_", 1.0) != 1.0:
            raw = clip_probabilities(recipe.predict_proba(X_test, calibrated=False), owner,  # type: ignore[call-arg]
                                     len(clips))
            probabilities[UNCALIBRATED] = raw[test_mask]
    info = {k: v for k, v in vars(recipe).items()
            if k.endswith("_") and isinstance(v, (int, float)) and not k.startswith("_")}
    result = FoldResult(fold, labels[test_mask], probabilities, info)
    save_fold(out, result, paths=[str(c.path.name) for c, t in zip(clips, test_mask, strict=True) if t])
    return result


def save_fold(path: Path, result: FoldResult, *, paths: list[str]) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, Any] = {f"probs_{k}": v for k, v in result.probabilities.items()}
    arrays.update(fold=result.fold, y_true=result.y_true, paths=np.array(paths), info=json.dumps(result.info))
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_fold(path: Path) -> FoldResult:
    import json

    with np.load(path) as data:
        probs = {k[len("probs_"):]: data[k] for k in data.files if k.startswith("probs_")}
        return FoldResult(int(data["fold"]), data["y_true"], probs, json.loads(str(data["info"])))


def cross_validate(model: str, *, root: Path | None = None, fold_numbers: list[int] | None = None,
                   runs_dir: Path | None = None, progress: bool = True, degraded: bool = True,
                   max_epochs: int | None = None, **overrides: Any) -> list[FoldResult]:
    """Run (or resume) cross-validation of ``model`` and return the finished folds."""
    clips = load_clips(root)
    folds = load_folds(root)
    runs_dir = default_runs_dir() if runs_dir is None else runs_dir
    results = []
    for fold in fold_numbers or list(folds):
        result = run_fold(model, fold, clips=clips, folds=folds, runs_dir=runs_dir,
                          progress=progress, degraded=degraded, max_epochs=max_epochs, **overrides)
        if result is not None:
            results.append(result)
    return results


def finished_folds(model: str, runs_dir: Path | None = None) -> list[FoldResult]:
    """Every fold of ``model`` already saved under ``runs_dir``, in fold order."""
    runs_dir = default_runs_dir() if runs_dir is None else runs_dir
    paths = sorted((runs_dir / model).glob("fold_*.npz"), key=lambda p: int(p.stem.split("_")[1]))
    return [load_fold(p) for p in paths]
