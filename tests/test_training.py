"""Training and evaluation on real RAVDESS clips (one fold, quick recipes)."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import onnxruntime as ort
import pytest

from emovoice.audio import Degradation
from emovoice.datasets.ravdess import load_folds
from emovoice.features.frontends import MeanMfccMel
from emovoice.labels import EMOTIONS
from emovoice.training.cv import cross_validate, training_windows
from emovoice.training.featurecache import cache_key, extract
from emovoice.training.metrics import summarise
from emovoice.training.recipes import DEFAULT_MODEL, make_recipe
from emovoice.training.recipes.classic import SklearnRecipe, WhisperLogReg


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


def test_one_fold_beats_chance_by_a_wide_margin(ravdess_root, ravdess_clips, runs):
    """Train the default recipe (without augmentation, for speed) on five folds, test on the sixth."""
    (result,) = cross_validate("whisper_lr", root=ravdess_root, fold_numbers=[1], runs_dir=runs,
                               progress=False, degraded=False)
    assert set(np.unique(result.y_true)) == set(range(8))
    held_out = load_folds(ravdess_root)[1]
    assert len(result.y_true) == sum(c.actor in held_out for c in ravdess_clips)
    metrics = summarise(result.probabilities["clean"], result.y_true)
    assert metrics["wa"] > 0.45, metrics  # chance is 0.125-0.13
    assert metrics["ua"] > 0.45, metrics
    chance = cross_validate("chance", root=ravdess_root, fold_numbers=[1], runs_dir=runs, progress=False,
                            degraded=False)[0]
    assert summarise(chance.probabilities["clean"], chance.y_true)["wa"] < 0.2


def test_second_run_reads_the_cached_fold(ravdess_root, runs):
    path = runs / "whisper_lr" / "fold_1.npz"
    assert path.is_file()
    before = path.stat().st_mtime_ns
    cross_validate("whisper_lr", root=ravdess_root, fold_numbers=[1], runs_dir=runs, progress=False,
                   degraded=False)
    assert path.stat().st_mtime_ns == before


def test_cache_key_follows_content_not_modification_time(ravdess_clips, tmp_path):
    source = ravdess_clips[0].path
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    os.utime(copy, (0, 0))
    clip = dataclasses.replace(ravdess_clips[0], path=copy)
    frontend = MeanMfccMel()

    def key(clips, **kwargs):
        return cache_key(kwargs.get("frontend", frontend), clips,
                         degradation=kwargs.get("degradation", Degradation.CLEAN), seed=kwargs.get("seed", 0))

    assert key([clip]) == key([ravdess_clips[0]])
    assert key([clip], seed=1) != key([clip])
    assert key([clip], degradation=Degradation.NOISE) != key([clip])
    assert key([clip], frontend=MeanMfccMel(step_samples=8_000)) != key([clip])
    before = key([clip])
    data = bytearray(source.read_bytes())
    data[-1] ^= 1
    copy.write_bytes(bytes(data))
    assert key([clip]) != before


def test_linear_head_exports_to_the_same_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5, 16)).astype(np.float32)
    y = np.repeat(np.arange(8), 25)
    X[np.arange(200), 2, y] += 3.0
    recipe = WhisperLogReg(c_grid=(0.1,)).fit(X, y, groups=np.arange(200) % 5)
    path = tmp_path / "head.onnx"
    recipe.export_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_probs,) = session.run(None, {"features": X})
    np.testing.assert_allclose(onnx_probs, recipe.predict_proba(X), atol=1e-4)
    assert (onnx_probs.argmax(axis=1) == y).mean() > 0.9


@pytest.mark.parametrize("name", ["cnn_lstm", "mfcc_cnn1d", "mfcc_lstm", "mfcc_lstm_seq"])
def test_torch_networks_learn_a_separable_toy_problem(name):
    recipe = make_recipe(name)
    recipe.epochs = {"cnn_lstm": 8, "mfcc_lstm_seq": 150}.get(name, 25)  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    y = np.repeat([0, 4], 16)
    if name == "cnn_lstm":  # the full network is slow on a CPU: a small problem, small batches
        recipe.batch_size = 8  # type: ignore[attr-defined]
        recipe.epochs = 6  # type: ignore[attr-defined]
        y = np.repeat([0, 4], 8)
        X = rng.normal(-40, 5, size=(16, 5, 128, 128)).astype(np.float32)
        X[y == 4, :, :40, :] += 30  # "angry": energy in the low bands
    else:
        recipe.batch_size = 8  # type: ignore[attr-defined]
        X = rng.normal(size=(32, 141)).astype(np.float32)
        # the LSTM reading 141 steps of one value learns slowly: at a shift of 2 it learnt with two
        # threads and not with one (the arithmetic's order differs), at 3 with both
        X[y == 4] += 3 if name == "mfcc_lstm_seq" else 2
    recipe.fit(X, y, groups=np.zeros(len(y)))
    probs = recipe.predict_proba(X)
    assert probs.shape == (len(y), 8) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert (probs.argmax(axis=1) == y).mean() >= 0.9


def test_evaluate_writes_the_tables_and_confusion_matrices(ravdess_root, runs, tmp_path):
    from emovoice.cli import main

    out = tmp_path / "results"
    code = main(["evaluate", "--models", "chance", "--folds", "1", "--no-degraded", "--quiet",
                 "--data", str(ravdess_root), "--runs", str(runs), "--out", str(out)])
    assert code == 0
    data = json.loads((out / "ser_ravdess.json").read_text())
    entry = data["models"]["chance"]
    assert len(entry["classes8"]["wa"]) == 1 and 0 < entry["classes8"]["wa"][0] < 0.2
    assert set(entry["classes7"]) >= {"wa", "ua", "f1"}
    assert data["default_model"] == DEFAULT_MODEL
    assert len(entry["classes8_enrolled"]["wa"]) == 1 and 0 < entry["classes8_enrolled"]["wa"][0] < 0.2
    assert set(entry["recall8_enrolled"]) == set(EMOTIONS) and 0 <= entry["plain_neutral_enrolled"] <= 1
    assert entry["plain_neutral_clips"] == 2 * 4  # four test speakers, two held-out neutral clips each
    cross = json.loads((out / "cross_corpus.json").read_text())
    if "chance" in cross["models"]:  # TESS at hand
        tess = cross["models"]["chance"]["tess"]
        assert set(tess) >= {"ua4", "ua4_enrolled", "recall4_enrolled", "acc7", "acc7_enrolled", "plain_neutral",
                             "plain_neutral_enrolled"}
        assert tess["ua4"] == pytest.approx(0.25)  # one class for every clip: one of the four recalled
        assert "| `chance` |" in (out / "cross_corpus.md").read_text()
    confusion = json.loads((out / "confusion_chance.json").read_text())
    assert np.array(confusion["confusion8"]).shape == (8, 8)
    assert np.array(confusion["confusion7"]).shape == (7, 7)
    assert (out / "confusion_chance.png").read_bytes()[:4] == b"\x89PNG"
    table = (out / "ser_ravdess.md").read_text()
    assert "| `chance` | 1/6 |" in table
    # what inner cross-validation chose is kept per fold, so runs on two machines can be told apart
    assert main(["evaluate", "--models", "whisper_lr", "--folds", "1", "--no-degraded", "--quiet",
                 "--data", str(ravdess_root), "--runs", str(runs), "--out", str(out)]) == 0
    chosen = json.loads((out / "ser_ravdess.json").read_text())["models"]["whisper_lr"]
    assert chosen["chosen_c"][0] in WhisperLogReg().c_grid and 0.2 < chosen["temperature"][0] < 5
    assert "chosen_c" not in json.loads((out / "ser_ravdess.json").read_text())["models"]["chance"]


def test_local_feature_block_equals_the_seed_order_elu_then_pool():
    import torch

    from emovoice.training.nets import LocalFeatureBlock

    torch.manual_seed(0)
    block = LocalFeatureBlock(3, 8, pool=4, dropout=0.0).train()
    conv, norm, pool, elu, _ = block.body
    seed_order = torch.nn.Sequential(conv, norm, elu, pool)
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    ours = block(x)
    (grad_ours,) = torch.autograd.grad(ours.square().sum(), x)
    theirs = seed_order(x)
    (grad_theirs,) = torch.autograd.grad(theirs.square().sum(), x)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(grad_ours, grad_theirs)


def test_a_baseline_relative_head_exports_with_the_population_as_its_default_baseline(tmp_path):
    """The ONNX graph subtracts its `baseline` input (default: the population baseline) before the
    linear head, and gives the recipe's own probabilities either way."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(8), 25)
    X = rng.normal(size=(200, 5, 16)).astype(np.float32)
    X[np.arange(200), 2, y] += 3.0
    recipe = WhisperLogReg(c_grid=(0.1,), layers=(0, 1, 2), relative=True).fit(X, y, groups=np.arange(200) % 5)
    population = rng.normal(size=(3, 16)).astype(np.float32)
    speaker = rng.normal(size=(3, 16)).astype(np.float32)
    path = tmp_path / "relative.onnx"
    recipe.export_onnx(path, population=population)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feats = X[:, :3]
    (default,) = session.run(None, {"features": feats})
    np.testing.assert_allclose(default, recipe.predict_proba(X - np.pad(population, ((0, 2), (0, 0)))),
                               atol=1e-4)
    (own,) = session.run(None, {"features": feats, "baseline": speaker})
    np.testing.assert_allclose(own, recipe.predict_proba(X - np.pad(speaker, ((0, 2), (0, 0)))), atol=1e-4)
    assert not np.allclose(own, default, atol=1e-3)
    with pytest.raises(ValueError, match="population"):
        recipe.export_onnx(tmp_path / "none.onnx")


