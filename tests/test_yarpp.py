"""The WordPress YARPP baseline: its keywords, InnoDB's full-text relevance, the taxonomy points
and the match threshold, on corpora small enough to work out by hand."""
from __future__ import annotations

import math

import pytest

from recommender.schema import parse_article
from train.systems import RelatedPosts


def article(i: str, title: str, body: str = "", tags=(), section: str = ""):
    return parse_article({"id": i, "title": title, "body": body, "tags": list(tags), "section": section,
                          "published_at": "2026-01-01"})


def test_keywords_are_the_most_used_words_without_stop_words_or_single_letters():
    yarpp = RelatedPosts(keywords=3).fit([article("a", "x")])
    text = "The flood, the FLOOD and the river: a flood of mud; river x mud-slide"
    # flood 3, river 2, mud 2 (first used after river), slide 1; "the", "and", "of", "a", "x" dropped
    assert yarpp.keywords(text) == ["flood", "river", "mud"]


def test_a_candidate_scores_innodb_relevance_in_body_and_title():
    articles = [
        article("s", "Moon landing", "rocket rocket moon crew"),
        article("a", "Moon base", "rocket moon moon"),
        article("b", "Sea trip", "crew of the boat"),
        article("c", "Sea storm", "waves"),
    ]
    yarpp = RelatedPosts(threshold=0.0).fit(articles)

    def idf2(df: int) -> float:
        return math.log10(4 / df) ** 2

    # body keywords of s: rocket, moon, crew; title keywords: moon, landing
    body_a = 1 * idf2(2) + 2 * idf2(2)  # rocket once, moon twice in a's body; both in 2 bodies of 4
    title_a = 1 * idf2(2)  # moon in 2 titles of 4
    assert yarpp.score("s", "a") == pytest.approx(round(body_a + title_a, 1))
    assert yarpp.score("s", "b") == pytest.approx(round(idf2(2), 1))  # crew
    assert yarpp.score("s", "c") == 0.0
    assert [i for i, _ in yarpp.related("s", 5)] == ["a", "b"]  # never the source; c shares nothing


def test_shared_tags_and_category_add_a_point_each_and_the_threshold_cuts_the_list():
    articles = [
        article("s", "Budget vote", "parliament budget", tags=["Politics", "Budget"], section="UK"),
        article("a", "Other", "football", tags=["politics", "budget"], section="uk"),  # 2 tags + category
        article("b", "Other two", "cricket", tags=["Politics"]),  # 1 tag
        article("c", "Third", "tennis", section="UK"),  # category only
        article("d", "Fourth", "golf"),
    ]
    yarpp = RelatedPosts(threshold=0.1).fit(articles)
    assert yarpp.score("s", "a") == pytest.approx(3.0)  # tags and sections match whatever their case
    assert yarpp.score("s", "b") == pytest.approx(1.0)
    assert yarpp.score("s", "c") == pytest.approx(1.0)
    listed = [i for i, _ in yarpp.related("s", 5)]
    assert listed[0] == "a" and sorted(listed[1:]) == ["b", "c"]  # d shares nothing
    # the plugin's default threshold of 4 leaves nothing: a list can be empty
    assert RelatedPosts().fit(articles).related("s", 5) == []
    assert [i for i, _ in RelatedPosts(threshold=2).fit(articles).related("s", 5)] == ["a"]
    assert RelatedPosts(threshold=0.1, category_weight=0).fit(articles).score("s", "a") == pytest.approx(2.0)


def test_an_unseen_article_and_a_corpus_without_words_or_tags():
    articles = [article("s", "Moon", "rocket moon"), article("a", "Sea", "boat"), article("b", "Moon", "rocket")]
    yarpp = RelatedPosts(threshold=0.1).fit(articles)
    unseen = article("u", "Moon trip", "rocket rocket")
    assert sorted(i for i, _ in yarpp.related_to(unseen, 5)) == ["b", "s"]
    assert yarpp.related_to(article("v", "never seen", "words"), 5) == []
    empty = RelatedPosts().fit([article("a", "!!"), article("b", "?")])
    assert empty.related("a", 5) == [] and empty.score("a", "b") == 0.0
    with pytest.raises(TypeError, match="unknown"):
        RelatedPosts(weights=3)
