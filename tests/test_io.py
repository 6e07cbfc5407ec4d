from __future__ import annotations

import io
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from emovoice.audio import SAMPLE_RATE, Limits, decode, load
from emovoice.errors import (
    AudioError,
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
    ParameterError,
    SilentAudioError,
    TooLongError,
    TooShortError,
)
from encoded import encode


@pytest.fixture(scope="module")
def speech(speech_wav: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    wave, rate = sf.read(speech_wav, dtype="float32")
    return wave, rate


FORMATS = [("wav", "pcm_s16le"), ("flac", "flac"), ("mp3", "libmp3lame"), ("ogg", "libopus"),
           ("webm", "libopus"), ("ipod", "aac")]  # ipod = .m4a


@pytest.mark.parametrize(("fmt", "codec"), FORMATS)
@pytest.mark.parametrize("channels", [1, 2])
def test_common_formats_decode_to_16k_mono(tmp_path, speech, fmt, codec, channels):
    wave, rate = speech
    data = encode(wave, rate, fmt=fmt, codec=codec, channels=channels)
    path = tmp_path / f"clip.{fmt}"
    path.write_bytes(data)
    out = load(path)
    assert out.dtype == np.float32 and out.ndim == 1
    expected = wave.size * SAMPLE_RATE / rate
    assert abs(out.size - expected) < 0.1 * SAMPLE_RATE  # codec padding is under 0.1 s
    # the level survives decoding (lossy codecs keep the envelope)
    assert 0.5 < np.sqrt(np.mean(out ** 2)) / np.sqrt(np.mean(wave ** 2)) < 2.0


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000])
def test_any_sample_rate_is_resampled(tmp_path, rate):
    t = np.arange(int(1.5 * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / "tone.wav"
    path.write_bytes(encode(tone, rate, fmt="wav", codec="pcm_s16le"))
    out = load(path)
    assert abs(out.size - 1.5 * SAMPLE_RATE) <= 2
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / out.size - 440) < 2


def test_format_is_decided_by_content_not_name(tmp_path, speech):
    wave, rate = speech
    disguised = tmp_path / "answer.mp3"
    disguised.write_bytes(encode(wave, rate, fmt="flac", codec="flac"))
    assert load(disguised).size > SAMPLE_RATE
    fake = tmp_path / "answer.wav"
    fake.write_text("this is a text file, not audio\n" * 50)
    with pytest.raises(NotAudioError, match="not a recognised audio file"):
        load(fake)


def test_bytes_and_file_objects_load_like_paths(speech_wav):
    from_path = load(speech_wav)
    np.testing.assert_array_equal(load(speech_wav.read_bytes()), from_path)
    with open(speech_wav, "rb") as handle:
        np.testing.assert_array_equal(load(handle), from_path)


def test_a_browsers_webm_without_a_duration_is_remuxed_to_state_it(speech):
    """MediaRecorder's WebM is a live stream (no duration in its header); remuxed, it states its
    length and decodes to the same samples. Other files, and a WebM that states it, stay as they are."""
    from emovoice.audio import with_stated_duration

    wave, rate = speech
    live = encode(wave, rate, fmt="webm", codec="libopus", options={"live": "1"})
    with av.open(io.BytesIO(live)) as container:
        assert container.duration is None
    stated = with_stated_duration(live)
    with av.open(io.BytesIO(stated)) as container:
        assert container.format.name.startswith("matroska") and container.duration is not None
        assert abs(container.duration / 1e6 - wave.size / rate) < 0.1
    np.testing.assert_array_equal(decode(stated), decode(live))
    checked = with_stated_duration(live, duration_s=wave.size / rate)  # the decoded length: kept
    np.testing.assert_array_equal(decode(checked), decode(live))
    assert checked is not live and len(checked) == len(stated)
    assert with_stated_duration(live, duration_s=wave.size / rate + 1) is live  # a remux that lost a second
    for unchanged in (encode(wave, rate, fmt="webm", codec="libopus"), encode(wave, rate, fmt="wav", codec="pcm_s16le"),
                      live[:40], b"\x1a\x45\xdf\xa3 not matroska after all"):
        assert with_stated_duration(unchanged) is unchanged


def test_video_without_audio_is_not_audio(tmp_path):
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(NotAudioError, match="no audio stream"):
        load(buffer.getvalue())


def test_corrupt_audio_is_reported(tmp_path, speech):
    wave, rate = speech
    data = bytearray(encode(wave, rate, fmt="flac", codec="flac"))
    rng = np.random.default_rng(0)
    data[200:] = rng.integers(0, 256, len(data) - 200, dtype=np.uint8).tobytes()
    with pytest.raises((CorruptAudioError, NotAudioError)):
        load(bytes(data))
    truncated = encode(wave, rate, fmt="flac", codec="flac")[:60]
    with pytest.raises(AudioError):
        load(truncated)


def test_empty_file_and_empty_audio(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(NotAudioError):
        load(empty)
    no_samples = tmp_path / "nosamples.wav"
    import soundfile as sf

    sf.write(no_samples, np.zeros(0, dtype=np.float32), 16_000)
    with pytest.raises(EmptyAudioError):
        load(no_samples)


def test_silence_is_refused(sox, tmp_path):
    path = tmp_path / "silence.wav"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(path), "trim", "0", "3"], check=True)
    with pytest.raises(SilentAudioError, match="silent"):
        load(path)


def test_too_short_is_refused(sox, tmp_path):
    path = tmp_path / "short.wav"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(path), "synth", "0.3", "sine", "220"], check=True)
    with pytest.raises(TooShortError, match=r"0\.30 s long"):
        load(path)


def test_too_long_is_refused_without_decoding_it_all(sox, tmp_path):
    path = tmp_path / "long.flac"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(path), "synth", "660", "sine", "220"], check=True)
    with pytest.raises(TooLongError, match="limit is 600 s"):
        load(path)
    with pytest.raises(TooLongError):
        load(path, limits=Limits(max_duration_s=60))
    # a stream without a declared duration is cut off while decoding
    with open(path, "rb") as handle:
        data = handle.read()
    with pytest.raises(TooLongError):
        decode(data, max_duration_s=30)


def test_missing_file_and_wrong_type_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        load(tmp_path / "nope.wav")
    with pytest.raises(ParameterError, match="directory"):
        load(tmp_path)
    with pytest.raises(ParameterError):
        load(12345)  # type: ignore[arg-type]
