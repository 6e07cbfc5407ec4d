"""Train the default model on every speaker and write the files that ship."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from emovoice.datasets import tess
from emovoice.datasets.ravdess import Clip, load_clips
from emovoice.labels import EMOTIONS
from emovoice.models.emotion import DEFAULT_MODEL_NAME, default_model_path
from emovoice.training.cv import inner_enrolled_windows, population_of, training_windows
from emovoice.training.featurecache import extract
from emovoice.training.recipes import DEFAULT_MODEL, make_recipe

REPRODUCE = "emovoice train"


def cv_summary(results_json: Path, model: str) -> dict[str, Any]:
    """The cross-validation figures of ``model`` from the benchmark results, if present."""
    if not results_json.is_file():
        return {}
    data = json.loads(results_json.read_text())
    entry = data.get("models", {}).get(model, {})
    out: dict[str, Any] = {}
    for view in ("classes8", "classes7", "classes8_enrolled"):
        if view in entry:
            out[view] = {k: {"mean": float(np.mean(v)), "std": float(np.std(v)), "folds": v}
                         for k, v in entry[view].items() if isinstance(v, list)}
    for key in ("ece", "ece_uncalibrated", "folds_done", "ece_enrolled", "recall8_enrolled", "plain_neutral",
                "plain_neutral_enrolled"):
        if key in entry:
            out[key] = entry[key]
    if entry.get("degraded_wa"):
        out["degraded"] = {k: float(np.mean(v)) for k, v in entry["degraded_wa"].items()}
    return out


def cross_corpus_summary(cross_json: Path, model: str) -> dict[str, Any]:
    """The TESS figures of ``model`` from the benchmark results, if present."""
    if not cross_json.is_file():
        return {}
    entry = json.loads(cross_json.read_text()).get("models", {}).get(model, {}).get("tess", {})
    keys = ("ua4", "ua4_enrolled", "recall4_enrolled", "acc7", "acc7_enrolled", "plain_neutral",
            "plain_neutral_enrolled", "clips")
    return {k: entry[k] for k in keys if k in entry}


def refresh_card(*, onnx_path: Path | None = None,
                 results_json: Path = Path("bench/results/ser_ravdess.json")) -> Path:
    """Rewrite the shipped model's metadata and card with the latest cross-validation
    figures, without retraining."""
    onnx_path = default_model_path() if onnx_path is None else onnx_path
    meta_path = onnx_path.with_suffix(".json")
    metadata = json.loads(meta_path.read_text())
    metadata["cross_validation"] = cv_summary(results_json, metadata["model"])
    metadata["cross_corpus"] = cross_corpus_summary(results_json.parent / "cross_corpus.json", metadata["model"])
    metadata["description"] = make_recipe(metadata["model"]).description
    meta_path.write_text(json.dumps(metadata, indent=1) + "\n")
    card = onnx_path.parent / "MODEL_CARD.md"
    card.write_text(model_card(metadata))
    return card


def training_data(clips: list[Clip]) -> str:
    """What the shipped model was trained on, counted from ``clips``."""
    actors = len({c.actor for c in clips})
    who = f"all {actors} actors" if actors > 1 else f"{actors} actor"
    return f"RAVDESS speech, {who}, {len(clips):,} clips, 16 kHz"


def train_and_export(*, model: str | None = None, root: Path | None = None, out_dir: Path | None = None,
                     progress: bool = True, results_json: Path = Path("bench/results/ser_ravdess.json")) -> Path:
    """Fit ``model`` on every actor (clean and augmented) and export ONNX + metadata + card.

    Returns
    -------
    Path
        The written ``.onnx`` file.
    """
    model = model or DEFAULT_MODEL
    recipe = make_recipe(model)
    if not recipe.exports_onnx:
        from emovoice.errors import ParameterError

        raise ParameterError(f"model {model!r} has no ONNX export; use one of the whisper_* models")
    clips = load_clips(root)
    everyone = np.ones(len(clips), dtype=bool)
    extra = tess.load_clips() if recipe.tess_speaker else []  # such a model trains on both actresses
    X, y, groups, is_clean = training_windows(recipe, clips, everyone, progress=progress, extra=extra)
    recipe.fit(X, y, groups, clean=is_clean)
    n_windows = len(X)
    del X, y, groups, is_clean
    onnx_path = (default_model_path().parent if out_dir is None else Path(out_dir)) / f"{DEFAULT_MODEL_NAME}.onnx"
    frontend = recipe.serving_frontend()
    population = None
    if recipe.relative:
        clean = extract(recipe.frontend(), clips, progress=progress)
        # the inner figures users meet; a recipe calibrated for them fits its temperature here, before export
        recipe.measure_inner_enrolled(inner_enrolled_windows(clean, clips, everyone))
        population = recipe.serving_population(population_of(clean, clips, everyone))
    recipe.export_onnx(onnx_path, population=population)
    today = dt.date.today().isoformat()
    metadata = {
        "model": model,
        "description": recipe.description,
        "labels": list(EMOTIONS),
        "frontend": {"name": frontend.name, "version": frontend.version, "params": frontend.params()},
        "baseline": {
            "relative": recipe.relative,
            "population": (f"the mean of the {len({c.speaker for c in clips})} training speakers' baselines (each "
                           "the mean window of their neutral clips)") if recipe.relative else None,
            "shape": list(population.shape) if population is not None else None,
        },
        "training": {
            "data": training_data(clips),
            "speakers": len({c.actor for c in clips}),
            "augmentation": [d.value for d in recipe.augment],
            "windows": n_windows,
            "chosen_C": recipe.chosen_c,
            "temperature": recipe.temperature,
            "seed": recipe.seed,
        },
        "cross_validation": cv_summary(results_json, model),
        "cross_corpus": cross_corpus_summary(results_json.parent / "cross_corpus.json", model),
        "licence": "CC BY-NC-SA 4.0 (inherited from RAVDESS): non-commercial use only",
        "date": today,
        "reproduce": REPRODUCE,
        "machine": f"{platform.machine()} {platform.system()}",
    }
    onnx_path.with_suffix(".json").write_text(json.dumps(metadata, indent=1) + "\n")
    (onnx_path.parent / "MODEL_CARD.md").write_text(model_card(metadata))
    return onnx_path


def _fmt(stats: dict[str, Any], key: str) -> str:
    if key not in stats:
        return "n/a"
    return f"{100 * stats[key]['mean']:.1f} ± {100 * stats[key]['std']:.1f} %"


def model_card(meta: dict[str, Any]) -> str:
    cv = meta.get("cross_validation", {})
    cross = meta.get("cross_corpus", {})
    relative = bool(meta.get("baseline", {}).get("relative"))
    lines = [
        f"# Model card: emovoice emotion model (`{meta['model']}`)",
        "",
        f"{meta['description']}.",
        "",
    ]
    if relative:
        lines += [
            "## What it hears a voice against",
            "The model reads **baseline-relative** features: each window's features minus the speaker's baseline, "
            "the mean window of a few recordings of their everyday speech (`emovoice baseline`, "
            "`emovoice.make_baseline`). Trained that way, each training actor's baseline being the mean of their "
            "neutral clips. Without a baseline of the speaker's own it uses the **population baseline**, "
            f"{meta['baseline']['population']}, stored in the ONNX graph as the default of its `baseline` "
            "input; the report then says `\"reference\": \"population\"`, and a voice calmer or lower than the "
            "actors' neutral may read as sad. A baseline made by another front end is refused.",
            "",
        ]
    lines += [
        "## Data",
        f"- Training: {meta['training']['data']}; augmentation: "
        f"{', '.join(meta['training']['augmentation']) or 'none'}. Licence CC BY-NC-SA 4.0. Livingstone & Russo "
        "(2018), The Ryerson Audio-Visual Database of Emotional Speech and Song, PLoS ONE 13(5): e0196391.",
        "- Cross-corpus test only (never trained on): TESS, the Toronto Emotional Speech Set, two actresses, "
        + (f"{cross['clips']:,} clips, " if cross.get("clips") else "")
        + "seven emotions (no calm). Licence CC BY-NC-ND 4.0. Dupuis & Pichora-Fuller (2010), "
        "University of Toronto.",
        "- Labels: " + ", ".join(meta["labels"]) + ".",
        "",
        "## Evaluation 1: RAVDESS, six speaker-disjoint folds (EmoBox folds; mean ± std over folds)",
    ]
    for view, title in (("classes8", "8 classes, un-enrolled" if relative else "8 classes"),
                        ("classes7", "7 classes, calm left out"),
                        ("classes8_enrolled", "8 classes, enrolled (each test speaker heard against 2 of their "
                                              "neutral clips, left out of the scores)")):
        stats = cv.get(view, {})
        if stats:
            lines.append(f"- {title}: WA {_fmt(stats, 'wa')}, UA {_fmt(stats, 'ua')}, "
                         f"macro-F1 {_fmt(stats, 'f1')}")
    if "ece" in cv:
        before = (f" ({100 * cv['ece_uncalibrated']:.1f} % before temperature scaling)"
                  if "ece_uncalibrated" in cv else "")
        lines.append(f"- Expected calibration error (15 bins, pooled over folds): {100 * cv['ece']:.1f} %{before}"
                     + (f"; enrolled {100 * cv['ece_enrolled']:.1f} %" if "ece_enrolled" in cv else ""))
    if "recall8_enrolled" in cv:
        lines.append("- Per-class recall, enrolled: " + ", ".join(
            f"{k} {100 * v:.1f} %" for k, v in cv["recall8_enrolled"].items()))
    if "plain_neutral" in cv:
        lines.append(f"- Plain speech (held-out neutral clips heard as neutral or calm): "
                     f"{100 * cv['plain_neutral']:.1f} % un-enrolled, {100 * cv['plain_neutral_enrolled']:.1f} % "
                     "enrolled")
    if "degraded" in cv:
        lines.append("- WA (8 classes) on degraded copies of the test folds: " + ", ".join(
            f"{k} {100 * v:.1f} %" for k, v in cv["degraded"].items())
            + " (noise 5-20 dB SNR, reverb RT60 0.3-0.8 s, Opus 12-24 kbit/s, gain -30 to +10 dB)")
    if "folds_done" in cv:
        lines.append(f"- Folds evaluated: {', '.join(str(f) for f in cv['folds_done'])}; full table: "
                     "`bench/results/ser_ravdess.md`.")
    if not cv:
        lines.append("- Not yet evaluated: run `emovoice evaluate` first.")
    lines += ["", "## Evaluation 2: cross-corpus, trained on RAVDESS only, tested on all of TESS"]
    if cross:
        lines += [
            f"- 4 classes (angry, happy, neutral, sad; calm folded into neutral), unweighted average recall: "
            f"{100 * cross['ua4']:.1f} % un-enrolled, {100 * cross['ua4_enrolled']:.1f} % enrolled (each actress "
            "heard against 2 of her neutral clips); per class, enrolled: " + ", ".join(
                f"{k} {100 * v:.1f} %" for k, v in cross["recall4_enrolled"].items()),
            f"- 7 classes, accuracy: {100 * cross['acc7']:.1f} % un-enrolled, {100 * cross['acc7_enrolled']:.1f} % "
            "enrolled",
            f"- Plain speech (neutral clips heard as neutral or calm): {100 * cross['plain_neutral']:.1f} % "
            f"un-enrolled, {100 * cross['plain_neutral_enrolled']:.1f} % enrolled",
            "- The mean of the six fold models (each trained on 20 actors); TESS's figures were seen when this "
            "model was chosen among the variants, so they are optimistic by that choice. Full table: "
            "`bench/results/cross_corpus.md`.",
        ]
    else:
        lines.append("- Not yet evaluated: run `emovoice evaluate` first.")
    lines += [
        "",
        "## Use and limits",
        "- Trained on acted English speech from "
        + (f"{meta['training']['speakers']} North-American actors" if meta["training"].get("speakers")
           else "the RAVDESS actors (North-American)")
        + " reading two fixed sentences;",
        "  it will be less accurate on spontaneous speech, other languages, and children.",
        "- Every RAVDESS clip of the copy it was trained on lasts 2.39 s, many cut before their sentence"
        " ends: each is one window of 3 s, zero-padded, and its pooling leaves the padding out.",
        "- Probabilities are temperature-calibrated on training speakers only.",
        f"- Licence: {meta['licence']}; TESS, used only to test, is CC BY-NC-ND 4.0.",
        "",
        "## Provenance",
        f"- Date: {meta['date']}; machine: {meta['machine']}.",
        f"- Reproduce: `{meta['reproduce']}` (after `emovoice evaluate` for the figures above).",
        f"- Front end: `{meta['frontend']['name']}` {json.dumps(meta['frontend']['params'])}.",
        f"- Chosen C: {meta['training']['chosen_C']}; temperature: {meta['training']['temperature']}.",
        "",
    ]
    return "\n".join(lines)
