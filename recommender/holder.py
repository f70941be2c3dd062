"""The model being served, and switching to a newer version without a restart.

:class:`ModelHolder` loads the version that ``CURRENT`` names at start-up and keeps one reference to
it. A request takes that reference once (:func:`served_model`) and keeps it to the end, so a swap
never changes the model under a request in flight. At most every ``interval`` seconds a request
looks at the pointer file (one ``stat``); when it changed, a background thread loads the version it
names in full and only then replaces the reference. A version that fails its checks is logged and
refused, and the old one keeps serving; it is not tried again until ``CURRENT`` changes or a forced
check (SIGHUP) asks for it. A worker that starts while ``CURRENT`` names a version that fails its
checks serves the newest older version that passes them, as the workers already running do, rather
than failing to boot and taking gunicorn down with it.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from flask import current_app, g

from . import artifact
from .artifact import ArtifactError
from .model import RelatedArticles

log = logging.getLogger("recommender.reload")

EXTENSION = "recommender.holder"


class ModelUnavailable(Exception):
    """There is no model to serve, or it is broken; the message names the folder and the problem."""


class ModelHolder:
    """Holds the served model of a models folder and follows its ``CURRENT`` pointer."""

    def __init__(self, models_dir: Path | str | None, *, interval: float = 5.0, clock: Callable[[], float] = time.monotonic):
        if models_dir is None:
            raise ModelUnavailable("no models folder: set RECOMMENDER_MODELS or pass --models DIR")
        self.models_dir = Path(models_dir)
        if not self.models_dir.is_dir():
            what = "a file, not a models folder" if self.models_dir.exists() else "no such folder"
            raise ModelUnavailable(f"{self.models_dir}: {what}; train a model into a folder first (python -m train ... --out DIR)")
        self.interval = interval
        self.refused: tuple[str, ...] = ()
        self._clock = clock
        self._busy = threading.Lock()
        self._stamp = self._pointer_stamp()  # taken before loading, so a publish meanwhile is noticed
        self._model = self._load_at_start()
        _warn_without_fast_path(self._model)
        self._due = clock() + interval

    def _load_at_start(self) -> RelatedArticles:
        """The version ``CURRENT`` names or, when it fails its checks, the newest older version that
        passes them (refusing the named one); :class:`ModelUnavailable` when none does."""
        try:
            return artifact.load(self.models_dir)
        except (ArtifactError, OSError) as exc:
            problem = exc
        try:
            named = artifact.current_version(self.models_dir)
        except ArtifactError:
            named = None
        if named:  # only versions published before the one named: a rollback never rolls forward
            for version in reversed([v for v in artifact.versions(self.models_dir) if v < named]):
                try:
                    model = artifact.load(self.models_dir / version)
                except (ArtifactError, OSError):
                    continue
                self.refused = (named,)
                log.error("refused model version %s: %s; serving %s, the newest older version that loads, until %s "
                          "names one that does", named, problem, version, artifact.POINTER)
                return model
        raise ModelUnavailable(f"no model to serve: {problem}") from None

    @property
    def model(self) -> RelatedArticles:
        """The model being served now (without checking for a newer one)."""
        return self._model

    def get(self) -> RelatedArticles:
        """The model to answer a request with; looks for a new version first when a check is due."""
        if self._clock() >= self._due:
            self.check_soon()
        return self._model

    def check_soon(self, *, force: bool = False) -> bool:
        """Start loading the version ``CURRENT`` names in a background thread if the pointer changed.

        ``force`` loads it even when the pointer looks unchanged and retries a refused version (it is
        what SIGHUP does). Returns whether a check was started; never blocks (safe in a signal handler).
        """
        if not self._busy.acquire(blocking=False):
            return False  # a check is running already
        self._due = self._clock() + self.interval
        stamp = self._pointer_stamp()
        if stamp == self._stamp and not force:
            self._busy.release()
            return False
        threading.Thread(target=self._reload, args=(stamp, force), name="model-reload", daemon=True).start()
        return True

    def _pointer_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = (self.models_dir / artifact.POINTER).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _reload(self, stamp: tuple[int, int, int] | None, force: bool) -> None:
        try:
            version = artifact.current_version(self.models_dir)
            served = self._model.version_
            if not version:
                log.warning("%s: %s is missing or empty; still serving %s, but a restart would find no model",
                            self.models_dir, artifact.POINTER, served)
            elif version != served and (force or version not in self.refused):
                self._swap_to(version)
            elif version == served and not (self.models_dir / served).is_dir():
                log.warning("%s: the folder of the served version %s is gone; still serving it from memory, but a "
                            "restart would fail", self.models_dir, served)
            self._stamp = stamp
        except ArtifactError as exc:  # CURRENT unreadable: said in one line, checked again when it changes
            self._stamp = stamp
            log.error("cannot check %s for a new model version, still serving %s: %s", self.models_dir, self._model.version_, exc)
        except Exception:  # a check must never take the server down
            log.exception("checking %s for a new model version failed", self.models_dir)
        finally:
            self._busy.release()

    def _swap_to(self, version: str) -> None:
        began = time.perf_counter()
        try:
            new = artifact.load(artifact.version_folder(self.models_dir, version))
        except (ArtifactError, OSError) as exc:
            self.refused = tuple(dict.fromkeys((*self.refused, version)))
            log.error("refused model version %s, still serving %s: %s", version, self._model.version_, exc)
            return
        _warn_without_fast_path(new)
        old, self._model = self._model, new
        self.refused = tuple(v for v in self.refused if v != version)
        log.info("now serving model version %s (was %s), loaded in %.2f s", new.version_, old.version_, time.perf_counter() - began)


def _warn_without_fast_path(model: RelatedArticles) -> None:
    """An artifact written before the fast path existed is served, but every request takes the slower
    general path; say so, since only retraining (or republishing) the model fixes it."""
    if getattr(model, "default_answers_", None) is None:
        log.warning("model version %s has no precomputed default lists (it predates them): every related "
                    "request takes the general path; publish a new version to serve them fast", model.version_)


def served_model() -> RelatedArticles:
    """The model this request is answered with: taken from the holder once, kept to the end of the request."""
    if "model" not in g:
        g.model = current_app.extensions[EXTENSION].get()
    return g.model