def test_an_enrolled_fold_scores_every_test_speaker_against_two_of_their_neutral_clips(ravdess_root, runs):
    """The fold run of a baseline-relative recipe keeps un-enrolled and enrolled probabilities, and
    the two neutral clips per test speaker its baseline was made from."""
    (result,) = cross_validate(DEFAULT_MODEL, root=ravdess_root, fold_numbers=[1], runs_dir=runs,
                               progress=False, degraded=False, augment=())
    assert result.enrolment is not None
    neutral = result.y_true == 0
    assert result.enrolment.sum() == 2 * 4 and not result.enrolment[~neutral].any()
    for condition in ("clean", "enrolled"):
        metrics = summarise(result.probabilities[condition][~result.enrolment], result.y_true[~result.enrolment])
        assert metrics["wa"] > 0.45, (condition, metrics)
    assert not np.allclose(result.probabilities["clean"], result.probabilities["enrolled"])
    # what choices between recipes read: the chosen C's accuracy over the training speakers alone
    assert 0.45 < result.info["inner_accuracy_"] < 1.0 and result.info["c_"] > 0
    assert 0.45 < result.info["inner_clean_accuracy_"] < 1.0
    # and the same held-out inner speakers heard as users are, against 2 of their neutral clips
    assert 0.45 < result.info["inner_enrolled_accuracy_"] < 1.0 and 0 <= result.info["inner_enrolled_ece_"] < 0.3
    if result.tess_y is not None:
        assert result.tess_enrolment is not None and result.tess_enrolment.sum() == 4
        assert result.tess_probabilities["enrolled"].shape == (len(result.tess_y), 8)


