"""Argparse types shared by the command lines of ``train`` and ``train.evaluate``."""
from __future__ import annotations

import argparse
from typing import Callable


def whole(least: int, expected: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``least``; ``expected`` says what, in the error."""
    def parse(text: str) -> int:
        if not (text.strip().isdigit() and int(text) >= least):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return int(text)
    return parse
