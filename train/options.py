"""What the command lines of ``train`` and ``train.evaluate`` share: argparse types, SIGTERM, and
printing the result."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator


def whole(least: int, expected: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``least``; ``expected`` says what, in the error."""
    def parse(text: str) -> int:
        if not (text.strip().isdigit() and int(text) >= least):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return int(text)
    return parse


def share(text: str) -> float:
    """An argparse type: a share from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1, got {text!r}")
    return value


def nonempty(what: str, convert: Callable[[str], Any] = Path) -> Callable[[str], Any]:
    """An argparse type: a value that is not blank, as ``convert`` makes it (a path by default:
    ``Path("")`` would be the current folder); ``what`` says what, in the error."""
    def parse(text: str) -> Any:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"expected {what}, got an empty value")
        return convert(text)
    return parse


class Stop:
    """How a command was stopped: by Ctrl-C, or by SIGTERM (``timeout``, systemd, ``kill``)."""

    def __init__(self) -> None:
        self.signal: int | None = None

    @property
    def word(self) -> str:
        return "terminated" if self.signal is not None else "interrupted"

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal if self.signal is not None else signal.SIGINT)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[Stop]:
    """Within it SIGTERM raises KeyboardInterrupt, as Ctrl-C does, so that the same cleanup runs;
    the :class:`Stop` it gives says which it was (a handler can be set in the main thread only)."""
    stop = Stop()

    def terminate(signum: int, frame: Any) -> None:
        stop.signal = signum
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminate) if in_main else None
    try:
        yield stop
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def print_result(text: str) -> None:
    """Print a job's result on stdout. A reader that went away (``| head``, ``| true``) is no failure
    of the job, whose work is done and stands: the rest of the output goes nowhere instead of ending
    in a traceback and exit 1."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
