"""Audio encoded in memory with PyAV (FFmpeg), as other programs and browsers write it."""

from __future__ import annotations

import io

import av
import numpy as np


def encode(wave: np.ndarray, sample_rate: int, *, fmt: str, codec: str, channels: int = 1,
           options: dict[str, str] | None = None) -> bytes:
    """Encode float audio into ``fmt``/``codec`` bytes (``options``: the muxer's; a browser's
    MediaRecorder writes WebM as ``fmt="webm", codec="libopus", options={"live": "1"}``)."""
    buffer = io.BytesIO()
    layout = "mono" if channels == 1 else "stereo"
    with av.open(buffer, mode="w", format=fmt, options=options or {}) as out:
        rate = 48_000 if codec == "libopus" else sample_rate
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        data = np.tile(wave[None, :], (channels, 1)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout=layout)
        frame.sample_rate = sample_rate
        resampler = av.AudioResampler(format=stream.format.name, layout=layout, rate=rate)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
