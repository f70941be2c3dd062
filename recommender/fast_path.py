"""The answer to the common request, assembled from bytes the training job precomputed.

Most requests for a "like this" list give no options, and then the list depends only on the
article. Answering them the general way costs far more than the framework itself: rank the
candidates, look up and parse the stored metadata of every item, build dicts and encode them. So the
artifact keeps, for every article,

- its default list (``DEFAULT_K`` row indices, -1 padded, and the scores the API shows), and
- the JSON it shows as an item of someone else's list, pre-encoded and split around ``score``,

and the service answers a request without options by concatenating bytes: the article's own
stored line (already written as the API writes JSON when it is ASCII), the version, and the items.
The answer is byte for byte the one the general path (``model.related`` then ``jsonify``) gives:
both take the item's fields from :func:`item_fields` and encode with :func:`dumps`, Flask's
production encoding; the API uses this path only while the app's JSON provider encodes that way.

Size: ``DEFAULT_K`` × 12 bytes of list, 16 bytes of offsets and the item JSON (id, title, url, date,
section; about 250 bytes for a news article) per article.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from .model import RelatedArticles

#: Length of the list when the request does not give ``k``.
DEFAULT_K = 8

#: Fields of each related item, besides its score (and ``why`` when asked for).
ITEM_FIELDS = ("id", "title", "url", "published_at", "section")

#: The key the per-request value goes under; the pre-encoded JSON of an item is split around it.
SCORE = "score"

#: Artifact file (without ``.npy``) of each array, and the attribute of :class:`DefaultAnswers` it fills.
FILES = {
    "default_rows": "rows",
    "default_scores": "scores",
    "item_json": "item_json",
    "item_json_bounds": "item_bounds",
}


def item_fields(stored: Mapping[str, Any]) -> dict[str, Any]:
    """What a related item shows of an article's stored metadata (missing fields are ``null``)."""
    return {name: stored.get(name) for name in ITEM_FIELDS}


def dumps(value: Any) -> str:
    """JSON as Flask's ``jsonify`` writes it outside debug mode: sorted keys, ASCII, no spaces."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def item_halves(fields: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The JSON of an item without its score, as the text before and after the score's value.

    With sorted keys the score sits between the fields named before ``score`` and those after, so
    ``head + score_json + tail`` is exactly ``dumps({**fields, "score": score})``.
    """
    before = {k: v for k, v in fields.items() if k < SCORE}
    after = {k: v for k, v in fields.items() if k > SCORE}
    head = dumps(before)[:-1] + ("," if before else "") + dumps(SCORE) + ":"
    tail = ("," if after else "") + dumps(after)[1:]
    return head.encode("ascii"), tail.encode("ascii")


class DefaultAnswers:
    """Every article's default list and item JSON, in plain arrays (memory-mapped once loaded).

    ``rows`` and ``scores`` are N × ``DEFAULT_K``; ``item_json`` is one byte buffer holding each
    article's item head then tail, and ``item_bounds`` (2N + 1 offsets) delimits them: article
    ``j``'s head is ``item_bounds[2j]:item_bounds[2j+1]``, its tail runs to ``item_bounds[2j+2]``.
    """

    def __init__(self, rows: np.ndarray, scores: np.ndarray, item_json: np.ndarray, item_bounds: np.ndarray):
        n = len(rows)
        if rows.ndim != 2 or scores.shape != rows.shape or item_bounds.shape != (2 * n + 1,):
            raise ValueError(f"default lists of inconsistent shapes {rows.shape}, {scores.shape}, {item_bounds.shape}")
        if int(item_bounds[-1]) != len(item_json):
            raise ValueError("the item JSON buffer and its offsets disagree")
        self.rows, self.scores, self.item_json, self.item_bounds = rows, scores, item_json, item_bounds
        # plain views for answering: indexing a np.memmap runs Python code, a memoryview does not
        self._rows, self._scores = rows.view(np.ndarray), scores.view(np.ndarray)
        self._json, self._bounds = memoryview(item_json.view(np.ndarray)), memoryview(item_bounds.view(np.ndarray))

    @property
    def k(self) -> int:
        """The list length these answers were computed for."""
        return int(self.rows.shape[1])

    def __len__(self) -> int:
        return len(self.rows)

    # ------------------------------------------------------------------ building (training job)
    @classmethod
    def build(cls, model: "RelatedArticles", k: int = DEFAULT_K) -> "DefaultAnswers":
        """Ask a fitted model for every article's list of ``k`` without options, and encode every item.

        The lists are the model's own answers (``model.related_rows``, what ``model.related(id, k)`` shows), so they include whatever
        the model does for short lists; only their rows and shown scores are kept.
        """
        ids = model.ids_.keys
        n = len(ids)
        rows = np.full((n, k), -1, dtype=np.int32)
        scores = np.zeros((n, k), dtype=np.float64)
        halves: list[bytes] = []
        for i, article_id in enumerate(ids.tolist()):
            chosen, shown = model.related_rows(i, k)
            rows[i, : len(chosen)] = chosen
            scores[i, : len(chosen)] = [round(float(s), 6) for s in shown]  # as model.related shows them
            stored = model.article_at(i)
            if model.articles_.raw(i) != model.articles_.encode(stored):
                raise ValueError(f"article {article_id!r} is not stored as the API writes JSON (a store written "
                                 "before the fast path?): rebuild the store with ArticleStore.build")
            halves.extend(item_halves(item_fields(stored)))
        bounds = np.zeros(2 * n + 1, dtype=np.int64)
        np.cumsum([len(h) for h in halves], out=bounds[1:])
        return cls(rows, scores, np.frombuffer(b"".join(halves), dtype=np.uint8), bounds)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to save, by artifact file name (see :data:`FILES`)."""
        return {file: getattr(self, attribute) for file, attribute in FILES.items()}

    @classmethod
    def from_arrays(cls, load: Callable[[str], np.ndarray]) -> "DefaultAnswers":
        return cls(**{attribute: load(file) for file, attribute in FILES.items()})

    # ------------------------------------------------------------------ answering (service)
    def related_json(self, i: int) -> bytes:
        """The JSON list of article ``i``'s default related items."""
        bounds, buffer = self._bounds, self._json
        parts = []
        for j, score in zip(self._rows[i].tolist(), self._scores[i].tolist()):
            if j < 0:
                break
            parts.append(b"".join((buffer[bounds[2 * j] : bounds[2 * j + 1]], repr(score).encode(), buffer[bounds[2 * j + 1] : bounds[2 * j + 2]])))
        return b"[" + b",".join(parts) + b"]"

    def answer(self, i: int, stored_line: bytes, model_version: str) -> bytes:
        """The whole body of ``GET /articles/<id>/related`` without options, for article row ``i``.

        ``stored_line`` is the article's line of the :class:`~.store.ArticleStore`: an ASCII line is
        the article's JSON as the API writes it; any other is re-encoded with ASCII escapes.
        """
        article = stored_line if stored_line.isascii() else dumps(json.loads(stored_line)).encode("ascii")
        return b"".join((
            b'{"article":', article,
            b',"model_version":', dumps(model_version).encode("ascii"),
            b',"related":', self.related_json(i), b"}\n",
        ))
