"""The machine a benchmark ran on, as its results name it.

Speed ratios depend on the processor as well as on the core count (faster-whisper's CTranslate2
and onnxruntime gain differently from the same instructions), so the processor is named too.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def processor() -> str:
    """The processor's model name from /proc/cpuinfo, or the architecture where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    """For example "x86_64, AMD EPYC, 2 cores, Python 3.11.7"."""
    return f"{platform.machine()}, {processor()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def publish(path: Path, lines: list[str]) -> None:
    """Write a benchmark's Markdown table to ``path`` and show it."""
    text = "\n".join(lines)
    path.write_text(text + "\n")
    print(text)
