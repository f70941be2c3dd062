"""The versioned model artifact: save, publish atomically, prune, and load with checks.

Layout of a models folder::

    MODELS_DIR/
        CURRENT                  the name of the current version (replaced atomically)
        20261128-121500-123456/  one folder per version
            manifest.json        version, time, parameters, libraries, counts, fingerprint, sha256s
            *.npy                numeric arrays, memory-mapped on load, never unpickled
            articles.jsonl       the metadata the service returns, one article per line
            default_*.npy, item_json*.npy   the fast path: every article's list without options and
                                 its JSON as an item (see :mod:`.fast_path`); optional when loading

A version is written to a hidden temporary folder, checked, renamed into place (atomic on one file
system) and only then named in ``CURRENT``; a failure at any point leaves the previous current
version current and intact.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import os
import platform
import shutil
import threading
import time
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import scipy.sparse as sp

from . import __version__
from .fast_path import FILES as FAST_PATH_FILES
from .fast_path import DefaultAnswers
from .model import RelatedArticles
from .store import ArticleStore, SortedIndex
from .text import ANALYSER, read_as_runs

FORMAT = 1
POINTER = "CURRENT"
MANIFEST = "manifest.json"
DENSE = (
    "terms_", "idf_", "tag_keys_", "tag_names_", "tag_idf_", "tagged_", "candidates_", "candidate_scores_",
    "duplicate_group_", "published_days_", "section_codes_", "sections_",
)
TOPICS = ("topic_axes_", "topics_")  # versions before the latent topics lack them
SPARSE = ("text_matrix_", "text_index_", "tag_matrix_", "tag_index_")


class ArtifactError(Exception):
    """A model artifact that is missing, broken or incompatible; the message names the problem."""


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "recommender": __version__,
        **{name: _dist_version(name) for name in ("numpy", "scipy", "scikit-learn", "joblib")},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(model: RelatedArticles, folder: Path, *, version: str, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a fitted model into ``folder``, which must not exist yet; return its manifest (written last)."""
    model._check_fitted()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=False)
    arrays: dict[str, np.ndarray] = {name.rstrip("_"): getattr(model, name) for name in DENSE + TOPICS}
    arrays["ids"], arrays["id_order"], arrays["ids_sorted"] = model.ids_.keys, model.ids_.order, model.ids_.sorted_keys
    arrays["articles_offsets"] = model.articles_.offsets
    if model.term_words_ is not model.terms_:  # a stemmed vocabulary: the words explain shows for it
        arrays["term_words"] = model.term_words_
    for name in SPARSE:
        matrix = getattr(model, name)
        for part in ("data", "indices", "indptr"):
            arrays[f"{name.rstrip('_')}.{part}"] = getattr(matrix, part)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    (folder / "articles.jsonl").write_bytes(bytes(model.articles_.buffer))
    _save_default_answers(model, folder)
    files = sorted(p.name for p in folder.iterdir())
    for name in files:
        _fsync(folder / name)
    manifest = {
        "format": FORMAT,
        "analyser": ANALYSER,
        "version": version,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "parameters": model.get_params(),
        "libraries": library_versions(),
        "articles": len(model),
        "counts": {
            "articles": len(model),
            "terms": int(len(model.terms_)),
            "topics": int(model.topic_axes_.shape[1]),
            "tags": int(len(model.tag_keys_)),
            "tagged_articles": int(model.tagged_.sum()),
            "duplicate_groups": model.near_duplicates(),
        },
        "shapes": {name: list(getattr(model, name).shape) for name in SPARSE},
        "corpus_fingerprint": model.corpus_fingerprint_,
        "search": model.search_,
        "files": {name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size} for name in files},
        "evaluation": None,
        **(info or {}),
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    _fsync(path)
    return manifest


def _save_default_answers(model: RelatedArticles, folder: Path) -> None:
    """The fast path's files (see :mod:`.fast_path`): every article's default list and item JSON."""
    began = time.perf_counter()
    for name, array in DefaultAnswers.build(model).arrays().items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    model._log(f"default lists and item JSON of {len(model):,} articles precomputed ({time.perf_counter() - began:.1f} s)")


def _load_default_answers(manifest: dict[str, Any], array: Callable[[str], np.ndarray]) -> DefaultAnswers | None:
    """The fast path's data, or ``None`` for an artifact saved before it existed (served by the general path)."""
    if not all(f"{name}.npy" in manifest["files"] for name in FAST_PATH_FILES):
        return None
    answers = DefaultAnswers.from_arrays(array)
    if len(answers) != manifest["articles"]:
        raise ValueError("default lists do not match the article count")
    return answers


