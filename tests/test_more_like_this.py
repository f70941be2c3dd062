"""The Elasticsearch More Like This baseline: its documented term selection, BM25 scores and
minimum-should-match rule, on corpora small enough to work out by hand."""
from __future__ import annotations

import math

import pytest

from recommender.schema import parse_article
from train.systems import MoreLikeThis


def corpus(bodies: dict[str, str]):
    return [parse_article({"id": i, "title": b, "published_at": "2026-01-01"}) for i, b in bodies.items()]


def test_interesting_terms_need_two_uses_in_the_source_and_five_articles():
    articles = corpus({
        "s": "storm storm storm flood flood river rare rare once",
        "a": "storm flood river rare", "b": "storm flood river", "c": "storm flood river", "d": "storm flood river",
        "e": "calm", "f": "calm",
    })
    mlt = MoreLikeThis().fit(articles)
    # rare: twice in s but in two articles only; river and once: used once in s
    assert mlt.interesting_terms("s") == ["storm", "flood"]  # tf 3 before tf 2 at the same idf
    assert MoreLikeThis(min_doc_freq=1).fit(articles).interesting_terms("s") == ["rare", "storm", "flood"]  # rarer first
    assert MoreLikeThis(max_query_terms=1).fit(articles).interesting_terms("s") == ["storm"]


def test_a_candidate_scores_the_bm25_weights_of_the_query_terms_it_has():
    bodies = {"s": "moon moon rocket rocket", "a": "moon rocket launch", "b": "moon", "c": "sea sea sea"}
    mlt = MoreLikeThis(min_doc_freq=1, minimum_should_match=0.0).fit(corpus(bodies))
    assert sorted(mlt.interesting_terms("s")) == ["moon", "rocket"]
    n, lengths = 4, {i: len(b.split()) for i, b in bodies.items()}
    avgdl = sum(lengths.values()) / n

    def weight(df: int, tf: int, doc: str) -> float:
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * lengths[doc] / avgdl))

    assert mlt.score("s", "a") == pytest.approx(weight(3, 1, "a") + weight(2, 1, "a"))
    assert mlt.score("s", "b") == pytest.approx(weight(3, 1, "b"))
    assert mlt.score("s", "c") == 0.0
    assert [i for i, _ in mlt.related("s", 5)] == ["a", "b"]  # never the source itself; c matches nothing


def test_a_candidate_matching_under_30_percent_of_the_terms_is_not_listed():
    words = [f"w{i}" for i in range(10)]
    bodies = {"s": " ".join(w + " " + w for w in words), "two": " ".join(words[:2]), "three": " ".join(words[:3])}
    mlt = MoreLikeThis(min_doc_freq=1).fit(corpus(bodies))
    assert len(mlt.interesting_terms("s")) == 10  # 30% of 10: at least 3 must match
    assert mlt.score("s", "two") == 0.0 and mlt.score("s", "three") > 0
    assert [i for i, _ in mlt.related("s", 5)] == ["three"]


def test_an_unseen_article_is_asked_with_its_own_terms():
    bodies = {"s": "moon moon rocket", "a": "moon rocket", "b": "sea"}
    mlt = MoreLikeThis(min_doc_freq=1).fit(corpus(bodies))
    unseen = parse_article({"id": "u", "title": "Moon moon", "body": "rocket rocket"})
    assert [i for i, _ in mlt.related_to(unseen, 5)] == ["s", "a"]
    assert mlt.related_to(parse_article({"id": "v", "title": "words never seen", "body": "before before"}), 5) == []
    with pytest.raises(TypeError, match="unknown"):
        MoreLikeThis(max_terms=3)


def test_a_corpus_without_words_gives_empty_lists_not_an_error():
    mlt = MoreLikeThis().fit(corpus({"a": "!!!", "b": "?"}))
    assert mlt.related("a", 5) == [] and mlt.related_to(parse_article({"id": "u", "title": "news"}), 5) == []
    assert mlt.score("a", "b") == 0.0 and mlt.interesting_terms("a") == []
