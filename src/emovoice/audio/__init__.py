"""Audio in: any common format, or an array, brought to checked 16 kHz mono; its level; training-side damage.

The modules, each with one job:

- ``limits``: the working sample rate, the duration and silence limits, and the check against them;
- ``sources``: paths, bytes and binary file objects, opened safely for the decoder;
- ``containers``: Ogg pages and chained links, and whether an Ogg or WAV file is complete;
- ``decoding``: decoding with PyAV (FFmpeg) to mono, :func:`prepare` for files and arrays alike, and a
  browser's WebM remuxed to state its length;
- ``arrays``: arrays of samples as input, and resampling;
- ``level``: the active speech level and normalisation to it (serving);
- ``degrade``: noise, reverb, codec, gain and speed damage for augmentation and robustness tests (training).

What the rest of emovoice uses is exported here.
"""

from __future__ import annotations

from emovoice.audio.arrays import load_array
from emovoice.audio.containers import ogg_links
from emovoice.audio.decoding import (
    DecodedAudio,
    decode,
    decode_audio,
    load,
    load_audio,
    prepare,
    with_stated_duration,
)
from emovoice.audio.degrade import Degradation, degrade
from emovoice.audio.level import active_level, level_gain, normalise_level
from emovoice.audio.limits import DEFAULT_LIMITS, DEFAULT_MAX_DURATION_S, SAMPLE_RATE, Limits
from emovoice.audio.sources import AudioSource, named_bytes

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_DURATION_S",
    "SAMPLE_RATE",
    "AudioSource",
    "DecodedAudio",
    "Degradation",
    "Limits",
    "active_level",
    "decode",
    "decode_audio",
    "degrade",
    "level_gain",
    "load",
    "load_array",
    "load_audio",
    "named_bytes",
    "normalise_level",
    "ogg_links",
    "prepare",
    "with_stated_duration",
]
