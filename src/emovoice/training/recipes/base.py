"""What every recipe is: a front end, a classifier over its window features, and the hooks
cross-validation and shipping call on it.

A recipe couples a front end (what features a window gives) with a classifier
(``fit`` / ``predict_proba``, scikit-learn style, no work in ``__init__``).
Recipes are fitted on windows; a clip's probabilities are the mean of its
windows'. Every hook a caller may need is declared here with a default, so
callers call it on any recipe without asking whether it has it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from emovoice.audio import Degradation
from emovoice.errors import ParameterError
from emovoice.features.frontends import Frontend
from emovoice.labels import EMOTIONS

EXTRA_GROUP = 100
"""Group number of another corpus's first speaker in training (RAVDESS actors are 1-24)."""

N_CLASSES = len(EMOTIONS)

@dataclass(frozen=True)
class EnrolledWindows:
    """Clean windows of training speakers as a new speaker's are heard: each minus that speaker's
    baseline made from a few of their neutral clips, which are left out.

    Attributes
    ----------
    features : np.ndarray, shape (n_windows, ...)
    y : np.ndarray, shape (n_windows,)
    groups : np.ndarray, shape (n_windows,)
        Each window's speaker group, as the training windows' ``groups``.
    clip_index : np.ndarray, shape (n_windows,)
        The clip each window comes from (clip scores average its windows).
    """

    features: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    clip_index: np.ndarray


Progress = Callable[..., None]
"""Called by ``fit`` after each unit of work (an epoch, an inner fit), optionally with statistics as keywords."""


@dataclass
class Recipe:
    """Base class: a name, a front end and the augmentations it trains with.

    A ``relative`` recipe is trained on baseline-relative features: each training
    window minus its speaker's neutral baseline
    (:mod:`emovoice.features.baseline`); it reads a new speaker against their own
    baseline, or against the population baseline when they have none. With
    ``leave_one_out``, a training neutral clip is measured against the baseline of
    the speaker's other neutral clips. With ``baseline_draws`` > 0, every training window is
    instead copied that many times, each copy measured against the mean of 2 of the speaker's
    other neutral clips drawn at random: the few-recording baseline a new speaker enrols with.
    With ``tess_speaker``, cross-validation trains also on one TESS actress (clean and augmented,
    against her own baseline) and scores TESS on the other one only: the corpus seen, not a
    cross-corpus figure.
    """

    name: str = "base"
    description: str = ""
    augment: tuple[Degradation, ...] = ()
    seed: int = 0
    relative: bool = False
    leave_one_out: bool = False
    baseline_draws: int = 0
    tess_speaker: bool = False
    trained_on_tess: tuple[str, ...] = ()
    """The TESS actresses cross-validation trained this fold's model on (set by it)."""

    exports_onnx: ClassVar[bool] = False
    """Whether :meth:`export_onnx` writes a model that serving can run."""

    def frontend(self) -> Frontend:
        raise NotImplementedError

    def serving_frontend(self) -> Frontend:
        """The front end written into an exported model (by default the training one)."""
        return self.frontend()

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> Recipe:
        """Fit on windows ``X`` with labels ``y`` and speaker ``groups``; ``clean``, if given, marks the
        windows of clean (not augmented) audio; ``progress``, if given, is called after each unit of
        work (see :attr:`progress_total`)."""
        raise NotImplementedError

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        """Window probabilities, shape (n, 8); ``calibrated=False``: before temperature scaling
        (the same probabilities for a recipe that does not calibrate)."""
        raise NotImplementedError

    @property
    def progress_total(self) -> int | None:
        """How many times ``fit`` calls ``progress`` (None: not known beforehand)."""
        return None

    def use_checkpoints(self, directory: Path, *, max_epochs: int | None = None) -> None:
        """Keep a checkpoint under ``directory`` while fitting and resume from one found there,
        fitting at most ``max_epochs`` more epochs in one call. A recipe that fits in one go
        ignores it."""

    @property
    def trained_on(self) -> str | None:
        """The device a network trained on ("cpu", "cuda"); None for a model that is no network."""
        return None

    @property
    def finished(self) -> bool:
        """Whether the last ``fit`` trained the model to the end (not stopped early by ``max_epochs``)."""
        return True

    @property
    def temperature(self) -> float | None:
        """The fitted softmax temperature, or None for a recipe that does not calibrate."""
        return None

    @property
    def chosen_c(self) -> float | None:
        """The regularisation chosen by inner cross-validation, or None for a recipe without one."""
        return None

    def serving_population(self, population: np.ndarray) -> np.ndarray:
        """The population baseline (the training front end's features) as the serving front end's."""
        return population

    def measure_inner_enrolled(self, windows: EnrolledWindows) -> None:
        """After ``fit``, score inner cross-validation's held-out speakers as new speakers are heard
        (``windows``), where the recipe can; by default it cannot, and does nothing."""

    def export_onnx(self, path: Any, *, population: np.ndarray | None = None) -> None:
        """Write the fitted model as an ONNX graph that serving runs (only where :attr:`exports_onnx`)."""
        raise ParameterError(f"model {self.name!r} has no ONNX export; use one of the whisper_* models")
