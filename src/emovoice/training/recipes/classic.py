"""The classic recipes (class priors, SVMs over frame statistics or eGeMAPS) and logistic
regression on pooled Whisper hidden states.

Hyper-parameters are fixed here or chosen by group-wise inner cross-validation on
the training speakers only, never on a test fold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emovoice.errors import ParameterError
from emovoice.features.frontends import (
    Egemaps,
    FrameStatistics,
    Frontend,
    MeanMfccMel,
    ProsodyStats,
    Stacked,
    WhisperPooled,
)
from emovoice.features.prosody import WINDOW_PROSODY
from emovoice.features.whisper import ENCODER_BLOCKS, WhisperModel
from emovoice.features.whisper_onnx import EncoderPrecision
from emovoice.training.metrics import clip_probabilities, expected_calibration_error
from emovoice.training.recipes.base import EXTRA_GROUP, N_CLASSES, EnrolledWindows, Progress, Recipe


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature that minimises the negative log-likelihood of held-out logits."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        probs = _softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


@dataclass
class Chance(Recipe):
    """Predicts the training class priors for every window."""

    name: str = "chance"
    description: str = "class priors of the training folds"
    priors_: np.ndarray | None = field(default=None, repr=False)

    def frontend(self) -> Frontend:
        return MeanMfccMel()

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> Chance:
        counts = np.bincount(y, minlength=N_CLASSES).astype(np.float64)
        self.priors_ = counts / counts.sum()
        return self

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        assert self.priors_ is not None, "fit first"
        return np.tile(self.priors_, (len(X), 1))


@dataclass
class SklearnRecipe(Recipe):
    """A scikit-learn pipeline over flat window features."""

    kind: str = "svm"
    frontend_name: str = "frame_stats"
    pipeline_: Any = field(default=None, repr=False)

    def frontend(self) -> Frontend:
        classes: dict[str, type[Any]] = {"frame_stats": FrameStatistics, "egemaps": Egemaps,
                                         "mean_mfcc_mel": MeanMfccMel}
        frontend: Frontend = classes[self.frontend_name]()
        return frontend

    def _pipeline(self) -> Any:
        from sklearn.decomposition import PCA
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        if self.kind == "pca_svm":
            return make_pipeline(StandardScaler(), PCA(n_components=0.95, random_state=self.seed),
                                 SVC(C=10.0, probability=True, random_state=self.seed))
        return make_pipeline(StandardScaler(), SVC(C=1.0, probability=True, random_state=self.seed))

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> SklearnRecipe:
        self.pipeline_ = self._pipeline().fit(X.reshape(len(X), -1), y)
        return self

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        probs = np.zeros((len(X), N_CLASSES))
        probs[:, self.pipeline_.classes_] = self.pipeline_.predict_proba(X.reshape(len(X), -1))
        return probs


@dataclass
class WhisperLogReg(Recipe):
    """Logistic regression on pooled Whisper tiny.en hidden states (all 5 layers).

    The inverse regularisation ``C`` is chosen by group 5-fold cross-validation
    over the training speakers, and a softmax temperature is fitted on those
    inner out-of-fold predictions, so calibration never sees a test fold. With
    ``hold_out_extra`` off, another corpus's speakers (groups from ``EXTRA_GROUP``) train in
    every inner fold and are never held out: C and the temperature are chosen on RAVDESS
    speakers alone. With ``extra_as_one_speaker``, each such speaker's windows are weighted in the
    loss so that the speaker counts as much as an average RAVDESS training speaker (their weights
    sum to its mean window count), instead of one weight a window.
    """

    name: str = "whisper_lr"
    description: str = "Whisper tiny.en encoder, 5 layers mean+std pooled, logistic regression"
    layers: tuple[int, ...] = (0, 1, 2, 3, 4)
    c_grid: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03)
    calibrate: bool = True
    calibrate_enrolled: bool = False
    class_weight: str | None = None
    hold_out_extra: bool = True
    extra_as_one_speaker: bool = False
    encoder: WhisperModel = WhisperModel.TINY_EN
    precision: EncoderPrecision = EncoderPrecision.FLOAT32
    mean_: np.ndarray | None = field(default=None, repr=False)
    scale_: np.ndarray | None = field(default=None, repr=False)
    coef_: np.ndarray | None = field(default=None, repr=False)
    intercept_: np.ndarray | None = field(default=None, repr=False)
    c_: float = 0.0
    inner_accuracy_: float = 0.0
    inner_clean_accuracy_: float | None = None
    inner_enrolled_accuracy_: float | None = None
    inner_enrolled_ece_: float | None = None
    inner_enrolled_ece_windows_t_: float | None = None
    windows_temperature_: float | None = None
    temperature_: float = 1.0
    _inner_models: list[tuple[np.ndarray, Any]] = field(default_factory=list, repr=False)

    exports_onnx = True

    def frontend(self) -> Frontend:
        # training reads all the encoder's hidden states, so the recipes of one encoder share one feature cache
        return WhisperPooled(max_layer=ENCODER_BLOCKS[self.encoder], whisper=self.encoder, precision=self.precision)

    def serving_frontend(self) -> Frontend:
        # serving computes only the blocks the classifier reads
        return WhisperPooled(max_layer=max(self.layers), whisper=self.encoder, precision=self.precision)

    def _flat(self, X: np.ndarray) -> np.ndarray:
        return X[:, list(self.layers)].reshape(len(X), -1)

    def _column_weights(self, n_columns: int) -> np.ndarray:
        """What each standardised column is multiplied by before the regression (all 1 here)."""
        return np.ones(n_columns)

    def _logreg(self, c: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=c, max_iter=3000, random_state=self.seed, class_weight=self.class_weight)

    def sample_weights(self, groups: np.ndarray) -> np.ndarray:
        """One weight a window, shape (n_windows,): 1, or with ``extra_as_one_speaker`` another
        corpus's speaker's windows share the mean window count of a RAVDESS speaker in ``groups``."""
        weights = np.ones(len(groups))
        extra = groups >= EXTRA_GROUP
        if not self.extra_as_one_speaker or not extra.any():
            return weights
        if extra.all():
            raise ParameterError("extra_as_one_speaker needs RAVDESS speakers to weigh the others against")
        per_speaker = np.count_nonzero(~extra) / len(np.unique(groups[~extra]))
        for group in np.unique(groups[extra]):
            rows = groups == group
            weights[rows] = per_speaker / np.count_nonzero(rows)
        return weights

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> WhisperLogReg:
        from sklearn.model_selection import GroupKFold

        flat = self._flat(X)
        self.mean_ = flat.mean(axis=0)
        self.scale_ = (flat.std(axis=0) + 1e-6) / self._column_weights(flat.shape[1])
        Z = (flat - self.mean_) / self.scale_
        weights = self.sample_weights(groups)
        splittable = np.flatnonzero((groups < EXTRA_GROUP) | self.hold_out_extra)
        always = np.flatnonzero((groups >= EXTRA_GROUP) & (not self.hold_out_extra))
        n_inner = min(5, len(np.unique(groups[splittable])))
        inner = [(np.concatenate([splittable[train], always]), splittable[held])
                 for train, held in GroupKFold(n_splits=n_inner).split(splittable, y[splittable],
                                                                        groups[splittable])]
        scored = np.zeros(len(Z), dtype=bool)
        scored[splittable] = True
        oof = {c: np.zeros((len(Z), N_CLASSES)) for c in self.c_grid}
        models: dict[float, list[tuple[np.ndarray, Any]]] = {}
        for c in self.c_grid:
            for train, held in inner:
                model = self._logreg(c).fit(Z[train], y[train], sample_weight=weights[train])
                models.setdefault(c, []).append((np.unique(groups[held]), model))
                logits = np.full((len(held), N_CLASSES), -1e4)
                logits[:, model.classes_] = model.decision_function(Z[held])
                oof[c][held] = logits
                if progress is not None:
                    progress()
        scores = {c: np.mean(oof[c][scored].argmax(axis=1) == y[scored]) for c in self.c_grid}
        self.c_ = max(self.c_grid, key=lambda c: (scores[c], -c))
        self.inner_accuracy_ = float(scores[self.c_])  # training speakers only: what choices among recipes read
        if clean is not None:  # comparable between recipes trained on different augmentations
            rows = scored & clean
            self.inner_clean_accuracy_ = float(np.mean(oof[self.c_][rows].argmax(axis=1) == y[rows]))
        self.temperature_ = fit_temperature(oof[self.c_][scored], y[scored]) if self.calibrate else 1.0
        self._inner_models = models[self.c_]
        final = self._logreg(self.c_).fit(Z, y, sample_weight=weights)
        coef = np.zeros((N_CLASSES, Z.shape[1]))
        intercept = np.full(N_CLASSES, -1e4)
        coef[final.classes_] = final.coef_
        intercept[final.classes_] = final.intercept_
        self.coef_, self.intercept_ = coef, intercept
        return self

    def measure_inner_enrolled(self, windows: EnrolledWindows) -> None:
        """Clip accuracy and ECE of inner cross-validation at the chosen C and temperature, each
        held-out inner speaker heard against a baseline made from a few of their neutral clips
        (``windows``), as a test speaker or a user with a voice check is: the figure to compare
        recipes trained against different baselines by (``inner_enrolled_accuracy_``, ``inner_enrolled_ece_``).

        With ``calibrate_enrolled``, the temperature is then fitted again, on these held-out
        predictions instead of the training windows' (``windows_temperature_`` keeps the first, and
        ``inner_enrolled_ece_windows_t_`` the ECE under it): the same classifier, calibrated for the
        way users are heard. Its ECE here is then in-sample for that one parameter.
        """
        if not self._inner_models:
            raise ParameterError("measure_inner_enrolled needs a fitted model")
        Z = (self._flat(windows.features) - self.mean_) / self.scale_
        logits = np.zeros((len(Z), N_CLASSES))
        scored = np.zeros(len(Z), dtype=bool)
        for held_groups, model in self._inner_models:
            rows = np.isin(windows.groups, held_groups)
            if not rows.any():  # an inner fold of another corpus's speaker only
                continue
            part = np.full((int(rows.sum()), N_CLASSES), -1e4)
            part[:, model.classes_] = model.decision_function(Z[rows])
            logits[rows] = part
            scored |= rows
        clips, owner = np.unique(windows.clip_index[scored], return_inverse=True)
        clip_y = np.zeros(len(clips), dtype=np.int64)
        clip_y[owner] = windows.y[scored]

        def clips_at(temperature: float) -> np.ndarray:
            return clip_probabilities(_softmax(logits[scored] / temperature), owner, len(clips))

        if self.calibrate_enrolled:
            self.windows_temperature_ = self.temperature_
            self.inner_enrolled_ece_windows_t_ = expected_calibration_error(clips_at(self.temperature_), clip_y)
            self.temperature_ = fit_temperature(logits[scored], windows.y[scored])
        probs = clips_at(self.temperature_)
        self.inner_enrolled_accuracy_ = float(np.mean(probs.argmax(axis=1) == clip_y))
        self.inner_enrolled_ece_ = expected_calibration_error(probs, clip_y)

    def logits(self, X: np.ndarray) -> np.ndarray:
        assert self.coef_ is not None, "fit first"
        Z = (self._flat(X) - self.mean_) / self.scale_
        return np.asarray(Z @ self.coef_.T + self.intercept_)

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        return _softmax(self.logits(X) / (self.temperature_ if calibrated else 1.0))

    @property
    def temperature(self) -> float | None:
        return self.temperature_

    @property
    def chosen_c(self) -> float | None:
        return self.c_

    def _graph_layers(self) -> tuple[int, ...] | None:
        """The layers the exported graph picks from its input (None: it reads flat features whole)."""
        return self.layers

    def serving_population(self, population: np.ndarray) -> np.ndarray:
        """The population baseline as the serving front end's features: hidden states 0 to the last read."""
        return np.asarray(population[: max(self.layers) + 1])

    def export_onnx(self, path: Any, *, population: np.ndarray | None = None) -> None:
        """Write an ONNX graph: pooled features (batch, layers, 1536) in, or the serving front end's
        flat features where :meth:`_graph_layers` is None, probabilities out; a baseline-relative
        recipe's graph also takes the ``baseline`` (default ``population``, of the serving front end's shape)."""
        from emovoice.training.export import export_linear_head

        if self.relative and population is None:
            raise ParameterError("a baseline-relative model needs its population baseline")
        assert self.mean_ is not None and self.scale_ is not None, "fit first"
        assert self.coef_ is not None and self.intercept_ is not None, "fit first"
        export_linear_head(path, layers=self._graph_layers(), mean=self.mean_, scale=self.scale_,
                           coef=self.coef_, intercept=self.intercept_, temperature=self.temperature_,
                           population=population if self.relative else None)


