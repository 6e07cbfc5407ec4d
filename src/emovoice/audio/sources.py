"""Where encoded audio comes from: paths, bytes and binary file objects, opened safely for the decoder."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from emovoice.errors import ParameterError

AudioSource = str | os.PathLike[str] | bytes | BinaryIO


def named_bytes(data: bytes, name: str) -> io.BytesIO:
    """``data`` as a file named ``name``: the name is a format hint to the decoder and names the
    file in errors. The upload check and the analysis worker both decode through this, so that a
    recording the check accepts is one the worker can read."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _describe(source: AudioSource) -> str:
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>"
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return str(getattr(source, "name", "<stream>"))


def _open_source(source: AudioSource, name: str) -> str | BinaryIO:
    """A path or binary stream PyAV can open; refuses what would hang or mislead."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise ParameterError(f"{name}: no such file") from None
        except OSError as exc:
            raise ParameterError(f"{name}: cannot be read ({exc.strerror})") from None
        if stat.S_ISDIR(mode):
            raise ParameterError(f"{name}: is a directory, not an audio file")
        if not stat.S_ISREG(mode):
            # a FIFO with no writer, a device or a socket would block or never end
            raise ParameterError(f"{name}: not a regular file (a pipe, device or socket); save the audio to a file")
        if not os.access(path, os.R_OK):
            raise ParameterError(f"{name}: permission denied")
        return str(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source))
    if isinstance(source, io.TextIOBase):
        raise ParameterError(f"{name}: the file is open in text mode; open it in binary mode ('rb')")
    if hasattr(source, "read"):
        try:
            probe = source.read(0)
        except Exception as exc:  # closed files and odd objects raise many kinds
            raise ParameterError(f"{name}: cannot read from this file object ({exc})") from exc
        if not isinstance(probe, (bytes, bytearray)):
            raise ParameterError(f"{name}: the file object gives {type(probe).__name__}, not bytes; "
                                 "open it in binary mode ('rb')")
        return source
    raise ParameterError(f"cannot read audio from a {type(source).__name__}")


def _peek(handle: str | BinaryIO, n: int) -> tuple[bytes, int | None]:
    """The first ``n`` bytes and the total size (None for a stream that cannot seek)."""
    if isinstance(handle, str):
        with open(handle, "rb") as f:
            return f.read(n), os.fstat(f.fileno()).st_size
    if not handle.seekable():
        return b"", None
    where = handle.tell()
    head = handle.read(n)
    size = handle.seek(0, io.SEEK_END)
    handle.seek(where)
    return head, size


def _read_all(handle: str | BinaryIO) -> bytes:
    if isinstance(handle, str):
        return Path(handle).read_bytes()
    if handle.seekable():
        handle.seek(0)
    return handle.read()
