"""The command line and the library, end to end with the shipped model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emovoice
from emovoice.labels import EMOTIONS

CLI = [sys.executable, "-m", "emovoice"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, sox) -> dict[str, tuple[Path, list[str]]]:
    d = tmp_path_factory.mktemp("bad")
    text = d / "notes.wav"
    text.write_text("not audio at all\n" * 100)
    empty = d / "empty.mp3"
    empty.write_bytes(b"")
    silent = d / "silent.wav"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(silent), "trim", "0", "2"], check=True)
    short = d / "short.wav"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(short), "synth", "0.2", "sine", "300"], check=True)
    long = d / "long.flac"
    subprocess.run([sox, "-n", "-r", "16000", "-c", "1", str(long), "synth", "20", "pinknoise"], check=True)
    corrupt = d / "corrupt.flac"
    data = bytearray(long.read_bytes())
    data[300:] = np.random.default_rng(1).integers(0, 256, len(data) - 300, dtype=np.uint8).tobytes()
    corrupt.write_bytes(bytes(data))
    return {
        "not audio": (text, []), "empty": (empty, []), "silent": (silent, []),
        "short": (short, []), "too long": (long, ["--max-duration", "10"]), "corrupt": (corrupt, []),
    }


@pytest.mark.parametrize("case", ["not audio", "empty", "silent", "short", "too long", "corrupt"])
def test_bad_input_exits_2_with_one_line(bad_inputs, case):
    path, extra = bad_inputs[case]
    result = run_cli("analyze", str(path), *extra)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("emovoice: error: ") and str(path) in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_json_output_has_the_documented_shape(speech_wav):
    result = run_cli("analyze", str(speech_wav), "--json", "--emotion-only")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.strip().splitlines()
    report = json.loads(line)
    assert set(report) == {"schema_version", "file", "duration_s", "emotion", "probabilities", "confidence",
                           "reference", "baseline", "timeline", "input", "speech"}
    assert report["reference"] == "population" and report["baseline"] is None  # no baseline given
    assert list(report["probabilities"]) == list(EMOTIONS)
    assert sum(report["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert report["emotion"] == max(report["probabilities"], key=report["probabilities"].get)
    assert len(report["timeline"]) == int(np.ceil(report["duration_s"]))
    first, last = report["timeline"][0], report["timeline"][-1]
    assert (first["start"], first["end"]) == (0.0, 1.0)
    assert last["end"] == pytest.approx(report["duration_s"])
    for seg in report["timeline"]:
        assert seg["emotion"] in EMOTIONS and list(seg["probabilities"]) == list(EMOTIONS)


def test_cli_and_library_agree(speech_wav):
    result = run_cli("analyze", str(speech_wav), "--json")
    from_cli = json.loads(result.stdout)
    from_library = emovoice.analyze(str(speech_wav)).to_dict()
    assert from_cli == json.loads(json.dumps(from_library))


def test_readable_summary_and_several_files(speech_wav, bad_inputs):
    result = run_cli("analyze", str(speech_wav), str(bad_inputs["silent"][0]))
    assert result.returncode == 2  # one file failed...
    assert "  emotion: " in result.stdout and "timeline (per second):" in result.stdout  # ...one did not
    assert result.stderr.count("emovoice: error:") == 1


def test_a_clip_shorter_than_one_window_is_padded(speech_wav, tmp_path):
    wave = emovoice.analyze(str(speech_wav), delivery=False)  # warm the model
    import soundfile as sf

    from emovoice.audio import load

    audio = load(speech_wav)[: int(0.8 * 16_000)]
    short = tmp_path / "short.wav"
    sf.write(short, audio, 16_000)
    report = emovoice.analyze(str(short), delivery=False)
    assert report.duration_s == pytest.approx(0.8, abs=0.01) and len(report.timeline) == 1
    assert wave.timeline


def test_arrays_need_a_sample_rate_and_may_be_stereo(speech_wav):
    import soundfile as sf

    audio, rate = sf.read(speech_wav, dtype="float32")
    with pytest.raises(emovoice.ParameterError, match="sample_rate"):
        emovoice.analyze(audio)
    mono = emovoice.analyze(audio, sample_rate=rate, delivery=False)
    stereo = emovoice.analyze(np.stack([audio, audio], axis=1), sample_rate=rate, delivery=False)
    assert mono.probabilities == pytest.approx(stereo.probabilities, abs=1e-4)
    from_file = emovoice.analyze(str(speech_wav), delivery=False)
    assert mono.emotion == from_file.emotion


def test_demo_runs_on_the_bundled_sample():
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert "answer.flac" in result.stdout and "No emotion is named" in result.stdout  # no voice check given
    assert "emovoice baseline" in result.stdout  # ...and the way to one


def test_serving_does_not_import_torch(speech_wav):
    code = ("import sys, emovoice; emovoice.analyze(sys.argv[1]); "
            "print('torch' in sys.modules, 'sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(speech_wav)], capture_output=True, text=True)
    assert result.stdout.strip() == "False False", result.stderr
