"""Evaluation sets: a corpus plus the ground truth people made for it, in one shape for every data set.

Three kinds of ground truth (any of them may be empty):

* ``related``: for a query id, the ids people marked as related to it (duplicates, links, the same
  story). Symmetric links are listed from both ends.
* ``rated_pairs``: ``(id_a, id_b, similarity)`` with a human similarity where higher means more
  similar (scales that run the other way are flipped by the adapter).
* ``labels``: categories people assigned (Reuters TOPICS, BBC categories) that the model never reads.

``queries`` are unseen articles (not in ``articles``) asked with ``related_to``, as the ModApte test
set is; ``categories`` are the labels scored by kNN F1 on them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Sequence, TypeVar

from recommender.schema import Article


T = TypeVar("T")


def tuning_half(questions: Sequence[T]) -> list[T]:
    """The questions at even positions (articles in corpus order, rated pairs in file order): what
    the tuning search (:mod:`train.tuning`) reads of a data set without unseen queries."""
    return list(questions[::2])


def held_out_half(questions: Sequence[T]) -> list[T]:
    """The questions at odd positions: those the tuning search never reads (see :func:`tuning_half`)."""
    return list(questions[1::2])


@dataclass
class EvalSet:
    name: str
    articles: list[Article]
    related: dict[str, set[str]] = field(default_factory=dict)
    rated_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    labels: dict[str, set[str]] = field(default_factory=dict)
    queries: list[Article] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    description: str = ""

    def digest(self) -> str:
        """What the articles, the unseen queries and the ground truth are, whatever the folder is
        called: the targets of the bundled data sets are judged only on those data sets themselves."""
        h = hashlib.sha256()
        for part in ("articles", "queries"):
            for a in sorted(getattr(self, part), key=lambda a: a.id):
                h.update(f"{part}\t{a.id}\t{a.title}\t{a.body}\n".encode("utf-8", "surrogatepass"))
        for key, values in sorted(self.related.items()):
            h.update(f"related\t{key}\t{sorted(values)}\n".encode("utf-8", "surrogatepass"))
        for a, b, r in sorted(self.rated_pairs):
            h.update(f"rated\t{a}\t{b}\t{r!r}\n".encode("utf-8", "surrogatepass"))
        for key, values in sorted(self.labels.items()):
            h.update(f"labels\t{key}\t{sorted(values)}\n".encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:16]
