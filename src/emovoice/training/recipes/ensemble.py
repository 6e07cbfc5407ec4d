"""An ensemble: the mean of the clip probabilities of other models, fold by fold.

It has no front end and no classifier of its own: cross-validation scores it from its members'
folds (each run first when missing), with the members' weights fixed in advance, so nothing is
tuned on a test fold. The members must share the enrolment and TESS clips, which they do: both
are fixed, seeded choices of the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emovoice.errors import ParameterError
from emovoice.features.frontends import Frontend
from emovoice.training.recipes.base import Progress, Recipe


@dataclass
class Ensemble(Recipe):
    """The equally weighted mean of ``members``' probabilities (scored, not trained)."""

    members: tuple[str, ...] = ()

    def _unsupported(self, what: str) -> ParameterError:
        return ParameterError(f"{self.name} is an ensemble of {', '.join(self.members)}: it is scored from their "
                              f"cross-validation folds and has no {what} of its own")

    def frontend(self) -> Frontend:
        raise self._unsupported("front end")

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> Recipe:
        raise self._unsupported("training")

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        raise self._unsupported("classifier")


def mean_probabilities(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per condition held by every part, the mean of the parts' probabilities.

    Parameters
    ----------
    parts : list of dict of str to np.ndarray, each array of shape (n_clips, 8)
    """
    shared = set(parts[0]).intersection(*parts[1:])
    return {condition: np.mean([part[condition] for part in parts], axis=0) for condition in sorted(shared)}


def same(arrays: list[Any], what: str) -> Any:
    """The one value all members agree on, else a clear error."""
    first = arrays[0]
    for other in arrays[1:]:
        if (first is None) != (other is None) or (first is not None and not np.array_equal(first, other)):
            raise ParameterError(f"the ensemble's members differ in {what}")
    return first
