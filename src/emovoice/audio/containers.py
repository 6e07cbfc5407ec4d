"""Reading container headers: Ogg pages and chained links, and whether an Ogg or WAV file is complete.

Pure byte parsing, no decoding: the decoder uses it to split chained Ogg files
and to notice, from the container alone, a file that was cut short.
"""

from __future__ import annotations

from typing import Literal


def _ogg_pages(data: bytes) -> tuple[list[tuple[int, int]], bool]:
    """Walk an Ogg file's pages.

    Returns
    -------
    pages : list of (offset, header-type flags)
        Each whole page, in order, up to the first that is cut short or is not Ogg.
    cut_short : bool
        The walk stopped on a page whose segment table or body runs past the end of ``data``.
    """
    pages: list[tuple[int, int]] = []
    pos = 0
    while pos + 27 <= len(data) and data[pos:pos + 4] == b"OggS":
        n_segments = data[pos + 26]
        end = pos + 27 + n_segments + sum(data[pos + 27:pos + 27 + n_segments])
        if pos + 27 + n_segments > len(data) or end > len(data):
            return pages, True
        pages.append((pos, data[pos + 5]))
        pos = end
    return pages, False


def ogg_links(data: bytes) -> list[bytes]:
    """Split a chained Ogg file into its links (each a complete Ogg stream).

    A chained Ogg file is several Ogg streams laid end to end, as tools make
    by joining files; each may have its own channel count or rate, which
    FFmpeg's demuxer refuses. The split is at each beginning-of-stream page
    that follows a page that is not one. Unparseable data stays with the link
    before it.

    Parameters
    ----------
    data : bytes
        The file's content.

    Returns
    -------
    list of bytes
        One item per link; ``[data]`` for an unchained (or non-Ogg) file.
    """
    pages, _ = _ogg_pages(data)
    starts = [0]
    previous_bos = False
    for pos, flags in pages:
        bos = bool(flags & 0x02)
        if bos and not previous_bos and pos > 0:
            starts.append(pos)
        previous_bos = bos
    return [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]


def _ogg_is_complete(data: bytes) -> bool:
    """Whether an Ogg stream's pages run whole to its end-of-stream page (False: cut short)."""
    pages, cut_short = _ogg_pages(data)
    return not cut_short and bool(pages) and bool(pages[-1][1] & 0x04)


def _wav_is_complete(head: bytes, size: int) -> bool:
    """Whether a RIFF/WAVE file holds as many data bytes as its header declares.

    A header that declares no size (0 or 0xFFFFFFFF, as streaming recorders
    write) counts as complete.
    """
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return True
    order: Literal["little", "big"] = "little" if head[:4] == b"RIFF" else "big"
    pos = 12
    while pos + 8 <= len(head):
        chunk, length = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], order)
        if chunk == b"data":
            return length in (0, 0xFFFFFFFF) or size >= pos + 8 + length
        pos += 8 + length + (length & 1)
    return True
