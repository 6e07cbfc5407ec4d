"""The shipped emotion model: a front end plus an ONNX classifier run by onnxruntime.

Serving never imports torch. A model is two files side by side:
``<name>.onnx`` (window features in, probabilities out) and ``<name>.json``
(labels, front end and its parameters, metrics, provenance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.errors import ModelNotFoundError, ParameterError
from emovoice.features.baseline import Baseline, FrontendSpec, window_mean
from emovoice.features.frontends import Frontend, make_frontend
from emovoice.labels import EMOTIONS

DEFAULT_MODEL_NAME = "emotion"
BASELINE_INPUT = "baseline"
"""The ONNX input of a baseline-relative model (its default is the population baseline)."""
SERVING_THREADS = 1
"""onnxruntime threads per session when serving. The int8 encoder runs a 60 s answer as fast on one
thread as on two (``bench/bench_threads.py``), and an analysis runs its emotion model beside the
transcriber, so a second thread would only take a core from it; several analyses at once spread
over the cores."""


def default_model_path() -> Path:
    """The ONNX file of the model that ships inside the package."""
    return Path(str(resources.files("emovoice.models") / "weights" / f"{DEFAULT_MODEL_NAME}.onnx"))


@dataclass
class EmotionModel:
    """A loaded emotion model. Build it with :meth:`load`.

    Attributes
    ----------
    session : onnxruntime.InferenceSession
    frontend : Frontend
    metadata : dict
        The model's JSON side-car.
    """

    session: Any
    frontend: Frontend
    metadata: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path | None = None, *, threads: int | None = SERVING_THREADS) -> EmotionModel:
        """Load an ONNX model and its metadata (default: the shipped model).

        Parameters
        ----------
        path : path-like or None
            The ``.onnx`` file; its ``.json`` side-car must lie beside it.
        threads : int or None
            onnxruntime intra-op threads of the classifier and of its front end's encoder
            (default :data:`SERVING_THREADS`; None: one per core).
        """
        import onnxruntime as ort

        onnx_path = default_model_path() if path is None else Path(path)
        meta_path = onnx_path.with_suffix(".json")
        if not onnx_path.is_file() or not meta_path.is_file():
            raise ModelNotFoundError(f"no emotion model at {onnx_path} (with {meta_path.name} beside it)")
        metadata = json.loads(meta_path.read_text())
        if tuple(metadata.get("labels", ())) != EMOTIONS:
            raise ModelNotFoundError(f"{meta_path}: labels differ from {EMOTIONS}")
        options = ort.SessionOptions()
        options.log_severity_level = 3  # a baseline-relative graph's overridable initializer is not news
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # leave the cores to numpy
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        frontend = make_frontend(metadata["frontend"]["name"], metadata["frontend"]["params"])
        if hasattr(frontend, "threads"):
            frontend.threads = threads
        return cls(session=session, frontend=frontend, metadata=metadata)

    @property
    def name(self) -> str:
        return str(self.metadata.get("model", DEFAULT_MODEL_NAME))

    @property
    def relative(self) -> bool:
        """Whether the model reads features relative to a speaker's baseline."""
        return self.baseline_shape is not None

    @property
    def frontend_spec(self) -> FrontendSpec:
        return FrontendSpec.of(self.frontend)

    @property
    def baseline_shape(self) -> tuple[int, ...] | None:
        """The shape of a baseline this model reads (None for a model that reads none)."""
        for i in [*self.session.get_inputs(), *self.session.get_overridable_initializers()]:
            if i.name == BASELINE_INPUT:
                return tuple(int(n) for n in i.shape)
        return None

    def check_baseline(self, baseline: Baseline | None) -> None:
        """Refuse a baseline this model cannot use.

        Raises
        ------
        BaselineMismatchError
            Made by another front end, or of another shape.
        ParameterError
            Not a Baseline, or given to a model that reads no baseline.
        """
        if baseline is None:
            return
        if not isinstance(baseline, Baseline):
            raise ParameterError(f"baseline must be an emovoice.Baseline, got {type(baseline).__name__}")
        if not self.relative:
            raise ParameterError(f"the emotion model {self.name!r} does not read a speaker's baseline")
        baseline.check_frontend(self.frontend_spec, self.baseline_shape)

    def reference(self, baseline: Baseline | None) -> str:
        """What a recording is heard against: ``"speaker"`` (their own baseline),
        ``"population"`` (the training speakers' average) or ``"none"`` (a plain model)."""
        if not self.relative:
            return "none"
        return "population" if baseline is None else "speaker"

    def classify(self, features: np.ndarray, *, baseline: Baseline | None = None) -> np.ndarray:
        """Probabilities of window features.

        Parameters
        ----------
        features : np.ndarray, shape (n_windows, ...)
            The front end's output.
        baseline : Baseline or None
            The speaker's baseline (a baseline-relative model uses its population
            baseline without one).

        Returns
        -------
        np.ndarray, shape (n_windows, 8), dtype float32
        """
        self.check_baseline(baseline)
        feeds = {"features": np.ascontiguousarray(features, dtype=np.float32)}
        if baseline is not None:
            feeds[BASELINE_INPUT] = np.ascontiguousarray(baseline.features, dtype=np.float32)
        (probs,) = self.session.run(None, feeds)
        return np.asarray(probs, dtype=np.float32)

    def window_probabilities(self, wave: np.ndarray, *, baseline: Baseline | None = None) -> np.ndarray:
        """Probabilities of each 3.07 s window (1 s apart) of 16 kHz mono audio.

        Returns
        -------
        np.ndarray, shape (n_windows, 8), dtype float32
        """
        return self.classify(self.frontend.windows(wave), baseline=baseline)

    def baseline(self, waves: list[np.ndarray], *, speech_s: float) -> Baseline:
        """A speaker's baseline from validated 16 kHz recordings of their everyday speech.

        Parameters
        ----------
        waves : list of np.ndarray, shape (n_samples,)
        speech_s : float
            Seconds of voiced speech in them (recorded in the baseline).
        """
        if not self.relative:
            raise ParameterError(f"the emotion model {self.name!r} does not read a speaker's baseline")
        windows = [self.frontend.windows(w) for w in waves]
        return Baseline(features=window_mean(windows), frontend=self.frontend_spec, speech_s=speech_s,
                        windows=int(sum(len(w) for w in windows)), sources=len(waves))