def test_baseline_draws_measure_each_training_window_against_two_of_its_speakers_other_neutral_clips(
        ravdess_clips):
    clips = [c for c in ravdess_clips if c.actor in (1, 2)]
    recipe = SklearnRecipe(name="draws", frontend_name="mean_mfcc_mel", relative=True, baseline_draws=3)
    X, y, groups, clean = training_windows(recipe, clips, np.ones(len(clips), dtype=bool), progress=False)
    feats = extract(recipe.frontend(), clips, progress=False)
    n = len(feats.features)
    labels, actors = np.array([c.label for c in clips]), np.array([c.actor for c in clips])
    assert X.shape == (3 * n, *feats.features.shape[1:]) and clean.all()
    np.testing.assert_array_equal(y, np.tile(labels[feats.clip_index], 3))
    np.testing.assert_array_equal(groups, np.tile(actors[feats.clip_index], 3))
    implied = np.tile(feats.features, (3, 1)) - X  # the baseline each copy was measured against
    owners = np.tile(feats.clip_index, 3)
    for row in range(0, 3 * n, 7):
        own = owners[row]
        others = [c for c in np.flatnonzero((actors == actors[own]) & (labels == 0)) if c != own]
        pairs = [feats.features[np.isin(feats.clip_index, [a, b])].mean(axis=0)
                 for i, a in enumerate(others) for b in others[i + 1:]]
        assert min(np.abs(implied[row] - p).max() for p in pairs) < 1e-3, row
    # the copies of one window differ: each drew its own baseline
    assert not np.allclose(X[:n], X[n:2 * n])


