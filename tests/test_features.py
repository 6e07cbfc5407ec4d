from __future__ import annotations

import librosa
import numpy as np
import pytest

from emovoice.audio import load
from emovoice.features.chunks import CHUNK_SAMPLES, chunk, chunk_starts, chunk_times
from emovoice.features.seed import frame_statistics, mean_mfcc_mel, td_logmel
from emovoice.features.spectral import log_mel_spectrogram, mel_filterbank, mfcc, power_spectrogram
from emovoice.features.whisper import WhisperEncoder, default_model_dir, whisper_log_mel


@pytest.fixture(scope="module")
def speech(speech_wav):
    # a little dither: espeak-ng's pauses are digital zeros, where float32 and float64
    # round-off alone differ by tens of dB
    wave = load(speech_wav)
    return wave + np.random.default_rng(0).normal(0, 1e-3, wave.size).astype(np.float32)


@pytest.mark.parametrize(("n_fft", "n_mels", "fmax"), [(512, 128, 4000.0), (400, 80, None), (2048, 128, None)])
def test_mel_filterbank_matches_librosa(n_fft, n_mels, fmax):
    ours = mel_filterbank(sample_rate=16_000, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    ref = librosa.filters.mel(sr=16_000, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_seed_log_mel_matches_librosa(speech):
    ours = log_mel_spectrogram(speech, sample_rate=16_000, n_fft=512, win_length=256, window="hamming",
                               hop_length=128, n_mels=128, fmax=4000)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(
        y=speech, sr=16_000, n_fft=512, win_length=256, window="hamming", hop_length=128, n_mels=128,
        fmax=4000), ref=np.max)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=0.05)


def test_mfcc_matches_librosa(speech):
    ours = mfcc(speech, sample_rate=16_000, n_mfcc=13)
    ref = librosa.feature.mfcc(y=speech, sr=16_000, n_mfcc=13)
    np.testing.assert_allclose(ours, ref, atol=0.05)


def test_power_spectrogram_finds_a_tone():
    t = np.arange(16_000) / 16_000
    power = power_spectrogram(np.sin(2 * np.pi * 1000 * t), n_fft=512, hop_length=128)
    assert power.shape == (257, 126)
    assert np.argmax(power[:, 60]) == 32  # 1000 Hz / (16000 / 512)


@pytest.mark.parametrize(("n_samples", "expected"), [
    (8_000, [0]), (CHUNK_SAMPLES, [0]), (CHUNK_SAMPLES + 100, [0, 100]),
    (CHUNK_SAMPLES + 16_000, [0, 16_000]), (CHUNK_SAMPLES + 20_000, [0, 16_000, 20_000]),
])
def test_windows_cover_the_recording(n_samples, expected):
    assert chunk_starts(n_samples).tolist() == expected


def test_chunks_are_z_normalised_and_short_clips_padded():
    wave = np.random.default_rng(0).normal(0.3, 0.01, 20_000).astype(np.float32)
    out = chunk(wave)
    assert out.shape == (1, CHUNK_SAMPLES)
    assert abs(out.mean()) < 1e-4 and abs(out.std() - 1) < 1e-3
    times = chunk_times(60 * 16_000, sample_rate=16_000)
    assert times[0].tolist() == [0.0, CHUNK_SAMPLES / 16_000] and times[-1, 1] == 60.0


def test_time_distributed_log_mel_shape(speech):
    frames = td_logmel(chunk(speech))
    assert frames.shape == (len(chunk_starts(speech.size)), 5, 128, 128)
    assert frames.max() <= 1e-4 and frames.min() >= -80.0 - 1e-4


def test_statistics_features_have_fixed_size(speech):
    assert mean_mfcc_mel(speech).shape == (141,)
    stats = frame_statistics(speech)
    assert stats.shape == (340,) and np.all(np.isfinite(stats))


def test_whisper_features_match_faster_whisper(speech):
    from faster_whisper.feature_extractor import FeatureExtractor

    padded = np.zeros(480_000, dtype=np.float32)
    padded[: speech.size] = speech
    ours = whisper_log_mel(padded)
    ref = FeatureExtractor()(padded)[:, :3000]
    np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_numpy_whisper_encoder_matches_ctranslate2(speech):
    import ctranslate2
    from faster_whisper import WhisperModel

    padded = np.zeros(480_000, dtype=np.float32)
    padded[: speech.size] = speech
    mel = whisper_log_mel(padded)
    ours = WhisperEncoder.from_ctranslate2().hidden_states(mel)[-1, 0]
    model = WhisperModel(str(default_model_dir()), device="cpu", compute_type="float32")
    ref = np.array(model.model.encode(ctranslate2.StorageView.from_array(mel[None])))[0]
    np.testing.assert_allclose(ours, ref, atol=2e-3)


