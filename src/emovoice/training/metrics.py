"""Classification metrics used for every model, the same way."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support, recall_score

from emovoice.labels import EMOTIONS


def weighted_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Plain accuracy (WA): fraction of clips labelled right."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def unweighted_recall(y_true: np.ndarray, y_pred: np.ndarray, labels: list[int]) -> float:
    """Unweighted average recall (UA): the mean of per-class recalls."""
    return float(recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: list[int]) -> float:
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


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


def expected_calibration_error(probabilities: np.ndarray, y_true: np.ndarray, *, n_bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n_clips, n_classes)
    y_true : np.ndarray, shape (n_clips,)
    n_bins : int
        Equal-width confidence bins.

    Returns
    -------
    float
        Sum over bins of |accuracy - confidence| weighted by the bin's share.
    """
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    edges = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def seven_class_view(probabilities: np.ndarray, y_true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave calm clips out and renormalise over the seven other classes.

    Returns
    -------
    probabilities : np.ndarray, shape (n_kept, 7)
    y_true : np.ndarray, shape (n_kept,)
        Labels re-indexed into ``EMOTIONS7``.
    """
    calm = EMOTIONS.index("calm")
    keep = y_true != calm
    columns = [i for i in range(len(EMOTIONS)) if i != calm]
    probs = probabilities[keep][:, columns]
    probs = probs / np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
    remap = {old: new for new, old in enumerate(columns)}
    return probs, np.array([remap[int(y)] for y in y_true[keep]])


def summarise(probabilities: np.ndarray, y_true: np.ndarray) -> dict[str, Any]:
    """WA, UA, macro-F1, ECE, per-class figures and the confusion matrix.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n_clips, n_classes)
    y_true : np.ndarray, shape (n_clips,)
    """
    n_classes = probabilities.shape[1]
    labels = list(range(n_classes))
    y_pred = probabilities.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    return {
        "wa": weighted_accuracy(y_true, y_pred),
        "ua": unweighted_recall(y_true, y_pred, labels),
        "f1": macro_f1(y_true, y_pred, labels),
        "ece": expected_calibration_error(probabilities, y_true),
        "per_class": {
            "precision": precision.tolist(), "recall": recall.tolist(),
            "f1": f1.tolist(), "support": support.tolist(),
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


FOUR_CLASSES: tuple[str, ...] = ("neutral", "happy", "sad", "angry")
"""EmoBox's cross-corpus label set."""


def fold_calm(probabilities: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Probabilities over ``labels`` (a subset of EMOTIONS), calm folded into neutral, renormalised.

    Parameters
    ----------
    probabilities : np.ndarray, shape (n_clips, 8)
    labels : tuple of str
        Must hold "neutral" and not "calm".

    Returns
    -------
    np.ndarray, shape (n_clips, len(labels))
    """
    folded = probabilities.copy()
    folded[:, EMOTIONS.index("neutral")] += folded[:, EMOTIONS.index("calm")]
    out = folded[:, [EMOTIONS.index(label) for label in labels]]
    return np.asarray(out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12))


def cross_corpus_view(probabilities: np.ndarray, y_true: np.ndarray,
                      labels: tuple[str, ...] = FOUR_CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """The clips whose emotion is in ``labels``, with probabilities over those labels (calm folded
    into neutral; the argmax is taken over these classes only) and labels re-indexed into them."""
    keep = np.isin(y_true, [EMOTIONS.index(label) for label in labels])
    remap = {EMOTIONS.index(label): i for i, label in enumerate(labels)}
    return fold_calm(probabilities[keep], labels), np.array([remap[int(y)] for y in y_true[keep]], dtype=int)


def heard_as_neutral_or_calm(probabilities: np.ndarray) -> np.ndarray:
    """Whether each clip's most probable of the eight emotions is neutral or calm.

    Returns
    -------
    np.ndarray of bool, shape (n_clips,)
    """
    top = probabilities.argmax(axis=1)
    return np.isin(top, [EMOTIONS.index("neutral"), EMOTIONS.index("calm")])
