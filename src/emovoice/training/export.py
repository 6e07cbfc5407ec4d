"""Export trained classifiers to ONNX files that serving runs with onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np

OPSET = 17
IR_VERSION = 8
"""ONNX IR version written; onnxruntime 1.17 and newer read it."""


BASELINE_INPUT = "baseline"
"""Name of a baseline-relative graph's second input (its default: the population baseline)."""


def export_linear_head(path: str | Path, *, layers: tuple[int, ...] | None, mean: np.ndarray,
                       scale: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                       temperature: float, population: np.ndarray | None = None) -> None:
    """Write a linear classifier over pooled layer features as an ONNX graph.

    The graph takes ``features`` of shape (batch, n_layers, width), keeps
    ``layers``, flattens them, and returns ``probabilities`` (batch, n_classes);
    with ``layers`` None it takes flat ``features`` (batch, n_features) and reads them all.
    Standardisation and the temperature are folded into the weights.

    With ``population`` (shape (n_layers, width), or (n_features,) when flat) the graph is
    baseline-relative: it subtracts its second input ``baseline`` (of that shape) from the
    features first; when no baseline is fed, the stored population baseline is used (an
    initializer that the input overrides).

    Parameters
    ----------
    path : path-like
        Output ``.onnx`` file.
    layers : tuple of int or None
        Which layers (axis 1 of the input) the classifier reads; None for flat features.
    mean, scale : np.ndarray, shape (n_features,)
        Standardisation of the flattened features.
    coef : np.ndarray, shape (n_classes, n_features)
    intercept : np.ndarray, shape (n_classes,)
    temperature : float
        Logits are divided by it before the softmax.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = (coef / scale[None, :]) / temperature
    bias = (intercept - coef @ (mean / scale)) / temperature
    n_classes, n_features = weight.shape
    inits = [
        numpy_helper.from_array(weight.T.astype(np.float32), "weight"),
        numpy_helper.from_array(bias.astype(np.float32), "bias"),
    ]
    if layers is None:
        inputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", n_features])]
    else:
        inits += [numpy_helper.from_array(np.asarray(layers, dtype=np.int64), "layers"),
                  numpy_helper.from_array(np.asarray([-1, n_features], dtype=np.int64), "flat_shape")]
        inputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT,
                                                ["batch", None, n_features // len(layers)])]
    nodes = []
    source = "features"
    if population is not None:
        population = np.asarray(population, dtype=np.float32)
        inits.append(numpy_helper.from_array(population, BASELINE_INPUT))
        inputs.append(helper.make_tensor_value_info(BASELINE_INPUT, TensorProto.FLOAT, list(population.shape)))
        nodes.append(helper.make_node("Sub", ["features", BASELINE_INPUT], ["relative"]))
        source = "relative"
    if layers is not None:
        nodes += [helper.make_node("Gather", [source, "layers"], ["picked"], axis=1),
                  helper.make_node("Reshape", ["picked", "flat_shape"], ["flat"])]
        source = "flat"
    nodes += [
        helper.make_node("Gemm", [source, "weight", "bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "emotion_head", inputs,
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="emovoice", ir_version=IR_VERSION)
    onnx.checker.check_model(model)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