def test_encoder_runs_part_of_the_blocks(speech):
    encoder = WhisperEncoder.from_ctranslate2()
    mel = whisper_log_mel(speech[: 3 * 16_000])
    full = encoder.hidden_states(mel)
    part = encoder.hidden_states(mel, n_blocks=2)
    assert full.shape[0] == 5 and part.shape[0] == 3
    np.testing.assert_allclose(part, full[:3], atol=1e-5)


def test_onnx_encoder_matches_the_numpy_reference(speech, tmp_path, monkeypatch):
    from emovoice.features.whisper_onnx import OnnxWhisperEncoder
    from emovoice.settings import get_settings

    monkeypatch.setenv("EMOVOICE_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    tmp_path = tmp_path / "models"
    windows = np.stack([whisper_log_mel(speech[i:i + 49_100]) for i in (0, 16_000)])
    reference = WhisperEncoder.from_ctranslate2().hidden_states(windows)
    built = OnnxWhisperEncoder.from_ctranslate2()
    assert len(list(tmp_path.glob("whisper-encoder-*.onnx"))) == 1  # built once, then cached
    cached = OnnxWhisperEncoder.from_ctranslate2()
    cached.batch_size = 1  # windows one at a time give the same states as a batch
    for encoder in (built, cached):
        np.testing.assert_allclose(encoder.hidden_states(windows), reference, atol=2e-3)
    two = OnnxWhisperEncoder.from_ctranslate2(n_blocks=2).hidden_states(windows)
    np.testing.assert_allclose(two, reference[:3], atol=2e-3)


def test_an_onnx_encoder_asked_for_other_blocks_raises_an_emovoice_error():
    from emovoice.errors import EmovoiceError, ParameterError
    from emovoice.features.whisper_onnx import OnnxWhisperEncoder

    encoder = OnnxWhisperEncoder(session=None, n_blocks=4)  # refused before the session runs
    with pytest.raises(EmovoiceError, match="computes 4 blocks, not 2") as raised:
        encoder.hidden_states(np.zeros((80, 300), dtype=np.float32), n_blocks=2)
    assert isinstance(raised.value, ParameterError)


def test_batched_whisper_features_equal_one_at_a_time(speech):
    windows = chunk(speech, normalise=False)
    np.testing.assert_array_equal(whisper_log_mel(windows), np.stack([whisper_log_mel(w) for w in windows]))


def test_whisper_base_is_joined_once_and_runs_as_ctranslate2_does(speech, tmp_path):
    import ctranslate2
    from faster_whisper import WhisperModel

    from emovoice.features.whisper import whisper_base_model_dir

    directory = whisper_base_model_dir(tmp_path / "base")
    joined = directory / "model.bin"
    first = joined.stat().st_mtime_ns
    assert whisper_base_model_dir(tmp_path / "base") == directory and joined.stat().st_mtime_ns == first
    encoder = WhisperEncoder.from_ctranslate2(directory)
    assert (encoder.n_layers, encoder.width) == (6, 512)
    padded = np.zeros(480_000, dtype=np.float32)
    padded[: speech.size] = speech
    mel = whisper_log_mel(padded)
    ours = encoder.hidden_states(mel)
    assert ours.shape == (7, 1, 1500, 512)
    model = WhisperModel(str(directory), device="cpu", compute_type="float32")
    ref = np.array(model.model.encode(ctranslate2.StorageView.from_array(mel[None])))[0]
    np.testing.assert_allclose(ours[-1, 0], ref, atol=2e-3)


def test_model_parts_are_joined_in_order_and_a_short_join_is_redone(tmp_path):
    from emovoice.errors import ModelNotFoundError
    from emovoice.features.whisper import join_parts

    one, two = tmp_path / "model.bin.part1", tmp_path / "model.bin.part2"
    one.write_bytes(b"abc")
    two.write_bytes(b"defg")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "model.bin").write_bytes(b"abc")  # cut off by an earlier run
    assert (join_parts([one, two], tmp_path / "out") / "model.bin").read_bytes() == b"abcdefg"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["model.bin"]  # no partial file left
    with pytest.raises(ModelNotFoundError, match="part3"):
        join_parts([one, tmp_path / "model.bin.part3"], tmp_path / "out")


