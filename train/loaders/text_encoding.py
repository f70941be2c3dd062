"""Decode input files whatever their encoding, saying so when it was not UTF-8.

The order tried is: UTF-8 (a byte-order mark is dropped), UTF-16 when the data starts with a UTF-16
byte-order mark, then cp1252, and finally Latin-1, which accepts any bytes, so decoding never fails.
"""
from __future__ import annotations

import codecs
from pathlib import Path
from typing import Callable

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
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise LoadError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise LoadError(f"{path}: is a folder, expected a file") from None
    except PermissionError:
        raise LoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc})") from None


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
