from __future__ import annotations

import pytest

from emovoice.datasets.ravdess import load_folds, parse_name
from emovoice.errors import ParameterError
from emovoice.labels import EMOTIONS


def test_parse_name_reads_every_field():
    fields = parse_name("03-01-05-02-01-02-12.flac")
    assert fields == {"emotion": "angry", "intensity": "strong", "statement": 1, "repetition": 2,
                      "actor": 12, "gender": "female"}
    assert parse_name("03-01-02-01-02-01-07.flac")["gender"] == "male"


@pytest.mark.parametrize("name", ["hello.flac", "03-01-09-01-01-01-01.flac", "03-01-05-01-01-01-25.flac",
                                  "03-01-05-03-01-01-01.flac", "03-01-05-01-01.flac"])
def test_parse_name_rejects_other_names(name):
    with pytest.raises(ParameterError):
        parse_name(name)


def test_reader_finds_all_clips_with_labels(ravdess_clips):
    assert len(ravdess_clips) == 1434
    assert {c.actor for c in ravdess_clips} == set(range(1, 25))
    assert {c.emotion for c in ravdess_clips} == set(EMOTIONS)
    neutral = [c for c in ravdess_clips if c.emotion == "neutral"]
    assert {c.intensity for c in neutral} == {"normal"}


def test_folds_are_speaker_disjoint_and_cover_everyone(ravdess_root):
    folds = load_folds(ravdess_root)
    assert sorted(folds) == [1, 2, 3, 4, 5, 6]
    actors = [a for f in folds.values() for a in f]
    assert sorted(actors) == list(range(1, 25))
    assert all(len(f) == 4 for f in folds.values())
