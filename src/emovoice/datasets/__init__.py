"""Readers for the emotional speech corpora emovoice trains and tests on."""

from __future__ import annotations

from pathlib import Path


def beside_checkout(name: str, *, marker: str) -> Path:
    """``../shared/data/<name>`` beside this source checkout: the first such folder above the
    package that holds ``marker`` (else the nearest candidate, so the error names a path)."""
    candidates = [parent / ".." / "shared" / "data" / name for parent in Path(__file__).parents]
    for candidate in candidates:
        if (candidate / marker).exists():
            return candidate.resolve()
    return candidates[0]
