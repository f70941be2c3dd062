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
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Hashable, Iterable

from recommender.schema import Article


TUNING, HELD_OUT = 0, 1


@dataclass(frozen=True)
class Half:
    """One half of a data set's ground truth (see :func:`half`): the related ids, the rated pairs and
    the articles whose lists are judged by their labels."""
    related: dict[str, set[str]]
    rated_pairs: list[tuple[str, str, float]]
    labelled: list[str]


def _alternate(keys: Iterable[Hashable], which: int) -> set[Hashable]:
    """The keys at even (``which`` 0) or odd (1) positions in the order each first appears."""
    return set(list(dict.fromkeys(keys))[which::2])


def half(es: "EvalSet", which: int) -> Half:
    """The half of ``es``'s ground truth the tuning search reads (``TUNING``, :mod:`train.tuning`) or
    never reads (``HELD_OUT``). A judgement is about a pair of articles, so the pairs are what is
    split, not the articles: a related link goes with both its ends (a link asked from one end in
    one half is not asked from the other in the other), and a rated pair with every rating of it.
    Pairs alternate between the halves in the order they first appear (related ids in the file's
    order, each query's ids sorted; rated pairs in the file's order); labelled articles alternate in
    the corpus's order, since a label is a judgement of one article."""
    links = [frozenset((q, r)) for q in es.related for r in sorted(es.related[q]) if r != q]
    kept_links = _alternate(links, which)
    related = {q: kept for q, rel in es.related.items() if (kept := {r for r in rel if frozenset((q, r)) in kept_links})}
    kept_pairs = _alternate((frozenset((a, b)) for a, b, _ in es.rated_pairs), which)
    pairs = [(a, b, r) for a, b, r in es.rated_pairs if frozenset((a, b)) in kept_pairs]
    return Half(related, pairs, [a.id for a in es.articles][which::2] if es.labels else [])


#: Halves whose mean ratings differ by more than this many standard errors are warned of.
SKEW_Z = 3.0


def uneven_ratings(es: "EvalSet") -> str | None:
    """Why the halves of ``es``'s rated pairs (see :func:`half`) are unlike, or None: their mean
    ratings differ beyond chance (by more than :data:`SKEW_Z` standard errors), as when a file
    alternates kinds of pair (a similar one, then a dissimilar one), so one half holds one kind."""
    ratings = [[r for *_, r in half(es, which).rated_pairs] for which in (TUNING, HELD_OUT)]
    if min(map(len, ratings)) < 2:
        return None
    means = [sum(r) / len(r) for r in ratings]
    spread = sum(sum((x - m) ** 2 for x in r) / (len(r) - 1) / len(r) for r, m in zip(ratings, means)) ** 0.5
    if abs(means[0] - means[1]) <= SKEW_Z * spread:
        return None
    return (f"the rated pairs tuning reads (mean rating {means[0]:.3g} over {len(ratings[0]):,}) and the other half "
            f"(mean {means[1]:.3g} over {len(ratings[1]):,}) differ beyond chance: the halves are every other pair in the "
            "file's order, so a file that alternates kinds of pair splits unevenly; shuffle its rows")


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


def about_corpus(related: dict[str, set[str]], ratings: list[tuple[str, str, float]],
                 known: set[str]) -> tuple[dict[str, set[str]], list[tuple[str, str, float]], set[str]]:
    """The ground truth about the articles ``known``: the related ids and the rated pairs both of
    whose ends are among them, and the ids named that are not."""
    named = set(related) | {i for rel in related.values() for i in rel} | {i for a, b, _ in ratings for i in (a, b)}
    return ({q: rel & known for q, rel in related.items() if q in known and rel & known},
            [(a, b, r) for a, b, r in ratings if a in known and b in known], named - known)


def judgements(related: dict[str, set[str]], ratings: list[tuple[str, str, float]]) -> int:
    """How many judgements ground truth holds: a related id each way it is asked, and a rating."""
    return sum(map(len, related.values())) + len(ratings)


#: A ground-truth file more than this share of whose judgements name ids not in the corpus is warned of.
MOSTLY_DROPPED = 0.5


_SPELLINGS = (  # ways an id is written differently by two systems: what it says, and the id written one way
    ("Unicode normalisation (an accent written as one character or as two, NFC against NFD; write both in one "
     "form, NFC)", lambda i: unicodedata.normalize("NFC", i)),
    ("leading zeros (001000 is not 1000)", lambda i: re.sub(r"(?<!\d)0+(?=\d)", "", i).lstrip("0") or "0"),
    ("upper and lower case", str.casefold),
)


def unknown_ids(unknown: set[str], known: set[str], skipped: int = 0) -> str:
    """The ids of a ground-truth file that are not in the corpus (``known``), in words: how many,
    the first few (escaped where not ASCII, so ids alike to the eye are told apart) and the likely
    reasons, each with how many ids it explains: ids that differ from the corpus's only in Unicode
    normalisation, leading zeros (of any run of digits) or case; then, for the others, the
    ``skipped`` unreadable records of the corpus, else their spelling."""
    shown = ", ".join(repr(i) if i.isascii() else ascii(i) for i in sorted(unknown)[:3]) + (", ..." if len(unknown) > 3 else "")
    text = f"{len(unknown):,} distinct id{'s' if len(unknown) != 1 else ''} not in the corpus ({shown})"
    reasons, left = [], set(unknown)
    for how, spelling in _SPELLINGS:
        spelt = {spelling(k) for k in known}
        alike = {i for i in left if spelling(i) in spelt}
        if alike:
            reasons.append(f"{_count(alike, left == alike and not reasons)} from the corpus's ids only in {how}")
            left -= alike
    if left and skipped:
        who = f"the other {len(left):,}" if reasons else "they" if len(left) != 1 else "it"
        reasons.append(f"{who} may be of the {skipped:,} unreadable "
                       f"record{'s' if skipped != 1 else ''} of the corpus skipped, or spelt otherwise than the corpus spells "
                       f"{'them' if len(left) != 1 else 'it'}")
    elif left and not reasons:
        reasons.append("an id must be spelt as the corpus spells it")
    return text + ": " + "; ".join(reasons)


def _count(ids: set[str], every: bool) -> str:
    if every:
        return "they differ" if len(ids) != 1 else "it differs"
    return f"{len(ids):,} differ{'s' if len(ids) == 1 else ''}"


def mostly_dropped(path, related: bool, given: int, kept: int, unknown: set[str], known: set[str],
                   skipped: int = 0) -> str | None:
    """A warning when most of the ``given`` judgements of a ground-truth file (``related`` ids, each
    way a pair is asked, or rated pairs) name ids that are not in the corpus (``unknown``, see
    :func:`unknown_ids`), so that only ``kept`` are measured."""
    if not given or given - kept <= MOSTLY_DROPPED * given:
        return None
    what = "related ids (a pair counts once each way it is asked)" if related else "ratings"
    return f"{path}: {given - kept:,} of its {given:,} {what} are left out for {unknown_ids(unknown, known, skipped)}"
