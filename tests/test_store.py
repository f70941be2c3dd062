"""The sorted string index: one-key lookups agree with batch lookups, on keys present and absent."""
from __future__ import annotations

import pytest

from recommender.store import SortedIndex, string_array


@pytest.mark.parametrize("build", [SortedIndex.build, lambda keys: SortedIndex(string_array(sorted(keys)))])
def test_get_agrees_with_positions(build):
    keys = ["b7", "a1", "c", "a10", "é-1", "a"]
    index = build(keys)
    probes = keys + ["", "a0", "a100", "zzz", "b7 ", "a1" * 40, "\x00", "é"]
    for probe in probes:
        assert index.get(probe) == int(index.positions([probe])[0])
    for probe in keys:
        assert index.keys[index.get(probe)] == probe
    assert index.get("a1" * 40) == -1  # longer than every key: never a prefix match


def test_an_empty_index_finds_nothing():
    index = SortedIndex.build([])
    assert index.get("x") == -1 and list(index.positions(["x"])) == [-1]