@dataclass
class WhisperProsodyLogReg(WhisperLogReg):
    """:class:`WhisperLogReg` with the window's pitch, level and spectral-tilt statistics
    (:class:`~emovoice.features.frontends.ProsodyStats`) beside the pooled hidden states.

    After standardisation the 12 prosodic columns are multiplied by ``prosody_weight``, which
    lessens their share of the L2 penalty: among thousands of hidden-state columns they would
    otherwise barely count. Its serving front end and graph read the hidden states up to the last
    one used and the prosody, flat.
    """

    prosody_weight: float = 1.0

    exports_onnx = True

    def frontend(self) -> Frontend:
        return Stacked(parts=(super().frontend(), ProsodyStats()))

    def serving_frontend(self) -> Frontend:
        """The hidden states up to the last one read, and the prosody, flat side by side: the
        columns the classifier reads, in its order (so the graph reads them all)."""
        if tuple(self.layers) != tuple(range(max(self.layers) + 1)):
            raise ParameterError(f"{self.name} reads hidden states {self.layers}: serving needs 0 to the last")
        return Stacked(parts=(super().serving_frontend(), ProsodyStats()))

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_prosody = len(WINDOW_PROSODY)
        width = (X.shape[1] - n_prosody) // (ENCODER_BLOCKS[self.encoder] + 1)
        return X[:, :-n_prosody].reshape(len(X), -1, width), X[:, -n_prosody:]

    def _flat(self, X: np.ndarray) -> np.ndarray:
        states, prosody = self._split(X)
        return np.concatenate([super()._flat(states), prosody], axis=1)

    def _column_weights(self, n_columns: int) -> np.ndarray:
        weights = np.ones(n_columns)
        weights[-len(WINDOW_PROSODY):] = self.prosody_weight
        return weights

    def serving_population(self, population: np.ndarray) -> np.ndarray:
        return np.asarray(self._flat(population[None])[0])

    def _graph_layers(self) -> tuple[int, ...] | None:
        return None  # the serving front end gives exactly the columns the classifier reads, flat