def test_the_whisper_front_end_names_its_encoder_and_refuses_others():
    from emovoice.errors import ParameterError
    from emovoice.features.frontends import WhisperPooled
    from emovoice.training.recipes import make_recipe

    # tiny.en's parameters are those its cached features and saved baselines were made with
    assert "whisper" not in WhisperPooled(max_layer=4).params()
    assert make_recipe("whisper3_lr_aug_rel").frontend().params() == WhisperPooled(max_layer=4).params()
    base = make_recipe("whisperbase_lr_aug_rel").frontend()
    assert base.params()["whisper"] == "base" and base.params()["max_layer"] == 6
    with pytest.raises(ParameterError, match="unknown Whisper model 'small'"):
        WhisperPooled(whisper="small")
    with pytest.raises(ParameterError, match="hidden states 0-4, not 6"):
        WhisperPooled(max_layer=6)


def test_window_log_mels_from_one_spectrogram_equal_each_window_on_its_own(speech):
    from emovoice.features.whisper import whisper_log_mel_windows

    wave = np.concatenate([speech, speech[:7_321]])
    gains = np.float32([0.5, 3.0, 40.0, 1.0, 7.5, 0.2, 2.0, 9.0, 1.5, 0.8, 4.0, 30.0])
    # 49,100 samples: frames from the shared spectrogram; 48,000: the last frame reaches past the
    # window, so each is computed on its own
    for window in (CHUNK_SAMPLES, 48_000):
        starts = chunk_starts(wave.size, chunk_samples=window)
        assert starts[-1] % 160 != 0  # the last window is aligned to the end, off the hop grid
        g = np.resize(gains, starts.size)
        expected = whisper_log_mel(np.stack([wave[s:s + window] * k for s, k in zip(starts, g, strict=True)]))
        got = whisper_log_mel_windows(wave, starts=starts, window_samples=window, gains=g)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_the_whisper_front_end_pools_each_level_normalised_window_as_if_alone(speech):
    from emovoice.audio import level_gain, normalise_level
    from emovoice.features.frontends import WINDOW_BATCH, WhisperPooled

    frontend = WhisperPooled(max_layer=2)
    wave = np.concatenate([speech, 0.05 * speech, speech, speech[:5_000]])  # a quieter stretch, an end off the grid
    windows = np.stack([normalise_level(w) for w in chunk(wave, normalise=False)])
    assert len(windows) > WINDOW_BATCH
    expected = np.concatenate([frontend._pooled(windows[i:i + 4], whisper_log_mel(windows[i:i + 4]))
                               for i in range(0, len(windows), 4)])
    np.testing.assert_allclose(frontend.windows(wave), expected, atol=1e-4)
    np.testing.assert_array_equal(normalise_level(wave), wave * level_gain(wave))


