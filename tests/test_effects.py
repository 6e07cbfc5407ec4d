from __future__ import annotations

import numpy as np
import pytest

from emovoice.audio import Degradation, active_level, degrade, load, normalise_level
from emovoice.errors import ParameterError


@pytest.fixture(scope="module")
def speech(speech_wav):
    return load(speech_wav)


def test_level_normalisation_removes_gain(speech):
    loud = normalise_level(speech * 0.9)
    quiet = normalise_level(speech * 0.01)
    np.testing.assert_allclose(loud, quiet, rtol=1e-3, atol=1e-6)
    assert 20 * np.log10(active_level(loud)) == pytest.approx(-26.0, abs=0.1)


def test_active_level_ignores_pauses(speech):
    padded = np.concatenate([np.zeros(5 * 16_000, dtype=np.float32), speech, np.zeros(5 * 16_000, np.float32)])
    assert active_level(padded) == pytest.approx(active_level(speech), rel=0.05)


@pytest.mark.parametrize("kind", list(Degradation))
def test_degradations_are_deterministic_and_change_the_audio(speech, kind):
    a = degrade(speech, kind, rng=np.random.default_rng(3))
    b = degrade(speech, kind, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and np.all(np.isfinite(a))
    if kind is Degradation.CLEAN:
        np.testing.assert_array_equal(a, speech)
    elif kind is Degradation.SPEED:
        assert 0.85 * speech.size < a.size < 1.15 * speech.size
    else:
        assert a.size == speech.size
        assert not np.allclose(a, speech, atol=1e-3)


def test_noise_is_added_at_the_requested_snr(speech):
    rng = np.random.default_rng(0)
    noisy = degrade(speech, "noise", rng=rng)
    noise = noisy - speech
    snr = 20 * np.log10(active_level(speech) / np.sqrt(np.mean(noise ** 2)))
    assert 5 - 0.5 <= snr <= 20 + 0.5


def test_unknown_degradation_is_a_parameter_error(speech):
    with pytest.raises(ParameterError, match="unknown degradation"):
        degrade(speech, "underwater", rng=np.random.default_rng(0))


def test_a_phone_line_keeps_the_telephone_band_only(speech):
    from emovoice.features.spectral import power_spectrogram

    phone = degrade(speech, Degradation.PHONE, rng=np.random.default_rng(0))
    freqs = np.linspace(0, 8_000, 257)

    def share(wave, low, high):
        power = power_spectrogram(wave, n_fft=512, hop_length=256).sum(axis=1)
        return power[(freqs >= low) & (freqs < high)].sum() / power.sum()

    assert share(speech, 3_800, 8_000) > 20 * share(phone, 3_800, 8_000)
    assert share(speech, 0, 150) > 20 * share(phone, 0, 150)
    assert share(phone, 300, 3_400) > 0.95
    assert len(np.unique(np.round(np.abs(phone) / np.abs(phone).max(), 6))) <= 129  # 8-bit mu-law levels


def test_another_voice_moves_the_pitch_and_keeps_the_length(speech):
    import parselmouth
    from parselmouth.praat import call

    def median_pitch(wave):
        sound = parselmouth.Sound(wave.astype(np.float64), sampling_frequency=16_000)
        return call(call(sound, "To Pitch", 0.0, 75, 600), "Get quantile", 0, 0, 0.5, "Hertz")

    rng = np.random.default_rng(5)
    rng.uniform(0.88, 1.14)
    ratio = float(np.exp(rng.uniform(np.log(0.75), np.log(1.33))))  # the draw degrade makes with seed 5
    other = degrade(speech, Degradation.VOICE, rng=np.random.default_rng(5))
    assert other.size == speech.size
    assert median_pitch(other) / median_pitch(speech) == pytest.approx(ratio, rel=0.05)
