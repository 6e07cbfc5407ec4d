"""The shipped model: its files, its card, and its verdicts on clearly acted clips."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

import emovoice
from emovoice.labels import EMOTIONS
from emovoice.models.emotion import default_model_path


def test_shipped_files_are_small_and_complete():
    onnx_path = default_model_path()
    assert onnx_path.stat().st_size < 5_000_000
    meta = json.loads(onnx_path.with_suffix(".json").read_text())
    assert meta["labels"] == list(EMOTIONS)
    assert meta["reproduce"].startswith("emovoice train")
    card = (onnx_path.parent / "MODEL_CARD.md").read_text()
    for needed in ("RAVDESS", "CC BY-NC-SA 4.0", "Date:", "Reproduce:", "WA"):
        assert needed in card


def test_acted_clips_get_their_emotion(ravdess_clips):
    """Strongly acted clips of two actors: each emotion is recognised in most of them.

    These actors are in the shipped model's training data (it is trained on all 24);
    accuracy on unseen speakers is in bench/results/ser_ravdess.md."""
    analyzer = emovoice.Analyzer(transcribe=False)
    chosen = [c for c in ravdess_clips if c.actor in (3, 16) and c.intensity == ("normal" if c.emotion == "neutral"
                                                                                 else "strong")]
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for clip in chosen:
        report = analyzer.analyze(str(clip.path), delivery=False)
        totals[clip.emotion] += 1
        hits[clip.emotion] += report.emotion == clip.emotion
    recall = {e: hits[e] / totals[e] for e in EMOTIONS}
    assert all(r >= 0.5 for r in recall.values()), recall
    assert np.mean(list(recall.values())) >= 0.8, recall


def test_serving_runs_the_encoder_on_one_thread_and_hears_the_same(ravdess_clips):
    """One onnxruntime thread per session when serving (``SERVING_THREADS``), all cores when asked:
    the probabilities are the same either way."""
    from emovoice.audio import decode
    from emovoice.models.emotion import SERVING_THREADS, EmotionModel

    serving, all_cores = EmotionModel.load(), EmotionModel.load(threads=None)
    assert SERVING_THREADS == 1 and serving.frontend.threads == 1 and all_cores.frontend.threads is None
    wave = decode(ravdess_clips[5].path)
    np.testing.assert_allclose(serving.classify(serving.frontend.windows(wave)),
                               all_cores.classify(all_cores.frontend.windows(wave)), atol=1e-4)