def new_version() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")


def current_version(models_dir: Path) -> str | None:
    """The version named by ``CURRENT``, or ``None`` when nothing was published yet (no ``CURRENT``,
    or an empty one); :class:`ArtifactError` when it cannot be read."""
    try:
        return (Path(models_dir) / POINTER).read_text().strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{models_dir}: cannot read {POINTER} ({getattr(exc, 'strerror', None) or exc})") from None


def version_folder(models_dir: Path, version: str) -> Path:
    """The folder of ``version`` (as ``CURRENT`` names it) in ``models_dir``; :class:`ArtifactError`
    unless it is the plain name of a folder there."""
    if version in (".", "..") or "/" in version or "\\" in version:
        raise ArtifactError(f"{models_dir}: {POINTER} names {version!r}, which is not the name of a version folder")
    folder = Path(models_dir) / version
    if not folder.is_dir():
        raise ArtifactError(f"{models_dir}: {POINTER} names version {version!r}, which is not there; "
                            f"publish a model again or write an existing version's name into {POINTER}")
    return folder


def named_by_pointer(models_dir: Path) -> str | None:
    """:func:`current_version`, or ``None`` when ``CURRENT`` cannot be read either."""
    try:
        return current_version(models_dir)
    except ArtifactError:  # CURRENT unreadable (a folder, say): it names nothing
        return None


def _point_to(models_dir: Path, version: str) -> None:
    tmp = models_dir / f".{POINTER}.{os.getpid()}.tmp"
    try:
        tmp.write_text(version + "\n")
        _fsync(tmp)
        os.replace(tmp, models_dir / POINTER)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(models_dir)


LOCK = ".publish.lock"