def test_every_model_is_made_by_name_with_the_hooks_its_callers_call(tmp_path):
    from emovoice.errors import ParameterError
    from emovoice.training.recipes import DEFAULT_MODEL, RECIPES

    assert [make_recipe(name).name for name in RECIPES] == list(RECIPES)
    assert make_recipe(DEFAULT_MODEL).exports_onnx and make_recipe(DEFAULT_MODEL).relative
    with pytest.raises(ParameterError, match="unknown model 'nope'; one of chance, "):
        make_recipe("nope")
    svm = make_recipe("egemaps_svm")
    svm.use_checkpoints(tmp_path, max_epochs=1)  # fits in one go: nothing to resume
    assert svm.finished and svm.progress_total is None and svm.temperature is None and svm.chosen_c is None
    assert not svm.exports_onnx
    with pytest.raises(ParameterError, match="no ONNX export"):
        svm.export_onnx(tmp_path / "svm.onnx")
    network = make_recipe("mfcc_cnn1d")
    network.use_checkpoints(tmp_path, max_epochs=1)
    assert network.checkpoint_dir == tmp_path and network.max_epochs_this_run == 1  # type: ignore[attr-defined]
    assert network.progress_total == 120 and not network.finished
    whisper = WhisperLogReg(c_grid=(0.1,), calibrate=False)
    assert whisper.temperature == 1.0 and whisper.chosen_c == 0.0
    prosodic = make_recipe("whisper3_lr_aug_rel_int8conv_pros3")
    assert prosodic.exports_onnx and prosodic.serving_frontend().name == "stacked"
    with pytest.raises(ParameterError, match="population"):
        prosodic.export_onnx(tmp_path / "p.onnx")
    with pytest.raises(ParameterError, match="serving needs 0 to the last"):
        dataclasses.replace(prosodic, layers=(1, 3)).serving_frontend()


def test_the_machine_line_describes_the_machine_it_runs_on(monkeypatch):
    import torch

    from emovoice.training.evaluate import machine

    line = machine()
    assert f", {os.cpu_count()} core" in line
    assert line.endswith(", no GPU") == (not torch.cuda.is_available())
    if torch.cuda.is_available():
        assert torch.cuda.get_device_name(0) in line
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "NVIDIA H200")
    assert machine().endswith(", GPU NVIDIA H200")


def test_the_shipped_model_card_counts_the_clips_it_was_trained_on(ravdess_clips):
    from emovoice.training.ship import training_data

    assert training_data(ravdess_clips) == "RAVDESS speech, all 24 actors, 1,434 clips, 16 kHz"
    first = [c for c in ravdess_clips if c.actor == 1]
    assert training_data(first) == f"RAVDESS speech, 1 actor, {len(first)} clips, 16 kHz"


def test_the_model_card_counts_its_speakers_and_tess_clips_from_the_data():
    import copy
    import json

    from emovoice.models.emotion import default_model_path
    from emovoice.training.ship import model_card

    meta = json.loads(default_model_path().with_suffix(".json").read_text())  # the shipped model's metadata
    counted = copy.deepcopy(meta)
    counted["training"]["speakers"] = 3
    counted.setdefault("cross_corpus", {}).update(clips=210, ua4=0.5, ua4_enrolled=0.6, acc7=0.4, acc7_enrolled=0.5,
                                                  plain_neutral=0.7, plain_neutral_enrolled=0.9,
                                                  recall4_enrolled={"neutral": 0.9})
    card = model_card(counted)
    assert "from 3 North-American actors" in card and "two actresses, 210 clips," in card
    uncounted = copy.deepcopy(counted)
    del uncounted["training"]["speakers"], uncounted["cross_corpus"]["clips"]
    card = model_card(uncounted)
    assert "24" not in card.split("## Use and limits")[1].split("\n")[1] and "2,799" not in card


