"""The Whisper encoder as an onnxruntime graph, built from the same weights.

onnxruntime's fused kernels run the encoder faster than numpy on a CPU. The
graph is built in memory from the CTranslate2 weights (nothing is downloaded
and no weights are duplicated in the package) and cached on disk, keyed by the
weights file, so later loads only read it back.

An int8 encoder (:attr:`EncoderPrecision.INT8`, and :attr:`EncoderPrecision.INT8_CONV`
with the two convolutions too) quantises the weights of every matrix product to 7-bit
integers per output channel and each product's input to 8 bits as it runs (onnxruntime's
dynamic quantisation); ``bench/results/speed.md`` times it against float32. Seven-bit
weights keep the integer products from saturating on CPUs without VNNI, where full 8-bit
weights can overflow (every machine here has VNNI, so that case is not measured). The
input's 8-bit scale is set by the whole batch, so an int8 encoder runs one window at a
time: a window's features never depend on the windows beside it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.errors import ParameterError
from emovoice.features.whisper import MAX_TOKENS
from emovoice.settings import get_settings

OPSET = 20
IR_VERSION = 10


class EncoderPrecision(StrEnum):
    """The arithmetic of the encoder's matrix products."""

    FLOAT32 = "float32"
    INT8 = "int8"
    """The blocks' matrix products in int8; the two convolutions in float32."""
    INT8_CONV = "int8_conv"
    """The convolutions too, each run as one int8 matrix product over its three taps."""


def encoder_precision(value: EncoderPrecision | str) -> EncoderPrecision:
    """``value`` as an :class:`EncoderPrecision`; a :class:`ParameterError` naming the choices if it is none."""
    try:
        return EncoderPrecision(value)
    except ValueError:
        raise ParameterError(f"unknown encoder precision {value!r}; one of {', '.join(EncoderPrecision)}") from None


def _cache_dir() -> Path:
    return get_settings().model_cache_dir


