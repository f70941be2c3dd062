"""Lookup structures that live in plain numpy arrays, so a loaded model can memory-map them and
several server processes share one copy: a sorted string index and a JSON-lines metadata store."""
from __future__ import annotations

import json
from array import array
from typing import Any, Iterable, Sequence

import numpy as np


def string_array(values: Sequence[str]) -> np.ndarray:
    """A fixed-width unicode array (never ``object``), so it saves and loads without pickle."""
    width = max((len(v) for v in values), default=1) or 1
    return np.asarray(values, dtype=f"<U{width}")


class SortedIndex:
    """Position of a string key in an array of keys, by binary search over a sorted copy.

    ``keys`` is in its own order (corpus order for ids); ``order`` sorts it. For keys that are
    already sorted (a vocabulary) pass ``order=None``.
    """

    def __init__(self, keys: np.ndarray, order: np.ndarray | None = None, sorted_keys: np.ndarray | None = None):
        self.keys = keys
        self.order = order
        # a saved model passes its memory-mapped sorted copy: shared by every server process
        self._sorted = sorted_keys if sorted_keys is not None else keys if order is None else keys[order]

    @property
    def sorted_keys(self) -> np.ndarray:
        """``keys`` in sorted order (``keys[order]``)."""
        return self._sorted

    @classmethod
    def build(cls, keys: Sequence[str]) -> "SortedIndex":
        array = string_array(keys)
        return cls(array, np.argsort(array, kind="stable").astype(np.int64))

    def positions(self, wanted: Iterable[str]) -> np.ndarray:
        """Positions of ``wanted`` keys in ``keys``; -1 for a key that is not there."""
        wanted = np.asarray(list(wanted), dtype=str)
        if wanted.size == 0 or self._sorted.size == 0:
            return np.full(wanted.size, -1, dtype=np.int64)
        at = np.searchsorted(self._sorted, wanted)
        at = np.minimum(at, self._sorted.size - 1)
        found = self._sorted[at] == wanted
        pos = at if self.order is None else self.order[at]
        return np.where(found, pos, -1).astype(np.int64)

    def get(self, key: str) -> int:
        """Position of one key in ``keys``, or -1: :meth:`positions` for one key in a few numpy
        calls instead of many (it runs on every request for an article)."""
        ordered = self._sorted
        at = int(ordered.searchsorted(key))
        if at == len(ordered) or ordered[at] != key:  # compares whole strings: a longer key never matches
            return -1
        return at if self.order is None else int(self.order[at])


class ArticleStore:
    """Article metadata as JSON lines in one byte buffer plus an offsets array.

    Built in memory after ``fit``; after ``load`` the buffer is a memory-mapped file, so only the
    records actually asked for are ever parsed. Each line is written as the API writes JSON (sorted
    keys, no spaces) except that it keeps non-ASCII characters as they are, so an ASCII line is
    already the bytes an answer carries (see :mod:`.fast_path`).
    """

    def __init__(self, buffer: Any, offsets: np.ndarray):
        self.buffer = buffer
        self.offsets = offsets
        # plain views for :meth:`raw`: slicing a np.memmap runs Python code, a memoryview does not
        self._bytes = memoryview(np.asarray(buffer).view(np.ndarray))
        self._bounds = memoryview(np.asarray(offsets).view(np.ndarray))

    @staticmethod
    def encode(record: dict[str, Any]) -> bytes:
        """One stored line, without its newline."""
        return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def build(cls, records: Iterable[dict[str, Any]]) -> "ArticleStore":
        builder = ArticleStoreBuilder()
        for record in records:
            builder.append(record)
        return builder.finish()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        """Article ``i``'s stored line as it is, without its newline."""
        return bytes(self._bytes[self._bounds[i] : self._bounds[i + 1] - 1])

    def get(self, i: int) -> dict[str, Any]:
        return json.loads(self.raw(i))


class ArticleStoreBuilder:
    """An :class:`ArticleStore` built one record at a time (as ``fit`` streams a corpus): each record
    is encoded to its line at once, so only the bytes are kept, never the records."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._offsets = array("q", [0])

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def append(self, record: dict[str, Any]) -> None:
        self._buffer += ArticleStore.encode(record)
        self._buffer += b"\n"
        self._offsets.append(len(self._buffer))

    def finish(self) -> ArticleStore:
        """The store of the records appended so far; the builder must not be used afterwards."""
        buffer = np.frombuffer(self._buffer, dtype=np.uint8)  # no copy: shares the bytearray
        buffer.flags.writeable = False
        offsets = np.frombuffer(self._offsets, dtype=np.int64).copy()
        self._buffer, self._offsets = bytearray(), array("q", [0])
        return ArticleStore(buffer, offsets)