def test_an_int8_encoder_stays_near_float32_and_hears_each_window_alone(speech, tmp_path, monkeypatch, caplog):
    import logging

    from emovoice.features.whisper_onnx import EncoderPrecision, OnnxWhisperEncoder
    from emovoice.settings import get_settings

    caplog.set_level(logging.INFO)
    monkeypatch.setenv("EMOVOICE_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    windows = np.stack([whisper_log_mel(speech[i:i + 49_100]) for i in (0, 8_000, 16_000)])
    exact = OnnxWhisperEncoder.from_ctranslate2(n_blocks=3).hidden_states(windows)
    int8 = OnnxWhisperEncoder.from_ctranslate2(n_blocks=3, precision="int8")
    assert int8.precision is EncoderPrecision.INT8 and int8.batch_size == 1
    # building it says nothing in the server's log ("Quantization parameters for tensor ... not specified")
    assert not [r.getMessage() for r in caplog.records if "quantization" in r.pathname], caplog.text[:500]
    assert {p.name.endswith("-int8.onnx") for p in (tmp_path / "models").glob("whisper-encoder-*.onnx")} == {
        False, True}  # the two graphs are cached apart
    states = int8.hidden_states(windows)
    error = np.sqrt(((states - exact) ** 2).mean(axis=(1, 2, 3)) / (exact ** 2).mean(axis=(1, 2, 3)))
    np.testing.assert_array_equal(error[0], 0.0)  # hidden state 0 has no matrix product before it
    assert np.all(error[1:] > 1e-4) and np.all(error[1:] < 0.08)  # quantised, and close
    # one window at a time: a window's states do not depend on the windows beside it
    np.testing.assert_array_equal(states[:, 1:2], int8.hidden_states(windows[1:2]))
    # the blocks that are computed do not depend on how many are
    np.testing.assert_array_equal(
        OnnxWhisperEncoder.from_ctranslate2(n_blocks=4, precision="int8").hidden_states(windows)[:4], states)


def test_the_int8_front_end_names_its_precision_so_float32_features_are_never_mixed_in():
    from emovoice.errors import ParameterError
    from emovoice.features.frontends import WhisperPooled, make_frontend

    assert "precision" not in WhisperPooled(max_layer=3).params()  # float32's cached features keep their keys
    int8 = WhisperPooled(max_layer=3, precision="int8")
    assert int8.params()["precision"] == "int8" and int8.params() != WhisperPooled(max_layer=3).params()
    assert make_frontend("whisper_pooled", int8.params()) == int8
    with pytest.raises(ParameterError, match="unknown encoder precision 'int4'; one of float32, int8"):
        WhisperPooled(precision="int4")


def test_the_convolutions_as_matrix_products_compute_what_conv_computes(speech, tmp_path, monkeypatch):
    import onnxruntime as ort

    from emovoice.features.whisper import read_ctranslate2_variables
    from emovoice.features.whisper_onnx import OnnxWhisperEncoder, build_graph
    from emovoice.settings import get_settings

    weights = {k: np.asarray(v, dtype=np.float32)
               for k, v in read_ctranslate2_variables(default_model_dir() / "model.bin").items()}
    sessions = [ort.InferenceSession(build_graph(weights, n_blocks=1, conv_as_matmul=flag),
                                     providers=["CPUExecutionProvider"]) for flag in (False, True)]
    for samples in (49_100, 48_000, 48_160):  # an odd and an even number of frames: conv2 halves them
        mel = whisper_log_mel(speech[:samples])[None]
        conv, matmul = (s.run(None, {"mel": mel})[0] for s in sessions)
        assert conv.shape == matmul.shape and conv.shape[2] == (mel.shape[2] + 1) // 2
        np.testing.assert_allclose(matmul, conv, atol=1e-4)
    monkeypatch.setenv("EMOVOICE_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    windows = np.stack([whisper_log_mel(speech[i:i + 49_100]) for i in (0, 16_000)])
    exact = OnnxWhisperEncoder.from_ctranslate2(n_blocks=1).hidden_states(windows)
    int8 = OnnxWhisperEncoder.from_ctranslate2(n_blocks=1, precision="int8_conv")
    assert int8.batch_size == 1
    squared = (int8.hidden_states(windows) - exact) ** 2
    error = np.sqrt(squared.mean(axis=(1, 2, 3)) / (exact ** 2).mean(axis=(1, 2, 3)))
    assert np.all(error > 1e-4) and np.all(error < 0.08)  # hidden state 0 is quantised too now, and close


def test_threads_sharing_a_whisper_front_end_build_its_encoder_once(monkeypatch):
    import threading

    from emovoice.features.frontends import WhisperPooled
    from emovoice.features.whisper_onnx import OnnxWhisperEncoder

    builds = []
    real = OnnxWhisperEncoder.from_ctranslate2.__func__  # type: ignore[attr-defined]

    def counted(cls, *args, **kwargs):
        builds.append(threading.get_ident())
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(OnnxWhisperEncoder, "from_ctranslate2", classmethod(counted))
    frontend = WhisperPooled(max_layer=3)
    start = threading.Barrier(4)
    seen = []

    def first_use():
        start.wait()
        seen.append(frontend.encoder)

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len({id(encoder) for encoder in seen}) == 1


def test_the_prosody_front_end_hears_a_raised_voice_and_a_louder_one(speech_wav, sox, tmp_path):
    """The same sentence four semitones up moves the pitch columns by four semitones and leaves the
    level alone; the same audio ten times louder moves the level columns by 20 dB and nothing else."""
    import subprocess

    from emovoice.features.frontends import ProsodyStats
    from emovoice.features.prosody import WINDOW_PROSODY

    up = tmp_path / "up.wav"
    subprocess.run([sox, str(speech_wav), str(up), "pitch", "400"], check=True)
    frontend = ProsodyStats()
    wave = load(speech_wav)
    base, raised, louder = frontend.windows(wave), frontend.windows(load(up)), frontend.windows(wave * 10)
    assert base.shape == (len(chunk_starts(wave.size)), len(WINDOW_PROSODY))
    col = {name: i for i, name in enumerate(WINDOW_PROSODY)}
    shift = raised[:, col["f0_mean_st"]] - base[:, col["f0_mean_st"]]
    np.testing.assert_allclose(shift, 4.0, atol=0.6)
    np.testing.assert_allclose(raised[:, col["level_db"]], base[:, col["level_db"]], atol=1.5)
    for name in ("level_db", "level_p90_db"):
        np.testing.assert_allclose(louder[:, col[name]] - base[:, col[name]], 20.0, atol=0.01)
    others = [i for n, i in col.items() if not n.startswith("level") or n == "level_std_db"]
    np.testing.assert_allclose(louder[:, others], base[:, others], atol=0.05)
