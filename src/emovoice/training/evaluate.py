"""``emovoice evaluate``: cross-validate models and write the comparison table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.labels import EMOTIONS, EMOTIONS7
from emovoice.training.cv import ENROL_K, ENROLLED, UNCALIBRATED, FoldResult, cross_validate, finished_folds
from emovoice.training.metrics import (
    FOUR_CLASSES,
    cross_corpus_view,
    expected_calibration_error,
    heard_as_neutral_or_calm,
    seven_class_view,
    summarise,
)
from emovoice.training.recipes import DEFAULT_MODEL, RECIPES, make_recipe

N_FOLDS = 6
DEFAULT_CHOICE = (
    "The default, `whisper3_lr_aug_rel_int8conv`, is `whisper3_lr_aug_rel` with the encoder in int8: its matrix "
    "products and its two convolutions (each written as one matrix product over its three taps), trained on the "
    "int8 encoder's own features. Its emotion analysis runs about 1.9 times as fast as the same analysis in "
    "float32 (`speed.md`). It came in two steps, each with a rule fixed before any of its figures was read: take "
    "the variant if its inner cross-validation accuracy comes within 0.5 point of the float32 "
    "`whisper3_lr_aug_rel`'s on clean windows and on all windows (73.7 % and 70.2 %), and, for the second step, "
    "if it is also faster than the first. `whisper3_lr_aug_rel_int8` (matrix products only) came to 73.5 % and "
    "70.0 %, and `whisper3_lr_aug_rel_int8conv` to 73.4 % and 70.1 %, and its 60 s analysis took 0.90 times a "
    "float32 encoder pass against the first step's 1.07 in an informal interleaved run made for the choice (a "
    "script outside the repo), so both steps were taken; `python bench/bench_speed.py` measures them again in "
    "`speed.md`: 0.93 against 1.02, and 1.76 in float32. Its enrolled ECE came out higher (5.0 % against 4.1 %), "
    "a figure that also moved by half a point between two runs of the same float32 model. `whisper3_lr_aug_rel` "
    "is `whisper3_lr_aug` (hidden states 0-3, picked earlier for speed between two models of equal accuracy) "
    "trained on baseline-relative features. It was chosen over the plain model for the enrolled RAVDESS figures "
    "(the first table below), the protocol a user of the voice check meets: the plain model loses accuracy when "
    "its input is moved by a speaker's baseline, the relative one gains. Its un-enrolled WA is lower than the "
    "plain model's: a stranger is heard against the training actors' average voice, and the report says so. Not "
    "chosen by TESS: there the plain model moved by the baseline transfers better (`cross_corpus.md`). The "
    "two-block variant `whisper2_lr_aug_rel` would cut a third of the encoder's work; the rule, fixed before any "
    "of its figures was read, was to take it if its inner cross-validation accuracy came within 1 point of "
    "`whisper3_lr_aug_rel`'s. It came further below (the inner cross-validation table), so `whisper3_lr_aug_rel` "
    "stayed the default. `whisper3_lr_augvoice_rel` adds speed-changed, telephone-band and other-voice copies; "
    "the rule fixed before it ran was to take it if its inner accuracy on clean windows came within 0.5 point of "
    "`whisper3_lr_aug_rel`'s and its TESS UA 4 enrolled rose by 2 points (a choice that looks at TESS). Neither "
    "held (73.0 % against 73.7 %; TESS 62.8 % against 65.1 %), so `whisper3_lr_aug_rel` stayed the default, "
    "although the variant hears strangers without a voice check better (un-enrolled WA and ECE in the first "
    "table). `whisper3_lr_aug_rel_int8conv_draws` measures each training window against baselines made as a new "
    "speaker's is (the mean of 2 of the speaker's other neutral clips, 3 draws a window), so that inner "
    "cross-validation fits C and the temperature under that noise. The rule fixed before it ran was to take it "
    "if its inner accuracy on clean windows came within 0.5 point of the default's 73.4 %. It came to 72.2 %, "
    "so the default stayed. That rule set the variant's inner figure, read under the noisier two-clip "
    "baselines, against the default's, read under baselines of all of a speaker's neutral clips, which favours "
    "the default; it was kept as fixed. On the test folds the variant came out better enrolled (WA 71.5 % "
    "against 70.9 %, ECE 3.8 % against 5.0 %, sad 52.6 % against 51.0 %) and worse on TESS enrolled (UA 4 "
    "63.9 % against 65.7 %); none of these figures made the choice. `whisper3_lr_aug_rel_int8conv_widec` lets "
    "inner cross-validation choose C from 0.0001-0.03 instead of 0.001-0.03, since the draws variant had chosen "
    "the smallest C of the narrower grid in every fold; the rule fixed before it ran was to take it if its mean "
    "inner accuracy beat the default's on clean and on all windows. It did so by 0.13 and 0.03 point, yet it is "
    "the default's recipe chosen again: no fold chose a C below 0.001. Four folds give the default's test "
    "figures to the last digit; in folds 2 and 5 the inner accuracy that chooses C comes within 0.02 point of "
    "the default's, the test figures differ, and the chosen C is 0.003 and 0.001: near-equal choices between "
    "the same two values, which this machine's arithmetic decided otherwise than the one the default's figures "
    "were made on (the default's chosen C per fold was not stored). So nothing changed, and the default "
    "stayed. The two rows show how far the same recipe moves "
    "from machine to machine: 0.4 point of enrolled WA and 0.2 of enrolled ECE, as large as some of the "
    "differences between variants above. `whisper3_lr_aug_rel_int8conv_pros3` and `_pros10` put 12 statistics "
    "of the window's pitch, level and spectral tilt beside the hidden states (also minus the speaker's "
    "baseline), their standardised columns weighted 3 or 10 so that the penalty does not drown them. The rule "
    "fixed before they ran: a variant becomes the candidate for the next default if its inner accuracy on clean "
    "windows comes within 0.5 point of the default's 73.4 % and its TESS UA 4 enrolled beats the default's "
    "65.7 % by at least 2 points (a rule that looks at TESS, as did the choice of the two weights: an informal "
    "clean-only check, a script outside the repo, read TESS and fold 1's inner figure at weights 1, 3 and 10 "
    "first). `_pros3` came to 73.5 % inner and 66.9 % on TESS: +1.2 points, short of 2, so it is not the "
    "candidate. Beside it, not read for the choice: un-enrolled TESS UA 4 58.2 % against 56.2 %, TESS plain "
    "speech un-enrolled 46.1 % against 33.1 %, enrolled RAVDESS WA 71.4 % and ECE 4.1 %, but RAVDESS plain "
    "speech enrolled 95.8 % against 97.9 % and sad 49.5 %. Serving it would also cost time: its front end "
    "runs Praat's pitch track over the recording (`speed.md` times it). `_pros10` came to 73.5 % inner and "
    "66.4 % on TESS (+0.7), so neither is the candidate, and the default stays. What the prosody does buy "
    "shows without a voice check: `_pros10` hears TESS un-enrolled at 61.5 % UA 4 against 56.2 %, and its plain speech "
    "un-enrolled as neutral or calm in 65.6 % of clips against 33.1 %, while enrolled it changes little and "
    "RAVDESS plain speech enrolled falls to 93.8 %. "
    "`whisper3_lr_aug_rel_int8conv_enrolt` is the default's classifier with its temperature fitted on inner "
    "cross-validation's held-out speakers heard as users are (clean clips against 2 of their neutral clips, "
    "the 'enrolled' inner columns) instead of on the training windows. The rule fixed before it ran: take it if "
    "its mean inner enrolled ECE comes at least 0.5 point below the one the first temperature gives on the same "
    "predictions. It came to 3.83 % against 3.82 %: no gain, so the default stays (its temperatures rose from "
    "0.96-1.62 to 1.03-1.69). On the test folds, not read for the choice, its enrolled ECE is 4.4 %. The inner "
    "enrolled figures themselves are new: the inner protocol that choices read had heard held-out speakers "
    "against all their neutral clips; under 2 clips, as users are heard, the same predictions score 71.4 % "
    "(clips) and an ECE of 3.8 %, near the test folds' enrolled figures (71.1 % and 4.4 %), so later choices "
    "can be read on the footing users meet. `whisper3_lr_aug_rel_int8conv_draws` was run again to get them "
    "(`--runs runs/cv_inner`, one BLAS thread, which moved its temperatures in the fourth digit and its enrolled "
    "ECE from 3.8 % to 3.7 %): 71.8 % and 3.8 %, against the default's classifier's 71.4 % and 3.8 %. So heard "
    "as users are, inner cross-validation sees draws' accuracy gain but not the calibration gain that its test "
    "folds show (enrolled ECE 3.7 % against 4.8 % for the default's recipe on this machine); no choice was "
    "made on it. `whisper3_lr_aug_rel_int8conv_tess` trains each fold's model also on one TESS actress (all her "
    "clips, clean and augmented, against her own baseline; folds 1, 3 and 5 train on OAF, 2, 4 and 6 on YAF), the "
    "route of training the shipped model on RAVDESS and TESS. The rule fixed before it ran: it becomes the "
    "candidate for the next default if its inner enrolled clip accuracy reaches the default's classifier's "
    "71.4 % plus 1 point and its inner enrolled ECE stays within 0.5 point of 3.8 %. It came to 66.7 % and "
    "5.5 %, so it is not, and the default stays. The actress is an inner fold of her own (1,400 clips, more "
    "than any actor), and in two of the folds training on OAF the C and temperature chosen with her held out "
    "came out far from the default's (C 0.01 and 0.03, temperatures 2.3 and 2.7). Not read for the choice: "
    "enrolled RAVDESS WA 68.8 % against 70.9 %, ECE 3.1 % against 5.0 %, sad 47.9 %; on the other actress, "
    "whose corpus it has seen (marked † in `cross_corpus.md`), UA 4 enrolled 76.3 % and plain speech enrolled "
    "99.0 %. `whisper3_lr_aug_rel_int8conv_tess_rin` is the same recipe with the TESS actress in the training "
    "part of every inner fold and only RAVDESS speakers held out, so that C and the temperature are chosen on "
    "RAVDESS voices and its inner figures are read on the same held-out speakers as the default's. Its rule, "
    "fixed before it ran, is the same: the candidate if its inner enrolled clip accuracy is at least 72.4 % "
    "and its inner enrolled ECE at most 4.3 %. It came to 69.4 % and 3.7 %: better than `_tess` on both, short "
    "on accuracy, so it is not the candidate, and the default stays. Its inner cross-validation still chose a "
    "larger C than the default's recipe does (0.01 in five folds of six, temperatures 1.4-1.9, against 0.001 or "
    "0.003 in every fold of `_widec`, that recipe chosen again): the actress's clips move "
    "the choice even when she is never held out, and RAVDESS voices lose by it. Not read for the choice: "
    "enrolled RAVDESS WA 68.8 % and ECE 3.5 %, sad 49.0 %; on the other TESS actress (†) UA 4 enrolled 76.5 % "
    "and plain speech enrolled 98.8 %. `whisper3_lr_aug_rel_int8conv_tess_w` is `_tess_rin` with the actress's "
    "windows weighted in the loss so that she counts as much as one average RAVDESS training actor (her weights "
    "sum to the mean actor's window count) instead of outweighing any actor 1,400 clips to 60. Its rule, fixed "
    "before it ran, is the same: the candidate if its inner enrolled clip accuracy is at least 72.4 % and its "
    "inner enrolled ECE at most 4.3 %. It came to 71.3 % and 3.6 %: the ECE holds, the accuracy is short (the "
    "default's classifier: 71.4 %), so it is not the candidate, and the default stays. Weighted so, the actress no "
    "longer moves C (0.001 or 0.003 in five folds of six, 0.01 in one; temperatures 1.0-1.6) and its inner "
    "figure on RAVDESS voices comes back to the default's classifier's, but what she teaches shrinks with her "
    "weight. Not read for the choice: "
    "enrolled RAVDESS WA 69.9 % and ECE 4.4 %, sad 50.0 %; on the other TESS actress (†) UA 4 enrolled 74.6 % "
    "and plain speech enrolled 92.0 % (`_tess_rin`: 76.5 % and 98.8 %).")
CROSS_CORPUS_CHOICES = (
    "Which choices looked at TESS: none of the recipes' settings (C, temperature) did; they are chosen by inner "
    "cross-validation on the training speakers. TESS's figures were seen when the default model was chosen "
    "among the variants in this table, so the default's TESS figure is optimistic by that choice. The weights of "
    "the prosodic columns of `whisper3_lr_aug_rel_int8conv_pros3` and `_pros10` (3 and 10) were fixed after an "
    "informal check read TESS, and their rule reads TESS, so their TESS figures are optimistic by that too.")
PENDING_NOTES = {
    "cnn_lstm": "on a 2-core CPU one training step of 32 windows takes about 5 s "
                "(`python bench/bench_cnn_lstm.py`; see `cnn_lstm_step.json`), one fold of 30 epochs about "
                "1.5 hours alone (fold 1 took 1 h 39 min), about 3 to 10 minutes an epoch with other work beside "
                "it at low priority, and six folds about 9 hours: more than a working session. Training is "
                "checkpointed per fold and epoch and resumable: `tools/cnn_lstm_folds.sh` runs the missing folds, "
                "keeps each finished fold's file in `bench/results/folds/cnn_lstm/`, and with `--keep-partial` "
                "keeps the checkpoint of a fold in progress there too, since nothing outside the repository "
                "outlives a session. Fold 1 (38.6 % WA in its first run) is run again after folds 2-6: its "
                "per-fold file was lost, and the table is made from those files. Training runs on a CUDA GPU when "
                "torch sees one, and each fold's `info.trained_on` says where it ran.",
}


def fold_metrics(results: list[FoldResult], condition: str = "clean") -> dict[str, Any]:
    """Per-fold WA/UA/F1 for 8 and 7 classes, pooled ECE and summed confusion matrices."""
    out: dict[str, Any] = {"classes8": {"wa": [], "ua": [], "f1": []},
                           "classes7": {"wa": [], "ua": [], "f1": []}}
    probs8, ys8 = [], []
    confusion8 = np.zeros((8, 8), dtype=int)
    confusion7 = np.zeros((7, 7), dtype=int)
    per_class = []
    for r in results:
        p, y = r.probabilities[condition], r.y_true
        s8 = summarise(p, y)
        p7, y7 = seven_class_view(p, y)
        s7 = summarise(p7, y7)
        for key in ("wa", "ua", "f1"):
            out["classes8"][key].append(round(s8[key], 4))
            out["classes7"][key].append(round(s7[key], 4))
        confusion8 += np.array(s8["confusion"])
        confusion7 += np.array(s7["confusion"])
        per_class.append(s8["per_class"])
        probs8.append(p)
        ys8.append(y)
    if results:
        pooled_p, pooled_y = np.concatenate(probs8), np.concatenate(ys8)
        out["ece"] = round(expected_calibration_error(pooled_p, pooled_y), 4)
        pooled = summarise(pooled_p, pooled_y)["per_class"]
        out["per_class"] = {label: {k: round(float(pooled[k][i]), 4) for k in ("precision", "recall", "f1")}
                            for i, label in enumerate(EMOTIONS)}
    out["confusion8"] = confusion8.tolist()
    out["confusion7"] = confusion7.tolist()
    out["folds_done"] = [r.fold for r in results]
    return out


def enrolled_metrics(results: list[FoldResult]) -> dict[str, Any]:
    """8-class WA/UA/F1 per fold with each test speaker heard against their own baseline (their
    enrolment clips left out), pooled ECE and per-class recall, and the plain-speech figure:
    the share of held-out neutral clips heard as neutral or calm, enrolled and not."""
    if any(ENROLLED not in r.probabilities or r.enrolment is None for r in results):
        return {}
    scored = [dataclasses.replace(r, y_true=r.y_true[~chosen], enrolment=None,
                                  probabilities={k: v[~chosen] for k, v in r.probabilities.items()})
              for r in results if (chosen := r.enrolment) is not None]
    metrics = fold_metrics(scored, ENROLLED)
    out: dict[str, Any] = {
        "classes8_enrolled": metrics["classes8"], "ece_enrolled": metrics["ece"],
        "recall8_enrolled": {label: stats["recall"] for label, stats in metrics["per_class"].items()},
        "confusion8_enrolled": metrics["confusion8"]}
    neutral = EMOTIONS.index("neutral")
    for key, condition in (("plain_neutral", "clean"), ("plain_neutral_enrolled", ENROLLED)):
        hits = np.concatenate([heard_as_neutral_or_calm(r.probabilities[condition][r.y_true == neutral])
                               for r in scored])
        out[key] = round(float(np.mean(hits)), 4)
    out["plain_neutral_clips"] = int(sum(np.sum(r.y_true == neutral) for r in scored))
    return out


def cross_corpus_metrics(results: list[FoldResult]) -> dict[str, Any] | None:
    """TESS scored by each fold's model (trained on 20 RAVDESS actors), averaged over the folds.

    4-class UA in EmoBox's cross-corpus form (angry, happy, neutral, sad; calm folded into
    neutral; argmax over the four), 7-class accuracy (calm folded into neutral), per-class
    recall, confusion matrices summed over folds, and the plain-speech figure; un-enrolled
    over every clip, enrolled over every clip but the enrolment ones.
    """
    if not results or any(r.tess_y is None or ENROLLED not in r.tess_probabilities for r in results):
        return None
    per_fold: dict[str, list[float]] = {}
    recall4: dict[str, list[np.ndarray]] = {"": [], "_enrolled": []}
    confusion4 = {"": np.zeros((4, 4), dtype=int), "_enrolled": np.zeros((4, 4), dtype=int)}
    confusion7 = {"": np.zeros((7, 7), dtype=int), "_enrolled": np.zeros((7, 7), dtype=int)}
    for r in results:
        assert r.tess_y is not None and r.tess_enrolment is not None
        for suffix, condition, keep in (("", "clean", np.ones(len(r.tess_y), dtype=bool)),
                                        ("_enrolled", ENROLLED, ~r.tess_enrolment)):
            p, y = r.tess_probabilities[condition][keep], r.tess_y[keep]
            p4, y4 = cross_corpus_view(p, y, FOUR_CLASSES)
            s4 = summarise(p4, y4)
            p7, y7 = cross_corpus_view(p, y, EMOTIONS7)
            s7 = summarise(p7, y7)
            neutral = y == EMOTIONS.index("neutral")
            for key, value in (("ua4", s4["ua"]), ("acc7", s7["wa"]), ("ua7", s7["ua"]),
                               ("plain_neutral", float(np.mean(heard_as_neutral_or_calm(p[neutral]))))):
                per_fold.setdefault(key + suffix, []).append(round(float(value), 4))
            recall4[suffix].append(np.array(s4["per_class"]["recall"]))
            confusion4[suffix] += np.array(s4["confusion"])
            confusion7[suffix] += np.array(s7["confusion"])
    out: dict[str, Any] = {key: round(float(np.mean(v)), 4) for key, v in per_fold.items()}
    out["folds"] = per_fold
    for suffix in recall4:
        mean_recall = np.mean(recall4[suffix], axis=0)
        out["recall4" + suffix] = {label: round(float(mean_recall[i]), 4) for i, label in enumerate(FOUR_CLASSES)}
        out["confusion4" + suffix] = confusion4[suffix].tolist()
        out["confusion7" + suffix] = confusion7[suffix].tolist()
    out["labels4"], out["labels7"] = list(FOUR_CLASSES), list(EMOTIONS7)
    out["clips"] = len(results[0].tess_y) if results[0].tess_y is not None else 0
    out["fold_models"] = [r.fold for r in results]
    if any(r.info.get("trained_on_tess") for r in results):
        out["seen_corpus"] = True  # each fold model trained on the other actress: not cross-corpus
    return out


def plot_confusion(matrix: np.ndarray, labels: tuple[str, ...], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    norm = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{matrix[i, j]}", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _pct(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{100 * np.mean(values):.1f} ± {100 * np.std(values):.1f}"


def _folds_run(entry: dict[str, Any] | None) -> int:
    """How many folds a model's table entry covers (0 for a model not run)."""
    return len(entry.get("folds_done", entry["classes8"]["wa"])) if entry else 0


