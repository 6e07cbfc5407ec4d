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

from emovoice.errors import ModelNotFoundError
from emovoice.features.frontends import Frontend, make_frontend
from emovoice.labels import EMOTIONS

DEFAULT_MODEL_NAME = "emotion"


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
    def load(cls, path: str | Path | None = None, *, threads: int | None = None) -> EmotionModel:
        """Load an ONNX model and its metadata (default: the shipped model).

        Parameters
        ----------
        path : path-like or None
            The ``.onnx`` file; its ``.json`` side-car must lie beside it.
        threads : int or None
            onnxruntime intra-op threads (default: its own choice).
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
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # leave the cores to numpy
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        frontend = make_frontend(metadata["frontend"]["name"], metadata["frontend"]["params"])
        return cls(session=session, frontend=frontend, metadata=metadata)

    @property
    def name(self) -> str:
        return str(self.metadata.get("model", DEFAULT_MODEL_NAME))

    def classify(self, features: np.ndarray) -> np.ndarray:
        """Probabilities of window features.

        Parameters
        ----------
        features : np.ndarray, shape (n_windows, ...)
            The front end's output.

        Returns
        -------
        np.ndarray, shape (n_windows, 8), dtype float32
        """
        input_name = self.session.get_inputs()[0].name
        (probs,) = self.session.run(None, {input_name: np.ascontiguousarray(features, dtype=np.float32)})
        return np.asarray(probs, dtype=np.float32)

    def window_probabilities(self, wave: np.ndarray) -> np.ndarray:
        """Probabilities of each 3.07 s window (1 s apart) of 16 kHz mono audio.

        Returns
        -------
        np.ndarray, shape (n_windows, 8), dtype float32
        """
        return self.classify(self.frontend.windows(wave))
