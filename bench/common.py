"""What the benchmarks share: the machine they ran on, synthetic corpora, memory of processes, tables."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(tempfile.gettempdir()) / "related-articles-bench"


def load() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> list[str]:
    """Lines describing the machine and the libraries, for the head of a benchmark's output."""
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        total_kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    libraries = ", ".join(f"{name} {version(name)}" for name in ("numpy", "scipy", "scikit-learn", "joblib", "Flask", "gunicorn"))
    return [
        f"machine: {model}, {os.cpu_count()} cores, {total_kib / 2**20:.1f} GiB memory, {platform.platform()}",
        f"python {platform.python_version()}, {libraries}",
        f"load (1/5/15 min) at start: {load()}; date {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
    ]


def synthetic_corpus(n: int, data: Path, seed: int = 0) -> Path:
    """A synthetic corpus of ``n`` articles, generated once and kept in ``data``."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"synthetic-{n}-seed{seed}.jsonl"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "train.synthetic", str(n), "--out", str(path), "--seed", str(seed)],
                       check=True, cwd=ROOT)
    return path


def smaps_rollup(pid: int) -> dict[str, int]:
    """Rss, Pss, Shared_* and Private_* of a process, in bytes (Linux /proc/<pid>/smaps_rollup)."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as rollup:
            for line in rollup:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    values[parts[0].rstrip(":")] = int(parts[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}
    return values


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="utf-8") as children:
                    todo.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


class TreeMemory:
    """Samples the summed PSS of a process and its descendants in a thread; ``peak`` is the highest."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(smaps_rollup(p).get("Pss", 0) for p in descendants(self.pid))
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f}"


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