@contextlib.contextmanager
def publishing(models_dir: Path) -> Iterator[None]:
    """Hold the models folder for one training job: a second job on the same folder stops at once
    (:class:`ArtifactError`) rather than racing this one to ``CURRENT`` and to pruning. The lock is
    the kernel's (``flock``): a job that is killed releases it. :func:`publish` takes it too; a
    thread that holds it already (the job around its publish) takes it again at no cost."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    key = (os.path.realpath(models_dir), os.getpid())  # a child forked while its parent holds it holds nothing
    held_here = _held.__dict__.setdefault("folders", set())
    if key in held_here:
        yield
        return
    with open(models_dir / LOCK, "a+") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.seek(0)
            who = held.read().strip() or "another process"
            raise ArtifactError(f"{models_dir}: another training job is publishing into this folder ({who}); "
                                "nothing done: run one job at a time per models folder") from None
        held.seek(0)
        held.truncate()
        held.write(f"pid {os.getpid()}, since {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
        held.flush()
        held_here.add(key)
        try:
            yield
        finally:
            held_here.discard(key)


_held = threading.local()  # the models folders this thread holds (see publishing)


def publish(model: RelatedArticles, models_dir: Path, *, keep: int = 3, info: dict[str, Any] | None = None,
            warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Save ``model`` as a new version, check it loads, make it current, prune old versions.

    Returns the manifest. ``keep`` versions stay: the new one, with ``keep`` 2 or more the version
    that was current before (a rollback target, even when newer versions exist), then the newest. What
    pruning cannot remove is passed to ``warn``: the new version is current by then, so it is no failure.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    with publishing(models_dir):  # one publisher at a time per folder (ArtifactError otherwise)
        return _publish(model, Path(models_dir), keep, info, warn)


def _publish(model: RelatedArticles, models_dir: Path, keep: int, info: dict[str, Any] | None,
             warn: Callable[[str], None] | None) -> dict[str, Any]:
    remove_stale_scratch(models_dir)  # a killed job's leftovers first: the new version may need the space
    before = named_by_pointer(models_dir)
    version = new_version()
    tmp = models_dir / f".tmp-{version}"
    try:
        manifest = save(model, tmp, version=version, info=info)
        load(tmp)  # refuse to publish what the service would refuse to load
        os.rename(tmp, models_dir / version)
        _fsync(models_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        _point_to(models_dir, version)
    except BaseException as exc:
        if named_by_pointer(models_dir) != version:  # never remove a version CURRENT names
            shutil.rmtree(models_dir / version, ignore_errors=True)
        elif isinstance(exc, OSError):  # the pointer moved; syncing the folder failed after
            raise OSError(exc.errno, f"{POINTER} already names the new version {version}, which is served, but "
                          f"the folder could not be synced to disk ({exc.strerror or exc})") from exc
        raise
    prune(models_dir, keep, also_keep=before, warn=warn)
    return manifest


def _is_version(folder: Path) -> bool:
    try:
        return not folder.name.startswith(".") and folder.is_dir() and (folder / MANIFEST).is_file()
    except OSError:  # a folder we may not look into (lost+found on a mount of its own) is no version
        return False


def versions(models_dir: Path) -> list[str]:
    """Published version folders, oldest first."""
    return sorted(p.name for p in Path(models_dir).iterdir() if _is_version(p))


#: a publish's scratch (``.tmp-VERSION`` folder, ``.CURRENT.PID.tmp`` file) untouched this long was left
#: by a job that was killed: no publish takes a day between writing its files and renaming them
STALE_AFTER_SECONDS = 24 * 3600


def prune(models_dir: Path, keep: int, *, also_keep: str | None = None, warn: Callable[[str], None] | None = None) -> list[str]:
    """Delete all but ``keep`` versions: the current one, ``also_keep`` (the version current before a
    publish) and then the newest; and the scratch of killed publishes (see :data:`STALE_AFTER_SECONDS`).
    Return what was deleted. A folder that cannot be removed is passed to ``warn`` and left."""
    models_dir = Path(models_dir)
    current = named_by_pointer(models_dir)
    old = [v for v in versions(models_dir) if v != current]
    preferred = ([also_keep] if also_keep in old else []) + [v for v in reversed(old) if v != also_keep]
    kept = set(preferred[: max(0, keep - (1 if current else 0))])
    doomed = [v for v in old if v not in kept]
    deleted = []
    for name in doomed:
        try:
            shutil.rmtree(models_dir / name)
            deleted.append(name)
        except OSError as exc:
            if warn:
                warn(f"warning: could not remove old version {name}: {exc.strerror or exc}; it stays")
    return deleted + remove_stale_scratch(models_dir)


def remove_stale_scratch(models_dir: Path) -> list[str]:
    """Remove the scratch of killed publishes (see :data:`STALE_AFTER_SECONDS`); return their names."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    removed = []
    for scratch in [*models_dir.glob(".tmp-*"), *models_dir.glob(f".{POINTER}.*.tmp")]:
        try:
            if scratch.lstat().st_mtime >= cutoff:
                continue  # maybe a publish still running
            if scratch.is_dir():
                shutil.rmtree(scratch)
            else:
                scratch.unlink()
            removed.append(scratch.name)
        except OSError:
            pass  # gone already, or not ours to remove: the next publish tries again
    return removed


def _check_libraries(folder: Path, built: dict[str, str]) -> None:
    here = library_versions()
    # the analyzer and its stop-word list come from scikit-learn; numpy's file format from numpy
    for name, parts in (("scikit-learn", 2), ("numpy", 1)):
        then, now = built.get(name, "?"), here[name]
        if then.split(".")[:parts] != now.split(".")[:parts]:
            raise ArtifactError(f"{folder}: model built with {name} {then}, this is {now}: retrain the model")


def _check_analyser(folder: Path, built: int, terms: np.ndarray) -> None:
    """An :class:`ArtifactError` for a model whose words this code would not read the same way from a
    posted article: one from newer code, or one from before analyser 2 whose vocabulary holds runs of
    Chinese or Japanese characters (the rest reads as it did, so other models load as they are)."""
    if built > ANALYSER:
        raise ArtifactError(f"{folder}: model built by newer code (analyser {built}; this code reads texts as analyser "
                            f"{ANALYSER}): update the service or retrain the model")
    if built < 2 and read_as_runs(terms):
        raise ArtifactError(f"{folder}: model trained before Chinese and Japanese were read as pairs of characters "
                            "(2026-12-02): its words in those scripts would match no posted article's; retrain the model")


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{folder}: no {MANIFEST}; not a model version folder") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{folder / MANIFEST}: unreadable ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise ArtifactError(f"{folder}: artifact format {manifest.get('format')!r}, this code reads format {FORMAT}")
    return manifest


