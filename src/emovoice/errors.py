"""Exception types raised by emovoice.

Every error caused by bad input derives from :class:`EmovoiceError`, so a caller
can catch that one type; the subclasses say what was wrong.
"""

from __future__ import annotations


class EmovoiceError(Exception):
    """Base class of every error emovoice raises on purpose."""


class ParameterError(EmovoiceError, ValueError):
    """An argument has the wrong type or value."""


class AudioError(EmovoiceError):
    """The audio given cannot be analysed."""


class NotAudioError(AudioError):
    """The input is not a recognised audio file or holds no audio stream."""


class CorruptAudioError(AudioError):
    """The input looks like audio but cannot be decoded."""


class EmptyAudioError(AudioError):
    """The input decodes to no samples at all."""


class TooShortError(AudioError):
    """The input is shorter than the shortest analysable recording."""


class TooLongError(AudioError):
    """The input is longer than the configured limit."""


class NoSpeechError(AudioError):
    """No one is speaking in the input (noise, a tone, a hum... or silence)."""


class SilentAudioError(NoSpeechError):
    """The input holds nothing but silence."""


class ModelNotFoundError(EmovoiceError):
    """A model file or a model dependency is missing."""


class NotEnoughSpeechError(AudioError):
    """Recordings meant for a baseline hold too little voiced speech to make one."""
