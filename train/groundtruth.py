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

from dataclasses import dataclass, field

from recommender.schema import Article


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
