"""emovoice: hear how a person speaks.

>>> import emovoice
>>> report = emovoice.analyze("answer.wav")  # doctest: +SKIP
>>> report.emotion, report.timeline[0].probabilities  # doctest: +SKIP
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
    ParameterError,
    SilentAudioError,
    TooLongError,
    TooShortError,
)
from emovoice.labels import EMOTIONS

__version__ = "0.1.0"

__all__ = [
    "EMOTIONS",
    "AudioError",
    "CorruptAudioError",
    "EmotionModel",
    "EmotionReport",
    "EmovoiceError",
    "EmptyAudioError",
    "ModelNotFoundError",
    "NoSpeechError",
    "NotAudioError",
    "ParameterError",
    "Report",
    "SilentAudioError",
    "TooLongError",
    "TooShortError",
    "analyze",
]

if TYPE_CHECKING:
    from emovoice.analysis.api import analyze
    from emovoice.analysis.delivery import Report
    from emovoice.analysis.emotion import EmotionReport
    from emovoice.models.emotion import EmotionModel


def __getattr__(name: str) -> Any:
    # Imported on first use so that `import emovoice` stays light.
    if name == "analyze":
        from emovoice.analysis.api import analyze

        return analyze
    if name == "Report":
        from emovoice.analysis.delivery import Report

        return Report
    if name == "EmotionReport":
        from emovoice.analysis.emotion import EmotionReport

        return EmotionReport
    if name == "EmotionModel":
        from emovoice.models.emotion import EmotionModel

        return EmotionModel
    raise AttributeError(f"module 'emovoice' has no attribute {name!r}")
