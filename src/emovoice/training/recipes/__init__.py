"""Every model emovoice trains, by name: the one registry of recipes.

A recipe (:class:`~emovoice.training.recipes.base.Recipe`) couples a front end with a
classifier over its window features. The classic and Whisper recipes are in
:mod:`~emovoice.training.recipes.classic`, the PyTorch networks in
:mod:`~emovoice.training.recipes.neural` (imported, with torch, only when one is made).
:data:`REGISTRY` names each model and its settings; :func:`make_recipe` makes a fresh,
unfitted one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emovoice.audio import Degradation
from emovoice.errors import ParameterError
from emovoice.features.whisper import WhisperModel
from emovoice.features.whisper_onnx import EncoderPrecision
from emovoice.training.recipes.base import Recipe
from emovoice.training.recipes.classic import Chance, SklearnRecipe, WhisperLogReg, WhisperProsodyLogReg
from emovoice.training.recipes.ensemble import Ensemble

__all__ = ["AUGMENTATIONS", "DEFAULT_MODEL", "RECIPES", "REGISTRY", "Recipe", "RecipeSpec", "make_recipe"]

AUGMENTATIONS = (Degradation.NOISE, Degradation.REVERB, Degradation.CODEC, Degradation.GAIN)


def _network(**settings: Any) -> Recipe:
    from emovoice.training.recipes.neural import TorchRecipe  # imports torch: only when a network is made

    return TorchRecipe(**settings)


@dataclass(frozen=True)
class RecipeSpec:
    """One named model: what makes it (a recipe class, or a function returning one) and its settings."""

    make: Callable[..., Recipe]
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, name: str) -> Recipe:
        return self.make(name=name, **self.settings)


def _spec(make: Callable[..., Recipe], **settings: Any) -> RecipeSpec:
    return RecipeSpec(make, settings)


REGISTRY: dict[str, RecipeSpec] = {
    "chance": _spec(Chance),
    "stats_pca_svm": _spec(SklearnRecipe, kind="pca_svm", frontend_name="frame_stats",
                           description="statistics of frame features + deltas, PCA 95 %, RBF SVM"),
    "egemaps_svm": _spec(SklearnRecipe, kind="svm", frontend_name="egemaps",
                         description="openSMILE eGeMAPS v02 functionals, RBF SVM"),
    "egemaps_svm_rel": _spec(SklearnRecipe, kind="svm", frontend_name="egemaps", relative=True,
                             description="openSMILE eGeMAPS v02 functionals minus the speaker's neutral baseline, "
                                         "RBF SVM"),
    "mfcc_cnn1d": _spec(_network, net="vector_cnn",
                        description="means of 13 MFCCs + 128 mels, min-max scaled, 1-D CNN",
                        epochs=120, batch_size=64, lr=1e-3),
    "mfcc_lstm": _spec(_network, net="vector_lstm",
                       description="means of 13 MFCCs + 128 mels, min-max scaled, LSTM reading the vector as one "
                                   "step",
                       epochs=60, batch_size=64, lr=2e-3),
    "mfcc_lstm_seq": _spec(_network, net="vector_lstm_seq",
                           description="the same LSTM reading the vector as 141 steps of one value, outputs "
                                       "averaged",
                           epochs=30, batch_size=64, lr=2e-3),
    "cnn_lstm": _spec(_network, net="cnn_lstm", description="seed time-distributed CNN-LSTM on log-mel frames",
                      epochs=30, batch_size=32, lr=1e-3, spec_augment=True),
    "whisper_last_lr": _spec(WhisperLogReg, layers=(4,),
                             description="Whisper tiny.en encoder, final layer only, mean+std pooled, "
                                         "logistic regression (the frozen-final-layer reference)"),
    "whisper_lr": _spec(WhisperLogReg),
    "whisper_lr_aug": _spec(WhisperLogReg, augment=AUGMENTATIONS,
                            description="Whisper tiny.en encoder, 5 layers mean+std pooled, logistic regression, "
                                        "trained on clean plus noisy, reverberant, codec and gain-changed copies"),
    "whisper3_lr_aug": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                             description="Whisper tiny.en encoder, hidden states 0-3 (first three blocks) "
                                         "mean+std pooled, logistic regression, trained on clean plus noisy, "
                                         "reverberant, codec and gain-changed copies"),
    "whisper_lr_aug_rel": _spec(WhisperLogReg, augment=AUGMENTATIONS, relative=True,
                                description="as whisper_lr_aug (hidden states 0-4), on features minus the "
                                            "speaker's neutral baseline"),
    "whisper3_lr_aug_rel": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3), relative=True,
                                 description="as whisper3_lr_aug, on features minus the speaker's neutral "
                                             "baseline"),
    "whisper2_lr_aug_rel": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2), relative=True,
                                 description="as whisper3_lr_aug_rel with hidden states 0-2 (first two blocks): "
                                             "a third less encoder work"),
    "whisper3_lr_augvoice_rel": _spec(WhisperLogReg, augment=(*AUGMENTATIONS, Degradation.SPEED, Degradation.PHONE,
                                                              Degradation.VOICE),
                                      layers=(0, 1, 2, 3), relative=True,
                                      description="as whisper3_lr_aug_rel, trained also on speed-changed (0.9-1.1), "
                                                  "telephone-band and other-voice copies (formants x0.88-1.14, "
                                                  "pitch x0.75-1.33)"),
    "whisper3_lr_aug_rel_int8": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3), relative=True,
                                      precision=EncoderPrecision.INT8,
                                      description="as whisper3_lr_aug_rel, the encoder's matrix products in int8 "
                                                  "(7-bit weights per channel, inputs quantised as they run), "
                                                  "trained on its own features"),
    "whisper3_lr_aug_rel_int8conv": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3), relative=True,
                                          precision=EncoderPrecision.INT8_CONV,
                                          description="as whisper3_lr_aug_rel_int8, the two convolutions also "
                                                      "int8 (each one matrix product over its three taps)"),
    "whisper3_lr_aug_rel_int8conv_draws": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                relative=True, precision=EncoderPrecision.INT8_CONV,
                                                baseline_draws=3,
                                                description="as whisper3_lr_aug_rel_int8conv, each training window "
                                                            "measured against 3 baselines, each the mean of 2 of the "
                                                            "speaker's other neutral clips drawn at random (as a new "
                                                            "speaker enrols), so inner cross-validation picks C and "
                                                            "the temperature under that noise"),
    "whisper3_lr_aug_rel_int8conv_widec": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                relative=True, precision=EncoderPrecision.INT8_CONV,
                                                c_grid=(0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03),
                                                description="as whisper3_lr_aug_rel_int8conv, with C chosen from "
                                                            "0.0001-0.03 instead of 0.001-0.03"),
    "whisper3_lr_aug_rel_int8conv_enrolt": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                 relative=True, precision=EncoderPrecision.INT8_CONV,
                                                 calibrate_enrolled=True,
                                                 description="as whisper3_lr_aug_rel_int8conv, its temperature fitted "
                                                             "on inner cross-validation's held-out speakers heard as "
                                                             "users are (clean clips against 2 of their neutral "
                                                             "clips) instead of on the training windows"),
    "whisper3_lr_aug_rel_int8conv_pros3": _spec(WhisperProsodyLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                relative=True, precision=EncoderPrecision.INT8_CONV,
                                                prosody_weight=3.0,
                                                description="as whisper3_lr_aug_rel_int8conv, with 12 pitch, level and "
                                                            "spectral-tilt statistics of the window beside the hidden "
                                                            "states (minus the speaker's baseline too), their "
                                                            "standardised columns weighted 3"),
    "whisper3_lr_aug_rel_int8conv_pros10": _spec(WhisperProsodyLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                 relative=True, precision=EncoderPrecision.INT8_CONV,
                                                 prosody_weight=10.0,
                                                 description="as whisper3_lr_aug_rel_int8conv_pros3, the prosodic "
                                                             "columns weighted 10"),
    "whisper3_lr_aug_rel_int8conv_tess": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                               relative=True, precision=EncoderPrecision.INT8_CONV,
                                               tess_speaker=True,
                                               description="as whisper3_lr_aug_rel_int8conv, trained also on one "
                                                           "TESS actress (all her clips, clean and augmented, "
                                                           "against her own baseline; one more group for inner "
                                                           "cross-validation); its TESS figures are the other "
                                                           "actress's: the corpus seen, not cross-corpus"),
    "whisper3_lr_aug_rel_int8conv_tess_rin": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                   relative=True, precision=EncoderPrecision.INT8_CONV,
                                                   tess_speaker=True, hold_out_extra=False,
                                                   description="as whisper3_lr_aug_rel_int8conv_tess, its inner "
                                                               "cross-validation holding out RAVDESS speakers only "
                                                               "(the TESS actress trains in every inner fold), so "
                                                               "C and the temperature are chosen on RAVDESS voices"),
    "whisper3_lr_aug_rel_int8conv_tess_w": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3),
                                                 relative=True, precision=EncoderPrecision.INT8_CONV,
                                                 tess_speaker=True, hold_out_extra=False, extra_as_one_speaker=True,
                                                 description="as whisper3_lr_aug_rel_int8conv_tess_rin, the TESS "
                                                             "actress's windows weighted in the loss so that she "
                                                             "counts as much as one average RAVDESS training actor"),
    "whisper3_lr_aug_rel_bal": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3), relative=True,
                                     class_weight="balanced",
                                     description="as whisper3_lr_aug_rel, with class-balanced loss weights"),
    "whisper3_lr_aug_rel_loo": _spec(WhisperLogReg, augment=AUGMENTATIONS, layers=(0, 1, 2, 3), relative=True,
                                     leave_one_out=True,
                                     description="as whisper3_lr_aug_rel, a training neutral clip measured "
                                                 "against the baseline of the speaker's other neutral clips"),
    "whisperbase_lr_aug_rel": _spec(WhisperLogReg, augment=AUGMENTATIONS, relative=True,
                                    encoder=WhisperModel.BASE, layers=(0, 1, 2, 3, 4, 5, 6),
                                    description="Whisper base (multilingual) encoder, all 7 hidden states mean+std "
                                                "pooled, on features minus the speaker's neutral baseline, logistic "
                                                "regression, trained on clean and degraded copies"),
    "ens_whisper3_base_rel": _spec(Ensemble, members=("whisper3_lr_aug_rel", "whisperbase_lr_aug_rel"),
                                   description="the mean of whisper3_lr_aug_rel's and whisperbase_lr_aug_rel's "
                                               "probabilities (equal weights, fixed in advance)"),
}
"""Every model by name, in the order of the results tables."""

RECIPES = tuple(REGISTRY)
DEFAULT_MODEL = "whisper3_lr_aug_rel_int8conv"


def make_recipe(name: str) -> Recipe:
    """A new, unfitted recipe of the model called ``name`` (one of :data:`RECIPES`)."""
    if name not in REGISTRY:
        raise ParameterError(f"unknown model {name!r}; one of {', '.join(RECIPES)}")
    return REGISTRY[name](name)
