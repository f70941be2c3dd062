"""A folder of text files, one article per file (e.g. the BBC News corpus).

Every ``*.txt`` file under the folder (recursively, suffix compared case-insensitively, sorted by
relative path) is an article: its first non-blank line is the title and the rest the body. The id is
the path relative to the folder without the suffix, with ``/`` separators (``business/001``). The
label is the name of the sub-folder directly under the root that holds the file (``business`` for
``bbc/business/001.txt`` and also for ``bbc/business/2005/001.txt``); it becomes ``labels`` and
``section``. Files directly in the root have no label.

Files directly in the root whose names start with ``README`` or ``original_README`` (any case) are
documentation, not articles, and are skipped without a report. Such names in sub-folders are read
as articles.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from recommender.schema import Article, SchemaError, parse_article

from . import BadRecord, LoadError
from .text_encoding import decode

SKIPPED_AT_ROOT = ("readme", "original_readme")


def article_files(root: Path) -> list[Path]:
    """List the article files under ``root``, sorted by relative path.

    Parameters
    ----------
    root : Path
        The folder.

    Returns
    -------
    list of Path
        The ``*.txt`` files (any case), without the README files directly in ``root``.
    """
    files = []
    for path in root.rglob("*"):
        if path.suffix.lower() != ".txt" or not path.is_file():
            continue
        if path.parent == root and path.name.lower().startswith(SKIPPED_AT_ROOT):
            continue
        files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).parts)


def _other_inputs_hint(root: Path) -> str:
    """What to do instead when ``root`` holds files of another input format (a folder of JSONL
    exports is a common first try): give the files, whose format is guessed from their names."""
    from . import _SUFFIXES  # the suffixes guess_format knows

    counts: dict[str, int] = {}
    for path in root.rglob("*"):
        suffixes = [s.lower() for s in path.suffixes[-2:]]
        suffix = suffixes[0] if suffixes[-1:] == [".gz"] and len(suffixes) == 2 else suffixes[-1] if suffixes else ""
        if suffix in _SUFFIXES and suffix != ".txt" and path.is_file():
            counts[suffix] = counts.get(suffix, 0) + 1
    if not counts:
        return ""
    held = ", ".join(f"{n:,} *{suffix}" for suffix, n in sorted(counts.items(), key=lambda item: -item[1]))
    return f"; it holds {held} files: give them as the inputs instead (e.g. {root}/*{max(counts, key=counts.get)})"


def read(path: Path, *, warn: Callable[[str], None] | None = None) -> Iterator[Article | BadRecord]:
    """Read a folder of text files.

    Parameters
    ----------
    path : Path
        The root folder.
    warn : callable, optional
        Receives a warning for each file that is not UTF-8.

    Yields
    ------
    Article or BadRecord
        An article per file; a :class:`BadRecord` (line ``None``) for an empty file
        (``"empty file"``), a file that cannot be read, or a schema error.

    Raises
    ------
    LoadError
        When ``path`` is missing, is not a folder, or holds no ``*.txt`` file.
    """
    root = Path(path)
    if not root.exists():
        raise LoadError(f"{root}: no such file or directory")
    if not root.is_dir():
        raise LoadError(f"{root}: the folder format needs a folder of *.txt files")
    files = article_files(root)
    if not files:
        raise LoadError(f"{root}: no *.txt files in this folder{_other_inputs_hint(root)}")
    for file in files:
        source = str(file)
        try:
            data = file.read_bytes()
        except OSError:
            yield BadRecord(source, None, "cannot read file")
            continue
        text, warning = decode(data, source)
        if warning and warn is not None:
            warn(warning)
        lines = text.strip().splitlines()
        if not lines:
            yield BadRecord(source, None, "empty file")
            continue
        relative = file.relative_to(root).with_suffix("")
        label = relative.parts[0] if len(relative.parts) > 1 else ""
        record = {
            "id": relative.as_posix(),
            "title": lines[0],
            "body": "\n".join(lines[1:]).strip(),
            "section": label,
            "labels": [label] if label else [],
        }
        try:
            yield parse_article(record)
        except SchemaError as exc:
            yield BadRecord(source, None, str(exc))