def build_graph(weights: dict[str, np.ndarray], *, n_blocks: int, conv_as_matmul: bool = False) -> bytes:
    """Serialise an ONNX graph: mel (batch, 80, frames) in, hidden states
    (n_blocks + 1, batch, tokens, width) out, as :meth:`WhisperEncoder.hidden_states`.

    With ``conv_as_matmul`` each convolution (kernel 3) is written as one matrix product over its
    three time-shifted inputs side by side: the same arithmetic, in a form that int8 quantisation
    reaches.
    """
    from onnx import TensorProto, helper, numpy_helper

    inits: list[Any] = []
    nodes: list[Any] = []
    counter = [0]

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.array(value, order="C"), name))  # keeps 0-d arrays 0-d
        return name

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    w = weights
    width = w["conv1/bias"].shape[0]
    heads = int(w["num_heads"])
    head_dim = width // heads
    if conv_as_matmul:
        x = _conv_as_matmul(node, const, node("Transpose", ["mel"], perm=[0, 2, 1]), w, "conv1", stride=1)
        x = _conv_as_matmul(node, const, x, w, "conv2", stride=2)  # (batch, tokens, width)
    else:
        x = node("Conv", ["mel", const("conv1_w", w["conv1/weight"]), const("conv1_b", w["conv1/bias"])],
                 pads=[1, 1], strides=[1])
        x = node("Gelu", [x])
        x = node("Conv", [x, const("conv2_w", w["conv2/weight"]), const("conv2_b", w["conv2/bias"])],
                 pads=[1, 1], strides=[2])
        x = node("Gelu", [x])
        x = node("Transpose", [x], perm=[0, 2, 1])  # (batch, tokens, width)
    positions = const("positions", w["position_encodings/encodings"][:MAX_TOKENS])
    shape = node("Shape", [x])
    n_tokens = node("Slice", [shape, const("one", np.array([1], np.int64)), const("two", np.array([2], np.int64))])
    pos = node("Slice", [positions, const("zero", np.array([0], np.int64)), n_tokens,
                         const("axis0", np.array([0], np.int64))])
    x = node("Add", [x, pos])
    states = [node("Unsqueeze", [x, const("axes0", np.array([0], np.int64))])]
    split_shape = const("split_shape", np.array([0, 0, 3, heads, head_dim], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, width], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    n_layers = sum(1 for k in w if k.endswith("self_attention/linear_1/weight"))
    for i in range(n_blocks):
        p = f"layer_{i}/"
        h = node("LayerNormalization", [x, const(f"l{i}_ln1_g", w[p + "self_attention/layer_norm/gamma"]),
                                        const(f"l{i}_ln1_b", w[p + "self_attention/layer_norm/beta"])],
                 axis=-1, epsilon=1e-5)
        qkv = node("MatMul", [h, const(f"l{i}_qkv_w", w[p + "self_attention/linear_0/weight"].T)])
        qkv = node("Add", [qkv, const(f"l{i}_qkv_b", w[p + "self_attention/linear_0/bias"])])
        qkv = node("Reshape", [qkv, split_shape])
        qkv = node("Transpose", [qkv], perm=[2, 0, 3, 1, 4])  # (3, batch, heads, tokens, head_dim)
        q = node("Gather", [qkv, const(f"l{i}_i0", np.array(0, np.int64))], axis=0)
        k = node("Gather", [qkv, const(f"l{i}_i1", np.array(1, np.int64))], axis=0)
        v = node("Gather", [qkv, const(f"l{i}_i2", np.array(2, np.int64))], axis=0)
        scores = node("MatMul", [node("Mul", [q, scale]), node("Transpose", [k], perm=[0, 1, 3, 2])])
        attn = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        attn = node("Reshape", [node("Transpose", [attn], perm=[0, 2, 1, 3]), merge_shape])
        attn = node("MatMul", [attn, const(f"l{i}_out_w", w[p + "self_attention/linear_1/weight"].T)])
        x = node("Add", [x, node("Add", [attn, const(f"l{i}_out_b", w[p + "self_attention/linear_1/bias"])])])
        h = node("LayerNormalization", [x, const(f"l{i}_ln2_g", w[p + "ffn/layer_norm/gamma"]),
                                        const(f"l{i}_ln2_b", w[p + "ffn/layer_norm/beta"])], axis=-1, epsilon=1e-5)
        h = node("MatMul", [h, const(f"l{i}_ff1_w", w[p + "ffn/linear_0/weight"].T)])
        h = node("Gelu", [node("Add", [h, const(f"l{i}_ff1_b", w[p + "ffn/linear_0/bias"])])])
        h = node("MatMul", [h, const(f"l{i}_ff2_w", w[p + "ffn/linear_1/weight"].T)])
        x = node("Add", [x, node("Add", [h, const(f"l{i}_ff2_b", w[p + "ffn/linear_1/bias"])])])
        out = x
        if i == n_layers - 1:
            out = node("LayerNormalization", [x, const("final_g", w["layer_norm/gamma"]),
                                              const("final_b", w["layer_norm/beta"])], axis=-1, epsilon=1e-5)
        states.append(node("Unsqueeze", [out, const(f"axes_{i}", np.array([0], np.int64))]))
    nodes.append(helper.make_node("Concat", states, ["hidden_states"], axis=0))
    graph = helper.make_graph(
        nodes, "whisper_encoder",
        [helper.make_tensor_value_info("mel", TensorProto.FLOAT, ["batch", 80, "frames"])],
        [helper.make_tensor_value_info("hidden_states", TensorProto.FLOAT,
                                       [n_blocks + 1, "batch", "tokens", width])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="emovoice")
    return bytes(model.SerializeToString())


def _conv_as_matmul(node: Any, const: Any, x: str, w: dict[str, np.ndarray], name: str, *, stride: int) -> str:
    """GELU of a kernel-3 convolution with padding 1 over ``x`` (batch, frames, channels), as one MatMul:
    the taps at t-1, t and t+1 (every ``stride``-th t) side by side times the kernel laid out as
    (3 * in_channels, out_channels)."""
    weight = w[f"{name}/weight"]  # (out, in, 3)
    kernel = weight.transpose(2, 1, 0).reshape(-1, weight.shape[0])  # row k * in + c is weight[:, c, k]
    padded = node("Pad", [x, const(f"{name}_pads", np.array([0, 1, 0, 0, 1, 0], np.int64))])
    axis, step = const(f"{name}_axis", np.array([1], np.int64)), const(f"{name}_step", np.array([stride], np.int64))
    taps = []
    for k in range(3):  # tap k of output t is padded frame stride * t + k; the slices end so that all are as long
        end = np.iinfo(np.int64).max if k == 2 else k - 2
        taps.append(node("Slice", [padded, const(f"{name}_s{k}", np.array([k], np.int64)),
                                   const(f"{name}_e{k}", np.array([end], np.int64)), axis, step]))
    y = node("MatMul", [node("Concat", taps, axis=2), const(f"{name}_w", np.ascontiguousarray(kernel))])
    return str(node("Gelu", [node("Add", [y, const(f"{name}_b", w[f"{name}/bias"])])]))


def quantise_int8(graph: bytes) -> bytes:
    """The float32 encoder ``graph`` with its matrix products quantised to int8 (see the module's notes)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    def not_the_quantiser_chatter(record: logging.LogRecord) -> bool:
        # "Please consider to run pre-processing...", "Quantization parameters for tensor ... not
        # specified", "Ignore MatMul due to non constant B": 20 lines in the server's terminal on its
        # first start, none of them the user's business; its other warnings still pass
        if f"onnxruntime{os.sep}quantization" not in record.pathname:
            return True
        hint = record.getMessage().startswith("Please consider to run pre-processing")  # a warning, every time
        return record.levelno >= logging.WARNING and not hint

    root = logging.getLogger()  # quantize_dynamic logs on the root logger
    root.addFilter(not_the_quantiser_chatter)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "float32.onnx", Path(folder) / "int8.onnx"
            source.write_bytes(graph)
            quantize_dynamic(source, target, op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=True,
                             weight_type=QuantType.QInt8)
            return target.read_bytes()
    finally:
        root.removeFilter(not_the_quantiser_chatter)


class OnnxWhisperEncoder:
    """onnxruntime session over the Whisper encoder, with the numpy encoder's interface.

    Windows go through the session ``batch_size`` at a time: on a 2-core CPU,
    batches of 8 three-second windows run about a quarter faster than one batch
    of 58 (a 60 s recording), whose activations no longer fit the caches.
    """

    batch_size = 8

    def __init__(self, session: Any, n_blocks: int, *,
                 precision: EncoderPrecision = EncoderPrecision.FLOAT32) -> None:
        self.session = session
        self.n_blocks = n_blocks
        self.precision = EncoderPrecision(precision)
        if self.precision is not EncoderPrecision.FLOAT32:
            self.batch_size = 1  # the input's scale is the batch's: one window at a time

    @classmethod
    def from_ctranslate2(cls, path: str | Path | None = None, *, n_blocks: int = 4, threads: int | None = None,
                         precision: EncoderPrecision | str = EncoderPrecision.FLOAT32) -> OnnxWhisperEncoder:
        import onnxruntime as ort

        from emovoice.features.whisper import default_model_dir, read_ctranslate2_variables

        precision = encoder_precision(precision)
        path = default_model_dir() if path is None else Path(path)
        weights_file = path / "model.bin" if path.is_dir() else path
        stat = weights_file.stat()
        key = hashlib.sha256(f"{weights_file.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{n_blocks}:"
                             f"{OPSET}".encode()).hexdigest()[:16]
        suffix = "" if precision is EncoderPrecision.FLOAT32 else f"-{precision}"
        cached = _cache_dir() / f"whisper-encoder-{key}{suffix}.onnx"
        if not cached.is_file():
            raw = read_ctranslate2_variables(weights_file)
            weights = {k: np.asarray(v, dtype=np.float32) for k, v in raw.items()}
            data = build_graph(weights, n_blocks=n_blocks, conv_as_matmul=precision is EncoderPrecision.INT8_CONV)
            if precision is not EncoderPrecision.FLOAT32:
                data = quantise_int8(data)
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # two builders never share one
            tmp.write_bytes(data)
            tmp.replace(cached)
        options = ort.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # leave the cores to numpy
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(cached), options, providers=["CPUExecutionProvider"])
        return cls(session, n_blocks, precision=precision)

    def hidden_states(self, mel: np.ndarray, *, n_blocks: int | None = None) -> np.ndarray:
        if n_blocks is not None and n_blocks != self.n_blocks:
            raise ParameterError(f"this encoder graph computes {self.n_blocks} blocks, not {n_blocks}")
        if mel.ndim == 2:
            mel = mel[None]
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        parts = [self.session.run(None, {"mel": mel[i:i + self.batch_size]})[0]
                 for i in range(0, max(len(mel), 1), self.batch_size)]  # an empty batch still gives the shape
        return np.concatenate(parts, axis=1)