def test_an_ensemble_is_scored_as_the_mean_of_its_members_folds(ravdess_root, ravdess_clips, tmp_path):
    import numpy as np

    from emovoice.datasets.ravdess import load_folds
    from emovoice.errors import ParameterError
    from emovoice.training.cv import FoldResult, load_fold, run_fold, save_fold
    from emovoice.training.recipes import make_recipe

    folds = load_folds(ravdess_root)
    ensemble = make_recipe("ens_whisper3_base_rel")
    test = [c for c in ravdess_clips if c.actor in folds[1]]
    rng = np.random.default_rng(0)
    y = np.array([c.label for c in test])
    enrolment = np.zeros(len(test), dtype=bool)
    enrolment[:4] = True
    made = {}
    for name in ensemble.members:  # members' folds as cross-validation saved them: nothing is trained here
        probs = {k: rng.dirichlet(np.ones(8), size=len(test)) for k in ("clean", "enrolled", "noise")}
        made[name] = FoldResult(1, y, probs, {}, enrolment=enrolment, tess_y=np.arange(3),
                                tess_enrolment=np.array([True, False, False]),
                                tess_probabilities={"clean": rng.dirichlet(np.ones(8), size=3)})
        save_fold(tmp_path / name / "fold_1.npz", made[name], paths=[c.path.name for c in test])
    result = run_fold("ens_whisper3_base_rel", 1, clips=ravdess_clips, folds=folds, runs_dir=tmp_path,
                      progress=False)
    first, second = (made[n] for n in ensemble.members)
    for condition in ("clean", "enrolled", "noise"):
        np.testing.assert_allclose(result.probabilities[condition],
                                   (first.probabilities[condition] + second.probabilities[condition]) / 2)
    np.testing.assert_allclose(result.tess_probabilities["clean"],
                               (first.tess_probabilities["clean"] + second.tess_probabilities["clean"]) / 2)
    assert result.info == {"members": list(ensemble.members)}
    assert load_fold(tmp_path / "ens_whisper3_base_rel" / "fold_1.npz").probabilities.keys() == \
        result.probabilities.keys()
    # members that disagree on the protocol's clips are refused, not averaged
    (tmp_path / "ens_whisper3_base_rel" / "fold_1.npz").unlink()
    second.enrolment = ~enrolment
    save_fold(tmp_path / ensemble.members[1] / "fold_1.npz", second, paths=[c.path.name for c in test])
    with pytest.raises(ParameterError, match="differ in enrolment clips"):
        run_fold("ens_whisper3_base_rel", 1, clips=ravdess_clips, folds=folds, runs_dir=tmp_path, progress=False)
    with pytest.raises(ParameterError, match="is an ensemble of"):
        ensemble.frontend()


def test_the_inner_cross_validation_table_lists_only_models_that_report_it():
    from emovoice.training.evaluate import inner_table

    data = {"models": {"chance": {"classes8_enrolled": {"wa": [0.1]}},
                       "lr": {"inner_wa": [0.70, 0.72], "classes8_enrolled": {"wa": [0.65, 0.75]}},
                       "lr_aug": {"inner_wa": [0.6], "inner_clean_wa": [0.8], "classes8_enrolled": {"wa": [0.7]},
                                  "inner_enrolled_wa": [0.66, 0.68], "inner_enrolled_ece": [0.04, 0.06]}}}
    lines = inner_table(data)
    assert "| `lr` | 71.0 ± 1.0 | – | – | – | 70.0 ± 5.0 |" in lines
    assert "| `lr_aug` | 60.0 ± 0.0 | 80.0 ± 0.0 | 67.0 ± 1.0 | 5.0 ± 1.0 | 70.0 ± 0.0 |" in lines
    assert not any("`chance`" in line for line in lines)
    assert inner_table({"models": {"chance": {}}}) == []


