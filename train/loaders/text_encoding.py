"""Decode input files whatever their encoding, saying so when it was not UTF-8.

The order tried is: UTF-8 (a byte-order mark is dropped), UTF-16 when the data starts with a UTF-16
byte-order mark, then cp1252, and finally Latin-1, which accepts any bytes, so decoding never fails.
A gzip-compressed file (known by its first two bytes, whatever its name) is read decompressed.
"""
from __future__ import annotations

import codecs
import gzip
import io
import zlib
from pathlib import Path
from typing import IO, Callable, Iterator

from . import LoadError


def decode(data: bytes, source: str) -> tuple[str, str | None]:
    """Decode the bytes of a whole file.

    Parameters
    ----------
    data : bytes
        The file's contents.
    source : str
        The file's name, used in the warning.

    Returns
    -------
    tuple of (str, str or None)
        The text, and ``None`` when it was UTF-8 (with or without a byte-order mark) or else a
        warning such as ``"path: not UTF-8, decoded as cp1252"``.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), f"{source}: not UTF-8, decoded as UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), f"{source}: not UTF-8, decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"{source}: not UTF-8, decoded as latin-1"


def _cannot_read(path: Path, exc: OSError) -> LoadError:
    """The one-line :class:`LoadError` for a file that cannot be opened or read."""
    if isinstance(exc, FileNotFoundError):
        return LoadError(f"{path}: no such file or directory")
    if isinstance(exc, IsADirectoryError):
        return LoadError(f"{path}: is a folder, expected a file")
    if isinstance(exc, PermissionError):
        return LoadError(f"{path}: permission denied")
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)):
        return LoadError(f"{path}: not a whole gzip file ({exc})")
    return LoadError(f"{path}: cannot read ({exc.strerror or exc})")


def read_bytes(path: Path) -> bytes:
    """Read a whole file, turning any failure into a one-line :class:`LoadError`.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    bytes
        Its contents.

    Raises
    ------
    LoadError
        When the file is missing, is a folder, or cannot be read.
    """
    try:
        with _open(path) as file:
            return file.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise _cannot_read(path, exc) from None


GZIP_MAGIC = b"\x1f\x8b"


def _open(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    file = open(path, "rb", buffering=CHUNK)
    if file.peek(2)[:2] != GZIP_MAGIC:
        return file
    file.close()
    return gzip.open(path, "rb")


#: Bytes read at a time when a file is checked or read line by line.
CHUNK = 1 << 24


def _streamed_encoding(path: Path) -> str | None:
    """The encoding :func:`decode` would choose for the whole file, found by reading it in chunks:
    ``utf-8-sig``, ``cp1252`` or ``latin-1``; None for a UTF-16 byte-order mark (read whole)."""
    with _open(path) as file:
        head = file.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # never valid UTF-8: decode() goes on to UTF-16
            return None
        for encoding in ("utf-8-sig", "cp1252"):
            file.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while chunk := file.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
    return "latin-1"


def read_lines(path: Path, warn: Callable[[str], None] | None = None) -> Iterator[str]:
    """The lines of a file (each ended by ``\\n``, dropped with a ``\\r`` before it), decoded as
    :func:`read_text` decodes the whole file, but read a chunk at a time: memory does not grow with
    the file. The file is read twice, once to choose the encoding and once for the lines.

    Raises
    ------
    LoadError
        When the file cannot be read (see :func:`read_bytes`).
    """
    try:
        encoding = _streamed_encoding(path)
        if encoding is None:  # UTF-16 cannot be split on the byte b"\n": decode it whole
            text = read_text(path, warn)
            yield from (text[:-1] if text.endswith("\n") else text).split("\n") if text else ()
            return
        if encoding != "utf-8-sig" and warn is not None:
            warn(f"{path}: not UTF-8, decoded as {encoding}")
        with io.TextIOWrapper(_open(path), encoding=encoding, newline="\n") as file:
            for line in file:
                yield line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
    except (OSError, EOFError, zlib.error) as exc:
        raise _cannot_read(path, exc) from None


def read_text(path: Path, warn: Callable[[str], None] | None = None) -> str:
    """Read and decode a whole file with :func:`decode`, passing any warning to ``warn``.

    Windows line endings (``\\r\\n``) become ``\\n``, so that text split on lines or read from
    quoted multi-line CSV cells has no stray ``\\r``.

    Parameters
    ----------
    path : Path
        The file.
    warn : callable, optional
        Receives the warning when the file was not UTF-8.

    Returns
    -------
    str
        The decoded text.

    Raises
    ------
    LoadError
        When the file cannot be read (see :func:`read_bytes`).
    """
    text, warning = decode(read_bytes(path), str(path))
    if warning and warn is not None:
        warn(warning)
    return text.replace("\r\n", "\n")
