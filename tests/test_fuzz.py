"""Seeded fuzzing: mutated small recordings of every format give a result or an EmovoiceError, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import emovoice
from emovoice.analysis.analyzer import Analyzer
from emovoice.errors import AudioError
from encoded import encode
from test_io import FORMATS

CASES_PER_FORMAT = 50  # x 6 formats = 300 mutated recordings


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One random damage: flipped bytes, a cut, a hole, an insertion, a repeat or a zeroed run."""
    buf = bytearray(data)
    kind = int(rng.integers(0, 6))
    n = len(buf)
    if kind == 0:  # flip a few bytes anywhere (headers included)
        for pos in rng.integers(0, n, size=int(rng.integers(1, 12))):
            buf[pos] ^= int(rng.integers(1, 256))
    elif kind == 1:  # cut short
        buf = buf[: int(rng.integers(1, n))]
    elif kind == 2:  # a hole in the middle
        a = int(rng.integers(0, n))
        buf = buf[:a] + buf[a + int(rng.integers(1, max(2, n // 4))):]
    elif kind == 3:  # random bytes inserted
        a = int(rng.integers(0, n))
        buf = buf[:a] + bytearray(rng.integers(0, 256, int(rng.integers(1, 400)), dtype=np.uint8).tobytes()) + buf[a:]
    elif kind == 4:  # a stretch repeated (as a bad join or a resent packet)
        a = int(rng.integers(0, n))
        b = min(n, a + int(rng.integers(1, max(2, n // 3))))
        buf = buf[:b] + buf[a:b] + buf[b:]
    else:  # a run zeroed
        a = int(rng.integers(0, n))
        b = min(n, a + int(rng.integers(1, 2000)))
        buf[a:b] = bytes(b - a)
    return bytes(buf)


@pytest.fixture(scope="module")
def clips(speech_wav) -> dict[str, bytes]:
    wave, rate = sf.read(speech_wav, dtype="float32")
    wave = wave[: int(1.5 * rate)]
    out = {}
    for fmt, codec in FORMATS:
        for channels in (1, 2):
            out[f"{fmt}-{channels}"] = encode(wave, rate, fmt=fmt, codec=codec, channels=channels)
    return out


@pytest.mark.parametrize(("fmt", "codec"), FORMATS)
def test_mutated_recordings_give_a_result_or_a_clear_error(clips, fmt, codec):
    analyzer = Analyzer(transcribe=False)
    rng = np.random.default_rng([sum(map(ord, fmt)), 8])
    outcomes: dict[str, int] = {}
    for case in range(CASES_PER_FORMAT):
        data = mutate(clips[f"{fmt}-{1 + case % 2}"], rng)
        try:
            report = analyzer.analyze(data, delivery=False)
        except emovoice.EmovoiceError as exc:
            assert str(exc), "an error without a message"
            # damaged audio is an audio error of a named kind, never a bare or a model error
            assert isinstance(exc, AudioError) and type(exc) is not AudioError, repr(exc)
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
            continue
        # a result must be a sane one
        assert report.emotion in emovoice.EMOTIONS
        assert sum(report.probabilities.values()) == pytest.approx(1, abs=1e-3)
        assert report.duration_s >= 0.5
        outcomes["analysed"] = outcomes.get("analysed", 0) + 1
    # the damage is mild enough that some recordings still get analysed
    assert outcomes.get("analysed", 0) > 0, outcomes