def test_stacked_front_ends_are_read_part_by_part_from_their_own_caches(ravdess_clips, tmp_path):
    from emovoice.errors import ParameterError
    from emovoice.features.frontends import ProsodyStats, Stacked

    clips = ravdess_clips[:6]
    stacked = Stacked(parts=(MeanMfccMel(), ProsodyStats()))
    both = extract(stacked, clips, cache_dir=tmp_path, progress=False)
    mfcc, prosody = (extract(p, clips, cache_dir=tmp_path, progress=False) for p in stacked.parts)
    np.testing.assert_array_equal(both.features, np.hstack([mfcc.features, prosody.features]))
    np.testing.assert_array_equal(both.clip_index, mfcc.clip_index)
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["mean_mfcc_mel", "prosody_stats"]
    other_windows = Stacked(parts=(MeanMfccMel(), ProsodyStats(chunk_samples=16_000)))
    with pytest.raises(ParameterError, match="different windows"):
        extract(other_windows, clips, cache_dir=tmp_path, progress=False)


def test_the_prosody_weight_lets_twelve_columns_count_among_thousands():
    """Where only the prosodic columns tell the classes apart, a strongly regularised regression
    finds them when they are weighted, and much less when they are not."""
    from emovoice.training.recipes.classic import WhisperProsodyLogReg

    rng = np.random.default_rng(0)
    n, width = 800, 120  # 5 hidden states x 120 columns beside 12 prosodic ones
    y = rng.integers(0, 3, n)
    prosody = rng.normal(size=(n, 12)) + 0.8 * (y[:, None] == np.arange(12) % 3)  # each class lifts 4 columns
    X = np.hstack([rng.normal(size=(n, 5 * width)), prosody]).astype(np.float32)
    groups = np.arange(n) % 4
    accuracy = {}
    for weight in (1.0, 10.0):
        recipe = WhisperProsodyLogReg(c_grid=(0.0003,), prosody_weight=weight, calibrate=False)
        recipe.fit(X[:600], y[:600], groups[:600])
        accuracy[weight] = np.mean(recipe.predict_proba(X[600:]).argmax(axis=1) == y[600:])
    assert accuracy[10.0] > 0.75 and accuracy[10.0] > accuracy[1.0] + 0.1, accuracy


def _four_separable_classes(*, seed: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray, np.ndarray]:
    """600 windows of (5, 40) features, four classes told apart by layer 0, six speaker groups."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 600)
    X = rng.normal(size=(600, 5, 40)).astype(np.float32)
    X[:, 0, :4] += 2.5 * (y[:, None] == np.arange(4))
    return rng, X, y, np.arange(600) % 6


def test_inner_enrolled_scores_are_inner_cross_validation_heard_against_the_given_baselines():
    """Given the training windows themselves (one window a clip), the enrolled inner figure is the
    inner accuracy; given the same windows against a wrong baseline, it falls; given none, it is an error."""
    from emovoice.errors import ParameterError
    from emovoice.training.recipes.base import EnrolledWindows

    _, X, y, groups = _four_separable_classes(seed=1)
    n = len(X)
    recipe = WhisperLogReg(layers=(0,), c_grid=(0.1,))
    with pytest.raises(ParameterError, match="fitted"):
        recipe.measure_inner_enrolled(EnrolledWindows(X, y, groups, np.arange(n)))
    recipe.fit(X, y, groups)
    recipe.measure_inner_enrolled(EnrolledWindows(X, y, groups, np.arange(n)))
    assert recipe.inner_enrolled_accuracy_ == pytest.approx(recipe.inner_accuracy_) and recipe.inner_accuracy_ > 0.7
    assert 0 <= recipe.inner_enrolled_ece_ < 0.1
    held, _ = recipe._inner_models[0]
    keep = ~np.isin(groups, held)  # an inner fold whose speakers have no enrolled windows (another corpus's)
    recipe.measure_inner_enrolled(EnrolledWindows(X[keep], y[keep], groups[keep], np.arange(int(keep.sum()))))
    assert recipe.inner_enrolled_accuracy_ > 0.7
    shifted = X.copy()
    shifted[:, 0, :4] -= 2.5 * np.eye(4)[groups % 4]  # each speaker's baseline off towards one class
    recipe.measure_inner_enrolled(EnrolledWindows(shifted, y, groups, np.arange(n)))
    assert recipe.inner_enrolled_accuracy_ < recipe.inner_accuracy_ - 0.1


def test_inner_cross_validation_can_keep_another_corpus_in_training_and_score_ravdess_speakers_alone():
    """Two speakers of another corpus (groups 100, 101) whose labels are noise: held out like any
    speaker they drag the inner accuracy down; with ``hold_out_extra`` off they train in every inner
    fold, none is held out, and the inner accuracy and temperature are the RAVDESS speakers' alone."""
    from emovoice.training.recipes.base import EXTRA_GROUP

    rng, X, y, groups = _four_separable_classes(seed=2)
    noise_X = rng.normal(size=(300, 5, 40)).astype(np.float32)
    X = np.concatenate([X, noise_X])
    y = np.concatenate([y, rng.integers(0, 4, 300)])
    groups = np.concatenate([groups, EXTRA_GROUP + np.arange(300) % 2])
    mixed = WhisperLogReg(layers=(0,), c_grid=(0.1,)).fit(X, y, groups)
    alone = WhisperLogReg(layers=(0,), c_grid=(0.1,), hold_out_extra=False).fit(X, y, groups)
    held = np.concatenate([h for h, _ in alone._inner_models])
    assert sorted(held) == list(range(6)), held  # each RAVDESS speaker held out once, the others never
    assert any(EXTRA_GROUP in h for h, _ in mixed._inner_models)
    assert alone.inner_accuracy_ > 0.8 and alone.inner_accuracy_ > mixed.inner_accuracy_ + 0.1
    ravdess_only = WhisperLogReg(layers=(0,), c_grid=(0.1,)).fit(X[:600], y[:600], groups[:600])
    assert abs(alone.inner_accuracy_ - ravdess_only.inner_accuracy_) < 0.05
    assert alone.temperature_ < mixed.temperature_  # fitted on the separable speakers, not on the noise


