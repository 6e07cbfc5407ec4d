"""Shared fixtures: real audio from RAVDESS and speech made with espeak-ng and sox."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from emovoice.datasets.ravdess import default_root, load_clips
from emovoice.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are read once per process; a test that changes EMOVOICE_* sees its own."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def ravdess_root() -> Path:
    root = default_root()
    if not (root / "folds.json").is_file():
        pytest.skip(f"RAVDESS not found at {root} (set $EMOVOICE_RAVDESS)")
    return root


@pytest.fixture(scope="session")
def ravdess_clips(ravdess_root: Path):
    return load_clips(ravdess_root)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; test.sh installs it")
    return path


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 6 s of English speech from espeak-ng, 22.05 kHz mono WAV."""
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run([_need("espeak-ng"), "-v", "en-us", "-s", "150", "-w", str(out),
                    "I would describe myself as a calm and careful person who likes to finish what she starts."],
                   check=True)
    return out


@pytest.fixture(scope="session")
def sox() -> str:
    return _need("sox")


def write_wav(path: Path, wave: np.ndarray, sample_rate: int) -> Path:
    import soundfile as sf

    sf.write(path, wave, sample_rate)
    return path
