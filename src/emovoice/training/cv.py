"""Speaker-disjoint cross-validation over the RAVDESS folds, resumable per fold.

Each finished fold is saved as ``<runs>/<model>/fold_<k>.npz``: clip
probabilities on the clean test fold (un-enrolled, and enrolled: each test
speaker heard against a baseline made from ``ENROL_K`` of their neutral clips),
on each degraded copy of it, and on all of TESS (un-enrolled and enrolled); a
fold already saved is not run again. Torch models also keep a checkpoint per epoch
inside ``<runs>/<model>/fold_<k>/`` so that an interrupted fold resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.audio import Degradation
from emovoice.datasets import tess
from emovoice.datasets.ravdess import Clip, load_clips, load_folds
from emovoice.datasets.tess import TessClip
from emovoice.errors import ParameterError
from emovoice.features.baseline import (
    enrolment_clips,
    population_baseline,
    relative,
    relative_leave_one_out,
    relative_sampled,
    speaker_baselines,
)
from emovoice.labels import EMOTIONS
from emovoice.training.featurecache import WindowFeatures, extract
from emovoice.training.metrics import clip_probabilities
from emovoice.training.recipes import Recipe, make_recipe
from emovoice.training.recipes.base import EXTRA_GROUP, EnrolledWindows
from emovoice.training.recipes.ensemble import Ensemble, mean_probabilities, same

TEST_DEGRADATIONS = (Degradation.NOISE, Degradation.REVERB, Degradation.CODEC, Degradation.GAIN)
UNCALIBRATED = "clean_uncalibrated"
"""Key of the clean test probabilities before temperature scaling."""
ENROLLED = "enrolled"
"""Key of the clean test probabilities with each test speaker heard against their own baseline."""
TEST_SEED = 1000
"""Seed of the degraded test copies; training augmentation uses other seeds."""


def default_runs_dir() -> Path:
    return Path.cwd() / "runs" / "cv"


ENROL_K = 2
"""Neutral clips a test speaker enrols with; they are left out of that speaker's scores."""
NEUTRAL = EMOTIONS.index("neutral")


@dataclass
class FoldResult:
    """Clip probabilities of one fold's model on its test speakers and on TESS.

    Attributes
    ----------
    probabilities : dict of str to np.ndarray, shape (n_test_clips, 8)
        Per condition: ``clean``, each degradation, ``clean_uncalibrated``, and
        ``enrolled`` (clean, each test speaker heard against their own baseline).
    enrolment : np.ndarray of bool, shape (n_test_clips,) or None
        The clips each test speaker's baseline was made from (left out of enrolled scores).
    tess_y, tess_enrolment : np.ndarray or None
        TESS labels and enrolment clips (None when TESS was not at hand).
    tess_probabilities : dict of str to np.ndarray, shape (n_tess_clips, 8)
        ``clean`` (un-enrolled) and ``enrolled``.
    """

    fold: int
    y_true: np.ndarray
    probabilities: dict[str, np.ndarray]  # condition -> (n_clips, 8)
    info: dict[str, Any]
    enrolment: np.ndarray | None = None
    tess_y: np.ndarray | None = None
    tess_enrolment: np.ndarray | None = None
    tess_probabilities: dict[str, np.ndarray] = field(default_factory=dict)


def _speakers(clips: Sequence[Any]) -> np.ndarray:
    return np.array([c.speaker for c in clips])


def _neutral(clips: Sequence[Any]) -> np.ndarray:
    return np.array([c.label == NEUTRAL for c in clips])


def population_of(feats: WindowFeatures, clips: Sequence[Any], mask: np.ndarray) -> np.ndarray:
    """The population baseline of the speakers of the clips in ``mask``: the mean of their
    baselines, each the mean window of their neutral clips."""
    return population_baseline(speaker_baselines(feats.features, feats.clip_index, speakers=_speakers(clips),
                                                 use=mask & _neutral(clips)))