def test_another_corpus_speaker_can_count_as_one_average_speaker_in_the_loss():
    """One speaker of another corpus with 900 windows whose labels contradict the six RAVDESS
    speakers' (100 windows each): weighted one a window she outweighs them and the model learns her
    labels; counted as one average speaker (weights summing to 100) the RAVDESS labels win."""
    from emovoice.errors import ParameterError
    from emovoice.training.recipes.base import EXTRA_GROUP

    _, X, y, groups = _four_separable_classes(seed=3)
    flipped_X, flipped_y = np.tile(X, (3, 1, 1))[:900], (np.tile(y, 3)[:900] + 1) % 4
    X_all = np.concatenate([X, flipped_X])
    y_all = np.concatenate([y, flipped_y])
    groups_all = np.concatenate([groups, np.full(900, EXTRA_GROUP)])
    weighted = WhisperLogReg(layers=(0,), c_grid=(0.1,), hold_out_extra=False, extra_as_one_speaker=True)
    weights = weighted.sample_weights(groups_all)
    assert np.all(weights[:600] == 1) and weights[600:].sum() == pytest.approx(100)
    plain = WhisperLogReg(layers=(0,), c_grid=(0.1,), hold_out_extra=False)
    assert np.all(plain.sample_weights(groups_all) == 1)
    weighted.fit(X_all, y_all, groups_all)
    plain.fit(X_all, y_all, groups_all)
    assert weighted.inner_accuracy_ > 0.8 and plain.inner_accuracy_ < 0.5
    with pytest.raises(ParameterError, match="RAVDESS"):
        weighted.sample_weights(np.full(10, EXTRA_GROUP))


def test_a_recipe_calibrated_for_enrolled_users_fits_its_temperature_on_how_they_are_heard():
    """Held-out speakers heard against a noisy baseline are less sure than the training windows:
    the temperature fitted on them is higher, their ECE under it lower, and the first is kept."""
    from emovoice.training.recipes.base import EnrolledWindows

    rng, X, y, groups = _four_separable_classes(seed=2)
    n = len(X)
    noisy = X.copy()
    noisy[:, 0] += rng.normal(scale=1.5, size=X[:, 0].shape).astype(np.float32)  # a baseline of two clips
    recipe = WhisperLogReg(layers=(0,), c_grid=(0.1,), calibrate_enrolled=True)
    recipe.fit(X, y, groups)
    first = recipe.temperature_
    recipe.measure_inner_enrolled(EnrolledWindows(noisy, y, groups, np.arange(n)))
    assert recipe.windows_temperature_ == first and recipe.temperature_ > 1.2 * first
    assert recipe.inner_enrolled_ece_ < recipe.inner_enrolled_ece_windows_t_


