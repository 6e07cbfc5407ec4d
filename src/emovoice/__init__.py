"""emovoice: hear how a person speaks.

>>> import emovoice
>>> report = emovoice.analyze("answer.wav")  # doctest: +SKIP
>>> report.emotion, report.timeline[0].probabilities  # doctest: +SKIP
>>> analyzer = emovoice.Analyzer(transcriber="/path/to/ct2-whisper-base")  # doctest: +SKIP
>>> me = emovoice.make_baseline(["voice1.wav", "voice2.wav"])  # doctest: +SKIP
>>> emovoice.analyze("answer.wav", baseline=me).emotion  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emovoice.errors import (
    AudioError,
    CorruptAudioError,
    EmovoiceError,
    EmptyAudioError,
    ModelNotFoundError,
    NoSpeechError,
    NotAudioError,
    NotEnoughSpeechError,
    ParameterError,
    SilentAudioError,
    TooLongError,
    TooShortError,
)
from emovoice.labels import EMOTIONS

__version__ = "0.1.0"

__all__ = [
    "EMOTIONS",
    "Analyzer",
    "AudioError",
    "Baseline",
    "BaselineMismatchError",
    "CorruptAudioError",
    "EmotionModel",
    "EmotionReport",
    "EmovoiceError",
    "EmptyAudioError",
    "ModelNotFoundError",
    "NoSpeechError",
    "NotAudioError",
    "NotEnoughSpeechError",
    "ParameterError",
    "Report",
    "SilentAudioError",
    "TooLongError",
    "TooShortError",
    "analyze",
    "make_baseline",
]

if TYPE_CHECKING:
    from emovoice.analysis.analyzer import Analyzer, analyze, make_baseline
    from emovoice.analysis.report import EmotionReport, Report
    from emovoice.features.baseline import Baseline, BaselineMismatchError
    from emovoice.models.emotion import EmotionModel


def __getattr__(name: str) -> Any:
    # Imported on first use so that `import emovoice` stays light.
    if name in ("Baseline", "BaselineMismatchError"):
        from emovoice.features import baseline

        return getattr(baseline, name)
    if name in ("analyze", "Analyzer", "make_baseline"):
        from emovoice.analysis import analyzer

        return getattr(analyzer, name)
    if name in ("Report", "EmotionReport"):
        from emovoice.analysis import report

        return getattr(report, name)
    if name == "EmotionModel":
        from emovoice.models.emotion import EmotionModel

        return EmotionModel
    raise AttributeError(f"module 'emovoice' has no attribute {name!r}")