def training_windows(recipe: Recipe, clips: list[Clip], train_mask: np.ndarray, *, progress: bool,
                     extra: Sequence[TessClip] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Windows, labels, speaker groups and clean-audio marks of the training clips, clean and augmented.

    A baseline-relative recipe gets each window minus its speaker's baseline: the mean
    window of that speaker's neutral clips in the same condition (clean or augmented); with
    ``leave_one_out``, a neutral clip's baseline is made from the speaker's other neutral clips; with
    ``baseline_draws``, each window is copied that many times, each copy against the mean of
    ``ENROL_K`` of the speaker's other neutral clips drawn at random, as a new speaker enrols.
    ``extra`` clips of another corpus (all of them trained on) are read from their own feature
    cache and treated the same way; each of their speakers is one group.
    """
    frontend = recipe.frontend()
    corpora: list[tuple[Sequence[Any], np.ndarray, np.ndarray]] = [
        (clips, train_mask, np.array([c.actor for c in clips]))]
    if extra:
        names = sorted({c.speaker for c in extra})
        corpora.append((extra, np.ones(len(extra), dtype=bool),
                        np.array([EXTRA_GROUP + names.index(c.speaker) for c in extra])))
    xs, ys, gs, cs = [], [], [], []
    for i, kind in enumerate((Degradation.CLEAN, *recipe.augment)):
        for corpus, mask, groups in corpora:
            feats = extract(frontend, corpus, degradation=kind, seed=recipe.seed + i, progress=progress)
            X, owner = _relative_training(recipe, feats, corpus, mask, seed=recipe.seed + i)
            xs.append(X)
            ys.append(np.array([c.label for c in corpus])[owner])
            gs.append(groups[owner])
            cs.append(np.full(len(X), kind is Degradation.CLEAN))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs), np.concatenate(cs)


def _relative_training(recipe: Recipe, feats: WindowFeatures, clips: Sequence[Any], mask: np.ndarray, *,
                       seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows of the clips in ``mask`` as ``recipe`` trains on them, and their clip indices."""
    speakers, neutral = _speakers(clips), _neutral(clips)
    X, owner = feats.select(mask)
    if recipe.relative and recipe.baseline_draws:
        X, copies = relative_sampled(X, owner, speakers=speakers, use=mask & neutral, k=ENROL_K,
                                     draws=recipe.baseline_draws, seed=seed)
        owner = owner[copies]
    elif recipe.relative and recipe.leave_one_out:
        X = relative_leave_one_out(X, owner, speakers=speakers, use=mask & neutral)
    elif recipe.relative:
        baselines = speaker_baselines(feats.features, feats.clip_index, speakers=speakers, use=mask & neutral)
        X = relative(X, owner, speakers=speakers, baselines=baselines)
    return X, owner


def enrolled_baselines(feats: WindowFeatures, clips: Sequence[Any],
                       mask: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The ``ENROL_K`` neutral clips (a fixed, seeded choice) of each speaker of the clips in
    ``mask``, and each speaker's baseline made from them: how a new speaker enrols."""
    speakers = _speakers(clips)
    enrolment = enrolment_clips(speakers, _neutral(clips) & mask, k=ENROL_K)
    return enrolment, speaker_baselines(feats.features, feats.clip_index, speakers=speakers, use=enrolment)


def inner_enrolled_windows(clean: WindowFeatures, clips: list[Clip], train_mask: np.ndarray) -> EnrolledWindows:
    """The training clips' clean windows as a new speaker's are heard: each training speaker
    against the baseline of :func:`enrolled_baselines` (the choice test speakers get), those clips
    left out; what :meth:`~emovoice.training.recipes.base.Recipe.measure_inner_enrolled` scores
    inner cross-validation's held-out speakers on."""
    labels = np.array([c.label for c in clips])
    actors = np.array([c.actor for c in clips])
    enrolment, own = enrolled_baselines(clean, clips, train_mask)
    X, owner = clean.select(train_mask & ~enrolment)
    X = relative(X, owner, speakers=_speakers(clips), baselines=own)
    return EnrolledWindows(X, labels[owner], actors[owner], owner)


def model_input(recipe: Recipe, X: np.ndarray, owner: np.ndarray, *, speakers: np.ndarray,
                population: np.ndarray, baselines: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """What a fitted recipe reads for test windows, with or without the speakers' own baselines.

    A baseline-relative recipe reads ``x - b``: ``b`` is the speaker's baseline when
    ``baselines`` has it, else the population baseline. A plain recipe reads ``x``
    un-enrolled, and ``x - b + population`` enrolled (the speaker's neutral moved
    onto the training speakers' average neutral), so every model has an enrolled score.
    """
    if recipe.relative:
        return relative(X, owner, speakers=speakers, baselines=baselines or {}, fallback=population)
    if baselines:
        return np.asarray(relative(X, owner, speakers=speakers, baselines=baselines) + population)
    return X


def _test_probabilities(recipe: Recipe, feats: WindowFeatures, mask: np.ndarray, *, speakers: np.ndarray,
                        population: np.ndarray, baselines: dict[str, np.ndarray] | None = None,
                        calibrated: bool = True) -> np.ndarray:
    X, owner = feats.select(mask)
    X = model_input(recipe, X, owner, speakers=speakers, population=population, baselines=baselines)
    window_probs = recipe.predict_proba(X, calibrated=calibrated)
    return np.asarray(clip_probabilities(window_probs, owner, len(mask))[mask])


def _tess_clips(progress: bool) -> list[TessClip] | None:
    try:
        return tess.load_clips()
    except ParameterError:
        if progress:
            print("TESS not found: the cross-corpus figures are skipped (set $EMOVOICE_TESS)")
        return None


def run_fold(model: str, fold: int, *, clips: list[Clip], folds: dict[int, list[int]],
             runs_dir: Path, progress: bool = True, degraded: bool = True,
             max_epochs: int | None = None, **overrides: Any) -> FoldResult | None:
    """Train on the other folds, test on ``fold`` (un-enrolled, enrolled, degraded) and on all
    of TESS; return None if a torch model stopped early because of ``max_epochs`` (its
    checkpoint is kept)."""
    out = runs_dir / model / f"fold_{fold}.npz"
    if out.is_file():
        return load_fold(out)
    recipe = make_recipe(model)
    if isinstance(recipe, Ensemble):
        members = [run_fold(name, fold, clips=clips, folds=folds, runs_dir=runs_dir, progress=progress,
                            degraded=degraded, max_epochs=max_epochs, **overrides) for name in recipe.members]
        if any(m is None for m in members):
            return None
        return _ensemble_fold(out, [m for m in members if m is not None], members=recipe.members, clips=clips,
                              test_actors=folds[fold])
    for key, value in overrides.items():
        setattr(recipe, key, value)
    recipe.use_checkpoints(runs_dir / model / f"fold_{fold}", max_epochs=max_epochs)
    actors = np.array([c.actor for c in clips])
    test_mask = np.isin(actors, folds[fold])
    tess_clips = _tess_clips(progress)
    tess_held_out = None
    if recipe.tess_speaker:
        if tess_clips is None:
            raise ParameterError(f"{model} trains on a TESS speaker, and TESS is not at hand")
        tess_held_out = tess.SPEAKERS[fold % 2]  # folds 1, 3, 5 hold out YAF; 2, 4, 6 hold out OAF
        recipe.trained_on_tess = tuple(s for s in tess.SPEAKERS if s != tess_held_out)
    extra = [c for c in tess_clips if c.actress != tess_held_out] if tess_clips and tess_held_out else []
    X, y, groups, is_clean = training_windows(recipe, clips, ~test_mask, progress=progress, extra=extra)

    from tqdm.auto import tqdm

    bar = tqdm(desc=f"{model} fold {fold}", disable=not progress, leave=False,
               total=recipe.progress_total)

    def report(**stats: Any) -> None:
        bar.update(1)
        if stats:
            bar.set_postfix(fold=fold, **{k: round(v, 4) if isinstance(v, float) else v
                                          for k, v in stats.items()})

    recipe.fit(X, y, groups, clean=is_clean, progress=report)
    del X, y, groups, is_clean
    bar.close()
    if not recipe.finished:
        return None
    labels = np.array([c.label for c in clips])
    speakers = _speakers(clips)
    frontend = recipe.frontend()
    clean = extract(frontend, clips, degradation=Degradation.CLEAN, seed=0, progress=progress)
    if recipe.relative:
        recipe.measure_inner_enrolled(inner_enrolled_windows(clean, clips, ~test_mask))
    population = population_of(clean, clips, ~test_mask)
    enrolment, own = enrolled_baselines(clean, clips, test_mask)

    def score(feats: WindowFeatures, baselines: dict[str, np.ndarray] | None = None, *,
              calibrated: bool = True) -> np.ndarray:
        return _test_probabilities(recipe, feats, test_mask, speakers=speakers, population=population,
                                   baselines=baselines, calibrated=calibrated)

    probabilities = {Degradation.CLEAN.value: score(clean), ENROLLED: score(clean, own)}
    if recipe.temperature not in (None, 1.0):
        probabilities[UNCALIBRATED] = score(clean, calibrated=False)
    for kind in TEST_DEGRADATIONS if degraded else ():
        probabilities[kind.value] = score(extract(frontend, clips, degradation=kind, seed=TEST_SEED,
                                                  progress=progress))
    result = FoldResult(fold, labels[test_mask], probabilities, _fitted_info(recipe),
                        enrolment=enrolment[test_mask])
    if tess_clips is not None:
        t_feats = extract(frontend, tess_clips, progress=progress)
        t_speakers = _speakers(tess_clips)
        everything = np.array([tess_held_out in (None, c.actress) for c in tess_clips])
        t_enrol, t_own = enrolled_baselines(t_feats, tess_clips, everything)
        result.tess_y = np.array([c.label for c in tess_clips])[everything]
        result.tess_enrolment = t_enrol[everything]
        result.tess_probabilities = {
            condition: _test_probabilities(recipe, t_feats, everything, speakers=t_speakers, population=population,
                                           baselines=baselines)
            for condition, baselines in ((Degradation.CLEAN.value, None), (ENROLLED, t_own))}
    save_fold(out, result, paths=[str(c.path.name) for c, t in zip(clips, test_mask, strict=True) if t])
    return result


def _ensemble_fold(out: Path, parts: list[FoldResult], *, members: tuple[str, ...], clips: list[Clip],
                   test_actors: list[int]) -> FoldResult:
    """An ensemble's fold: the mean of its members' probabilities on the same clips (saved to ``out``)."""
    result = FoldResult(parts[0].fold, same([p.y_true for p in parts], "test labels"),
                        mean_probabilities([p.probabilities for p in parts]), {"members": list(members)},
                        enrolment=same([p.enrolment for p in parts], "enrolment clips"),
                        tess_y=same([p.tess_y for p in parts], "TESS labels"),
                        tess_enrolment=same([p.tess_enrolment for p in parts], "TESS enrolment clips"))
    if all(p.tess_probabilities for p in parts):
        result.tess_probabilities = mean_probabilities([p.tess_probabilities for p in parts])
    save_fold(out, result, paths=[str(c.path.name) for c in clips if c.actor in test_actors])
    return result


def _fitted_info(recipe: Recipe) -> dict[str, Any]:
    info: dict[str, Any] = {k: v for k, v in vars(recipe).items()
                            if k.endswith("_") and isinstance(v, (int, float)) and not k.startswith("_")}
    if recipe.trained_on is not None:
        info["trained_on"] = recipe.trained_on  # which folds ran where, when some ran on a GPU
    if recipe.trained_on_tess:
        info["trained_on_tess"] = list(recipe.trained_on_tess)  # TESS speakers in training: not cross-corpus
    return info


def save_fold(path: Path, result: FoldResult, *, paths: list[str]) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, Any] = {f"probs_{k}": v for k, v in result.probabilities.items()}
    arrays.update({f"tess_probs_{k}": v for k, v in result.tess_probabilities.items()})
    for key in ("enrolment", "tess_y", "tess_enrolment"):
        if getattr(result, key) is not None:
            arrays[key] = getattr(result, key)
    arrays.update(fold=result.fold, y_true=result.y_true, paths=np.array(paths), info=json.dumps(result.info))
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_fold(path: Path) -> FoldResult:
    import json

    with np.load(path) as data:
        probs = {k[len("probs_"):]: data[k] for k in data.files if k.startswith("probs_")}
        tess_probs = {k[len("tess_probs_"):]: data[k] for k in data.files if k.startswith("tess_probs_")}
        extra = {key: data[key] for key in ("enrolment", "tess_y", "tess_enrolment") if key in data.files}
        return FoldResult(int(data["fold"]), data["y_true"], probs, json.loads(str(data["info"])),
                          tess_probabilities=tess_probs, **extra)


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
