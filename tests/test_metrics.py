from __future__ import annotations

import numpy as np
import pytest

from emovoice.training.metrics import expected_calibration_error, seven_class_view, summarise


def test_summary_of_a_known_confusion():
    y = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 2, 2, 0])
    probs = np.eye(3)[pred]
    s = summarise(probs, y)
    assert s["wa"] == pytest.approx(6 / 8)
    assert s["ua"] == pytest.approx((0.5 + 1.0 + 0.75) / 3)
    assert s["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 3]]


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    y = np.array([0, 0, 0, 1])
    probs = np.tile([0.75, 0.25], (4, 1))
    assert expected_calibration_error(probs, y) == pytest.approx(0.0)
    overconfident = np.tile([0.99, 0.01], (4, 1))
    assert expected_calibration_error(overconfident, y) == pytest.approx(0.24)


def test_seven_class_view_drops_calm_and_renormalises():
    probs = np.full((3, 8), 1 / 8)
    y = np.array([0, 1, 7])
    p7, y7 = seven_class_view(probs, y)
    assert p7.shape == (2, 7) and np.allclose(p7.sum(axis=1), 1)
    assert y7.tolist() == [0, 6]