def resolve(path: Path) -> Path:
    """A version folder from either a models folder (via ``CURRENT``) or a version folder itself."""
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: no such folder; train a model into it first (python -m train ... --out {path})")
    if not path.is_dir():
        raise ArtifactError(f"{path}: not a models folder (nor a version folder)")
    if (path / MANIFEST).is_file():
        return path
    version = current_version(path)
    if version is None:
        found = f"an empty {POINTER}" if (path / POINTER).exists() else f"no {POINTER} pointer"
        published = versions(path) if path.is_dir() else []
        if published:
            raise ArtifactError(f"{path}: {found}, though {len(published)} version folder{'s are' if len(published) > 1 else ' is'} "
                                f"here (the newest {published[-1]}): write the name of the one to serve into {path / POINTER}")
        raise ArtifactError(f"{path}: no model here ({found} and no {MANIFEST}); run the training job first")
    return version_folder(path, version)


def load(path: Path, *, verify: bool = True) -> RelatedArticles:
    """Load a model from a version folder or a models folder (its current version).

    Arrays are memory-mapped read-only and never unpickled. With ``verify`` (the default) every
    file's sha256 is checked against the manifest. Without it (the benchmarks' shortcut past hashing
    gigabytes) only the sizes are checked, so damage that keeps a file's size shows only when the
    damaged part is read, as whatever error that read raises. Raises :class:`ArtifactError`.
    """
    folder = resolve(path)
    manifest = read_manifest(folder)
    _check_libraries(folder, manifest.get("libraries", {}))
    for name, meta in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise ArtifactError(f"{folder}: file {name} is missing")
        size = file.stat().st_size
        if size != meta["bytes"]:
            raise ArtifactError(f"{folder}: file {name} is incomplete or damaged: {size:,} bytes, the manifest says {meta['bytes']:,}")
        if verify and _sha256(file) != meta["sha256"]:
            raise ArtifactError(f"{folder}: file {name} is corrupt (checksum mismatch)")
    try:
        return _assemble(folder, manifest)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise ArtifactError(f"{folder}: cannot be loaded ({exc})") from None


def _assemble(folder: Path, manifest: dict[str, Any]) -> RelatedArticles:
    def array(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)

    params = dict(manifest["parameters"])
    params["ngram_range"] = tuple(params["ngram_range"])
    if isinstance(params.get("topic_dims"), list):
        params["topic_dims"] = tuple(params["topic_dims"])
    params["verbose"] = False
    params.setdefault("topic_gate", 0.0)  # versions from before the gate counted topics whatever the words
    model = RelatedArticles(**params)
    for name in DENSE:
        setattr(model, name, array(name.rstrip("_")))
    if all(f"{name.rstrip('_')}.npy" in manifest["files"] for name in TOPICS):
        for name in TOPICS:
            setattr(model, name, array(name.rstrip("_")))
    else:  # a version from before the latent topics: words alone, as it was trained
        model.topic_axes_ = np.zeros((len(model.terms_), 0), dtype=np.float32)
        model.topics_ = np.zeros((manifest["articles"], 0), dtype=np.float32)
        model.topic_weight = 0.0
    for name in SPARSE:
        stem = name.rstrip("_")
        parts = [array(f"{stem}.{p}") for p in ("data", "indices", "indptr")]
        setattr(model, name, sp.csr_matrix(tuple(parts), shape=tuple(manifest["shapes"][name]), copy=False))
    # unstemmed vocabularies, and versions from before term_words.npy, show the terms themselves
    model.term_words_ = array("term_words") if "term_words.npy" in manifest["files"] else model.terms_
    _check_analyser(folder, manifest.get("analyser", 1), model.terms_)
    # versions before ids_sorted.npy sort the ids again in every process that loads them
    ids_sorted = array("ids_sorted") if "ids_sorted.npy" in manifest["files"] else None
    model.ids_ = SortedIndex(array("ids"), array("id_order"), ids_sorted)
    model.articles_ = ArticleStore(np.memmap(folder / "articles.jsonl", dtype=np.uint8, mode="r"), array("articles_offsets"))
    model.default_answers_ = _load_default_answers(manifest, array)
    model.corpus_fingerprint_ = manifest["corpus_fingerprint"]
    model.search_ = manifest.get("search", "exact")  # versions before the approximate search were exact
    model.version_ = manifest["version"]
    model.manifest_ = manifest
    if len(model.ids_.keys) != manifest["articles"] or len(model.articles_) != manifest["articles"]:
        raise ValueError("article count does not match the manifest")
    return model