def test_a_prosodic_head_exports_flat_and_serves_what_the_recipe_computes(tmp_path, speech_wav):
    """The prosodic recipe's graph reads its serving front end's flat features (hidden states 0-3
    and the prosody) against a baseline, and gives the recipe's probabilities on the training front
    end's features of the same audio; EmotionModel rebuilds that front end from the metadata."""
    from emovoice.audio import load
    from emovoice.models.emotion import EmotionModel
    from emovoice.training.recipes.classic import WhisperProsodyLogReg

    rng = np.random.default_rng(3)
    recipe = WhisperProsodyLogReg(c_grid=(0.1,), layers=(0, 1, 2, 3), relative=True, prosody_weight=3.0,
                                  precision="int8_conv", calibrate=False)
    n = 160
    y = np.repeat(np.arange(8), n // 8)
    X = rng.normal(size=(n, 5 * 768 + 12)).astype(np.float32)
    X[np.arange(n), -12 + (y % 12)] += 3.0
    recipe.fit(X, y, groups=np.arange(n) % 4)
    population = rng.normal(size=5 * 768 + 12).astype(np.float32)
    path = tmp_path / "emotion.onnx"
    serving = recipe.serving_frontend()
    recipe.export_onnx(path, population=recipe.serving_population(population))
    path.with_suffix(".json").write_text(json.dumps({
        "model": recipe.name, "labels": list(EMOTIONS),
        "frontend": {"name": serving.name, "version": serving.version, "params": serving.params()}}))
    model = EmotionModel.load(path)
    assert model.frontend.params() == serving.params() and model.frontend.threads == 1
    assert model.baseline_shape == (4 * 768 + 12,)
    wave = load(speech_wav)
    training_features = recipe.frontend().windows(wave)
    np.testing.assert_allclose(model.window_probabilities(wave), recipe.predict_proba(training_features - population),
                               atol=2e-4)
    own = model.baseline([wave[: 4 * 16_000]], speech_s=3.0)
    mine = recipe.frontend().windows(wave[: 4 * 16_000]).mean(axis=0)
    np.testing.assert_allclose(own.features, recipe.serving_population(mine), atol=1e-4)
    np.testing.assert_allclose(model.window_probabilities(wave, baseline=own),
                               recipe.predict_proba(training_features - mine), atol=2e-4)


def test_another_corpus_trains_as_its_own_groups_each_speaker_against_her_own_baseline(ravdess_clips):
    from emovoice.datasets import tess

    clips = [c for c in ravdess_clips if c.actor in (1, 2)]
    extra = [c for c in tess.load_clips() if c.word in ("back", "bar", "base")]  # 2 actresses x 7 emotions x 3 words
    recipe = SklearnRecipe(name="extra", frontend_name="mean_mfcc_mel", relative=True)
    everyone = np.ones(len(clips), dtype=bool)
    X0, y0, g0, _ = training_windows(recipe, clips, everyone, progress=False)
    assert len(X0) and len(y0) == len(X0)
    X, y, groups, clean = training_windows(recipe, clips, everyone, progress=False, extra=extra)
    # RAVDESS's windows come first, as without the extra corpus
    np.testing.assert_array_equal(X[:len(X0)], X0)
    np.testing.assert_array_equal(g0, groups[:len(X0)])
    np.testing.assert_array_equal(y0, y[:len(X0)])
    feats = extract(recipe.frontend(), extra, progress=False)
    tail, tail_groups = X[len(X0):], groups[len(X0):]
    assert len(tail) == len(feats.features) and clean.all()
    np.testing.assert_array_equal(y[len(X0):], np.array([c.label for c in extra])[feats.clip_index])
    actress = np.array([c.actress for c in extra])[feats.clip_index]
    assert set(tail_groups) == {100, 101} and set(tail_groups[actress == "OAF"]) == {100}
    neutral = np.array([c.emotion == "neutral" for c in extra])[feats.clip_index]
    for name in ("OAF", "YAF"):
        own = actress == name
        # each actress's windows minus the mean of her own neutral windows
        baseline = feats.features[own & neutral].mean(axis=0)
        np.testing.assert_allclose(tail[own], feats.features[own] - baseline, atol=1e-5)
        assert np.abs(tail[own & neutral].mean(axis=0)).max() < 1e-4