def _frac(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def enrolled_table(data: dict[str, Any]) -> list[str]:
    """The section on each test speaker heard against their own voice."""
    lines = ["", "## Heard against the speaker's own voice (enrolled)", "",
             f"Each test speaker's baseline is the mean window of {ENROL_K} of their neutral clips (a fixed, seeded "
             "choice, `emovoice.features.baseline.enrolment_clips`); those clips are left out of that speaker's "
             "enrolled scores. A baseline-relative model (`_rel`) reads the features minus the baseline, and minus "
             "the training speakers' average baseline (the population baseline) when un-enrolled; a plain model "
             "reads the features moved so that the speaker's baseline lands on the population's. "
             "Plain speech: the share of test speakers' neutral clips (not used as their baseline) heard as "
             "neutral or calm. Targets: enrolled WA ≥ 77 %, every class's recall ≥ 60 %, ECE ≤ 4 %, plain speech "
             "enrolled ≥ 95 %.", "",
             "| model | WA 8 | WA 8 enrolled | UA 8 enrolled | F1 8 enrolled | ECE enrolled | lowest recall "
             "enrolled | plain speech | plain speech enrolled |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, entry in data["models"].items():
        if "classes8_enrolled" not in entry:
            continue
        c8, e8 = entry["classes8"], entry["classes8_enrolled"]
        worst = min(entry["recall8_enrolled"].items(), key=lambda kv: kv[1])
        lines.append(f"| `{name}` | {_pct(c8['wa'])} | {_pct(e8['wa'])} | {_pct(e8['ua'])} | {_pct(e8['f1'])} | "
                     f"{_frac(entry['ece_enrolled'])} | {worst[0]} {_frac(worst[1])} | "
                     f"{_frac(entry['plain_neutral'])} | {_frac(entry['plain_neutral_enrolled'])} |")
    missing = [name for name, entry in data["models"].items() if "classes8_enrolled" not in entry]
    if missing:
        lines += ["", "Not yet scored enrolled or on TESS (their folds were run before this scoring existed; "
                  "`emovoice evaluate --models NAME` adds them): " + ", ".join(f"`{m}`" for m in missing) + "."]
    default = data["default_model"]
    entry = data["models"].get(default, {})
    if "classes8_enrolled" in entry:
        wa = float(np.mean(entry["classes8_enrolled"]["wa"]))
        worst = min(entry["recall8_enrolled"].values())
        lines += ["", f"Where the default `{default}` landed, enrolled: WA {100 * wa:.1f} % (target 77 %: "
                  f"{_met(wa >= 0.77)}); lowest class recall {100 * worst:.1f} % (target 60 %: {_met(worst >= 0.6)}); "
                  f"ECE {100 * entry['ece_enrolled']:.1f} % (target 4 %: {_met(entry['ece_enrolled'] <= 0.04)}); "
                  f"plain speech {100 * entry['plain_neutral_enrolled']:.1f} % of "
                  f"{entry['plain_neutral_clips']} held-out neutral clips (target 95 %: "
                  f"{_met(entry['plain_neutral_enrolled'] >= 0.95)}).",
                  "", "Per-class recall of the default, enrolled (pooled over folds): " + ", ".join(
                      f"{k} {100 * v:.1f}" for k, v in entry["recall8_enrolled"].items()) + "."]
    return lines


def inner_table(data: dict[str, Any]) -> list[str]:
    """What choices between recipes read: accuracy by inner cross-validation on each fold's training speakers."""
    rows = [(name, entry["inner_wa"]) for name, entry in data["models"].items() if entry.get("inner_wa")]
    if not rows:
        return []
    lines = ["", "## Inner cross-validation: the figure choices between models read", "",
             "Window accuracy (8 classes) of group 5-fold cross-validation over each outer fold's training "
             "speakers (each window against its speaker's neutral baseline for a `_rel` model), at the chosen C; "
             "mean ± std over the outer folds. No test speaker is in it. 'All windows' counts the clean and the "
             "augmented copies a recipe trains on, so it compares recipes trained on the same copies; 'clean "
             "windows' counts the clean ones alone, so it compares recipes trained on different copies. "
             "'Enrolled' scores the same held-out inner speakers as a user with a voice check is heard: clean "
             "clips, each speaker against the mean of 2 of their neutral clips (the seeded choice test speakers "
             "get), those 2 left out; clip accuracy and ECE at the chosen C and temperature. It compares recipes "
             "trained against different baselines on the footing users meet (measured for the models run since "
             "it was added; '–' where a model's folds predate it).",
             "", "| model | inner WA 8, all windows | inner WA 8, clean windows | inner WA 8 enrolled (clips) | "
             "inner ECE enrolled | outer WA 8 enrolled |", "|---|---|---|---|---|---|"]
    for name, inner in rows:
        entry = data["models"][name]
        enrolled = entry.get("classes8_enrolled", {}).get("wa", [])
        lines.append(f"| `{name}` | {_pct(inner)} | {_pct(entry.get('inner_clean_wa', []))} | "
                     f"{_pct(entry.get('inner_enrolled_wa', []))} | {_pct(entry.get('inner_enrolled_ece', []))} | "
                     f"{_pct(enrolled)} |")
    return lines


def write_cross_corpus_table(cross: dict[str, Any], path: Path) -> None:
    """``cross_corpus.md``: every model trained on RAVDESS only, tested on all of TESS."""
    default = cross["default_model"]
    lines = [
        "# Cross-corpus: trained on RAVDESS only, tested on all of TESS",
        "",
        f"Regenerate: `emovoice evaluate` (the last run was `{cross['command']}`)  ",
        f"Date: {cross['date']}  ",
        f"Machine: {cross['machine']}",
        "",
        "TESS: two actresses (OAF, 64; YAF, 26), another studio, \"Say the word ___\" with 200 words in seven "
        "emotions, 2,799 clips, no calm. Never trained on, never split. Each figure is the mean over the six "
        "fold models (each trained on 20 RAVDESS actors, the same models as `ser_ravdess.md`). "
        "UA 4: EmoBox's cross-corpus form, angry, happy, neutral and sad, calm folded into neutral, argmax over "
        "the four, unweighted average recall. Acc 7: accuracy over the seven TESS emotions, calm folded into "
        "neutral. Plain speech: share of neutral clips heard as neutral or calm (argmax of eight). Enrolled: "
        f"each actress heard against the mean of {ENROL_K} of her neutral clips (fixed, seeded choice; left out "
        "of the enrolled scores).",
        "",
        "Targets, enrolled: UA 4 ≥ 80 % with each of the four ≥ 60 %; plain speech ≥ 95 %. For scale: EmoBox's "
        "best transfer from RAVDESS to another corpus is 49.6 % UA 4.",
        "",
        "| model | UA 4 | UA 4 enrolled | neutral | happy | sad | angry | Acc 7 | Acc 7 enrolled | plain speech "
        "| plain speech enrolled |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in cross["models"].items():
        t = entry["tess"]
        recall = t["recall4_enrolled"]
        marker = " (default)" if name == default else " †" if t.get("seen_corpus") else ""
        lines.append(f"| `{name}`{marker} | {_frac(t['ua4'])} | {_frac(t['ua4_enrolled'])} | "
                     + " | ".join(_frac(recall[c]) for c in FOUR_CLASSES)
                     + f" | {_frac(t['acc7'])} | {_frac(t['acc7_enrolled'])} | {_frac(t['plain_neutral'])} | "
                     f"{_frac(t['plain_neutral_enrolled'])} |")
    lines += ["", "The four recall columns are enrolled."]
    if any(entry["tess"].get("seen_corpus") for entry in cross["models"].values()):
        lines += ["", "† Not a cross-corpus figure: each fold's model trained also on one TESS actress and is "
                  "scored here on the other one only (folds 1, 3 and 5 on YAF, 2, 4 and 6 on OAF). The corpus, "
                  "its studio, its carrier phrase and its words were seen in training; only the voice is new."]
    if default in cross["models"]:
        t = cross["models"][default]["tess"]
        worst = min(t["recall4_enrolled"].values())
        lines += ["", f"Where the default `{default}` landed: UA 4 enrolled {100 * t['ua4_enrolled']:.1f} % (target "
                  f"80 %: {_met(t['ua4_enrolled'] >= 0.8)}), lowest of the four {100 * worst:.1f} % (target 60 %: "
                  f"{_met(worst >= 0.6)}); plain speech enrolled {100 * t['plain_neutral_enrolled']:.1f} % (target "
                  f"95 %: {_met(t['plain_neutral_enrolled'] >= 0.95)}); un-enrolled UA 4 {100 * t['ua4']:.1f} %.",
                  "", CROSS_CORPUS_CHOICES,
                  "", f"Confusion matrices of `{default}` (rows true, columns predicted, summed over the six fold "
                  "models), enrolled:", "", "| | " + " | ".join(FOUR_CLASSES) + " |", "|---" * 5 + "|"]
        for label, row in zip(FOUR_CLASSES, t["confusion4_enrolled"], strict=True):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        lines += ["", "un-enrolled:", "", "| | " + " | ".join(FOUR_CLASSES) + " |", "|---" * 5 + "|"]
        for label, row in zip(FOUR_CLASSES, t["confusion4"], strict=True):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    path.write_text("\n".join(lines) + "\n")


def write_table(data: dict[str, Any], path: Path) -> None:
    default = data["default_model"]
    lines = [
        "# Speech emotion recognition on RAVDESS: speaker-disjoint six-fold cross-validation",
        "",
        "Regenerate everything: `emovoice evaluate` (runs of some models or folds merge into this file;",
        f"the last was `{data['command']}`)  ",
        f"Date: {data['date']}  ",
        f"Machine: {data['machine']}",
        "",
        "Folds: the EmoBox folds in `../shared/data/ravdess/folds.json` (four actors each); train on five,",
        "test on the sixth. Figures are mean ± standard deviation over folds, in percent.",
        "WA = accuracy, UA = unweighted average recall, F1 = macro-F1. Seven classes: calm clips left out,",
        "probabilities renormalised over the other seven. ECE: expected calibration error (15 bins), pooled",
        "over folds; 'before T' is the same model before temperature scaling (the temperature is fitted on",
        "inner out-of-fold predictions of the training speakers, never on the test fold).",
        f"**Default model: `{default}`.** Target: at least 65 % mean WA (8 classes).",
        "",
        "| model | folds | WA 8 | UA 8 | F1 8 | WA 7 | UA 7 | F1 7 | ECE | description |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in data["models"].items():
        c8, c7 = entry["classes8"], entry["classes7"]
        folds = _folds_run(entry)
        ece = f"{100 * entry['ece']:.1f}" if "ece" in entry else "–"
        if "ece_uncalibrated" in entry:
            ece += f" ({100 * entry['ece_uncalibrated']:.1f} before T)"
        marker = " (default)" if name == default else ""
        lines.append(f"| `{name}`{marker} | {folds}/6 | {_pct(c8['wa'])} | {_pct(c8['ua'])} | {_pct(c8['f1'])} | "
                     f"{_pct(c7['wa'])} | {_pct(c7['ua'])} | {_pct(c7['f1'])} | {ece} | "
                     f"{entry.get('description', '')} |")
    if default in data["models"]:
        mean_wa = 100 * float(np.mean(data["models"][default]["classes8"]["wa"]))
        verdict = "met" if mean_wa >= 65 else "NOT met"
        aim = "reached" if mean_wa >= 72 else "not reached"
        lines += ["", f"Where we landed: `{default}` has {mean_wa:.1f} % mean WA over the folds run: the 65 % "
                  f"target is {verdict}; the aim of 72 % is {aim}. For scale, EmoBox reports 55-66 % for frozen "
                  "base-size self-supervised models and 75.9 % for frozen Whisper large-v3 on these folds.",
                  "", DEFAULT_CHOICE]
    lines += enrolled_table(data)
    lines += inner_table(data)
    lines += ["", "## Robustness: WA (8 classes) on degraded copies of the test folds", "",
              "Noise: white, pink or brown noise at 5-20 dB SNR; reverb: synthetic room, RT60 0.3-0.8 s;",
              "codec: Opus at 12-24 kbit/s; gain: -30 to +10 dB with clipping. Fixed seed, unseen by training.",
              "", "| model | clean | noise | reverb | codec | gain |", "|---|---|---|---|---|---|"]
    for name, entry in data["models"].items():
        deg = entry.get("degraded_wa", {})
        if deg:
            cells = " | ".join(_pct(deg.get(k, [])) for k in ("noise", "reverb", "codec", "gain"))
            lines.append(f"| `{name}` | {_pct(entry['classes8']['wa'])} | {cells} |")
    if default in data["models"] and "per_class" in data["models"][default]:
        lines += ["", f"## Per-class figures of `{default}` (pooled over folds)", "",
                  "| emotion | precision | recall | F1 |", "|---|---|---|---|"]
        for label, stats in data["models"][default]["per_class"].items():
            lines.append(f"| {label} | {100 * stats['precision']:.1f} | {100 * stats['recall']:.1f} | "
                         f"{100 * stats['f1']:.1f} |")
        lines += ["", f"Confusion matrices: `confusion_{default}.png` / `.json` beside this file."]
    notes = []
    for name in RECIPES:
        done = _folds_run(data["models"].get(name))
        if done < N_FOLDS:
            notes.append(f"`{name}`: {done} of {N_FOLDS} folds run so far; "
                         f"{PENDING_NOTES.get(name, 'run `emovoice evaluate --models ' + name + '` for the rest.')}")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    path.write_text("\n".join(lines) + "\n")


def machine() -> str:
    """The machine the evaluation runs on, as the tables' Machine line says it: architecture,
    processor, CPU count (``os.cpu_count``) and the GPU torch sees, if any."""
    cores = os.cpu_count()
    return (f"{platform.machine()}, {platform.processor() or 'cpu'}, "
            f"{cores if cores else 'unknown'} core{'' if cores == 1 else 's'}, {_gpu()}")


def _gpu() -> str:
    try:
        import torch
    except ImportError:  # without torch no network could run on a GPU
        return "no GPU"
    if not torch.cuda.is_available():
        return "no GPU"
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if len(names) == 1:
        return f"GPU {names[0]}"
    return f"{len(names)} GPUs " + (names[0] if len(set(names)) == 1 else " / ".join(names))


def _entry(name: str, results: list[FoldResult], out_dir: Path) -> dict[str, Any]:
    metrics = fold_metrics(results)
    entry = {"description": make_recipe(name).description, "date": dt.date.today().isoformat(), **metrics}
    available = set.intersection(*(set(r.probabilities) for r in results))
    if UNCALIBRATED in available:
        entry["ece_uncalibrated"] = fold_metrics(results, UNCALIBRATED)["ece"]
    conditions = sorted(available - {"clean", UNCALIBRATED, ENROLLED})
    entry["degraded_wa"] = {c: fold_metrics(results, c)["classes8"]["wa"] for c in conditions}
    entry.update(enrolled_metrics(results))
    for key, field in (("inner_wa", "inner_accuracy_"), ("inner_clean_wa", "inner_clean_accuracy_"),
                       ("inner_enrolled_wa", "inner_enrolled_accuracy_"), ("inner_enrolled_ece", "inner_enrolled_ece_"),
                       ("inner_enrolled_ece_windows_t", "inner_enrolled_ece_windows_t_"),
                       ("windows_temperature", "windows_temperature_"),
                       ("chosen_c", "c_"), ("temperature", "temperature_")):
        if all(field in r.info for r in results):  # what inner cross-validation on the training speakers chose
            entry[key] = [float(r.info[field]) for r in results]
    tess = cross_corpus_metrics(results)
    if tess is not None:
        entry["tess"] = tess
    plot_confusion(np.array(metrics["confusion8"]), EMOTIONS, out_dir / f"confusion_{name}.png",
                   f"{name}: 8 classes, {len(results)} folds summed")
    (out_dir / f"confusion_{name}.json").write_text(json.dumps(
        {"labels8": list(EMOTIONS), "confusion8": metrics["confusion8"],
         "labels7": list(EMOTIONS7), "confusion7": metrics["confusion7"],
         "confusion8_enrolled": entry.get("confusion8_enrolled"),
         "folds": metrics["folds_done"]}, indent=1) + "\n")
    return entry


def _write(data: dict[str, Any], out_dir: Path) -> None:
    for name, entry in data["models"].items():  # descriptions follow the code
        entry["description"] = make_recipe(name).description
    order = [m for m in RECIPES if m in data["models"]]
    data["models"] = {m: data["models"][m] for m in order}
    data["default_model"] = DEFAULT_MODEL
    data["command"] = "emovoice evaluate " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["evaluate"] \
        else "emovoice evaluate"
    data["date"] = dt.date.today().isoformat()
    data["machine"] = machine()
    ravdess = {**data, "models": {m: {k: v for k, v in e.items() if k != "tess"} for m, e in data["models"].items()}}
    cross = {"default_model": DEFAULT_MODEL, "date": data["date"], "command": data["command"],
             "machine": data["machine"],
             "models": {m: {"tess": e["tess"]} for m, e in data["models"].items() if "tess" in e}}
    (out_dir / "ser_ravdess.json").write_text(json.dumps(ravdess, indent=1) + "\n")
    (out_dir / "cross_corpus.json").write_text(json.dumps(cross, indent=1) + "\n")
    write_table(data, out_dir / "ser_ravdess.md")
    write_cross_corpus_table(cross, out_dir / "cross_corpus.md")


def _read_results(out_dir: Path) -> dict[str, Any]:
    """The stored tables, with each model's TESS figures put back into its entry."""
    json_path = out_dir / "ser_ravdess.json"
    data: dict[str, Any] = json.loads(json_path.read_text()) if json_path.is_file() else {"models": {}}
    cross_path = out_dir / "cross_corpus.json"
    if cross_path.is_file():
        for name, entry in json.loads(cross_path.read_text()).get("models", {}).items():
            if name in data["models"]:
                data["models"][name]["tess"] = entry["tess"]
    return data


def evaluate(*, models: list[str] | None = None, folds: list[int] | None = None, root: Path | None = None,
             runs_dir: Path | None = None, out_dir: Path = Path("bench/results"), max_epochs: int | None = None,
             progress: bool = True, degraded: bool = True) -> dict[str, Any]:
    """Cross-validate ``models`` (default: all) and update ``ser_ravdess.json`` / ``.md``."""
    models = models or list(RECIPES)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _read_results(out_dir)
    for name in models:
        make_recipe(name)  # fails early on an unknown name
    for name in models:
        cross_validate(name, root=root, fold_numbers=folds, runs_dir=runs_dir, progress=progress,
                       degraded=degraded, max_epochs=max_epochs)
        results = finished_folds(name, runs_dir)  # with earlier partial runs' folds
        if results:
            data["models"][name] = _entry(name, results, out_dir)
        _write(data, out_dir)  # after each model, so an interrupted run keeps what it finished
    return data
