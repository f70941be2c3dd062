"""The synthetic corpus generator: the shape of real news, valid articles, and the same file per seed."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from recommender.model import RelatedArticles
from recommender.schema import parse_article
from train.synthetic import COMMON_TAG, main

N = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "corpus.jsonl"
    assert main([str(N), "--out", str(path), "--seed", "7"]) == 0
    return path


@pytest.fixture(scope="module")
def rows(corpus):
    return [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]


def test_writes_n_valid_articles_with_unique_ids(rows):
    assert len(rows) == N
    articles = [parse_article(r) for r in rows]
    assert len({a.id for a in articles}) == N
    assert all(a.title and a.body and a.url and a.section and a.published_at for a in articles)


def test_each_article_has_3_to_8_tags_from_a_long_tailed_set(rows):
    per_article = [len(r["tags"]) for r in rows]
    assert min(per_article) >= 3 and max(per_article) <= 8
    counts = Counter(t for r in rows for t in r["tags"])
    top, top_count = counts.most_common(1)[0]
    assert top == COMMON_TAG and top_count > 0.3 * N          # one very common tag
    assert sum(1 for c in counts.values() if c == 1) > 0.1 * len(counts)  # and a long tail of rare ones


def test_bodies_titles_and_dates_look_like_news(rows):
    words = [len(r["body"].split()) for r in rows]
    assert min(words) >= 150 and max(words) <= 400
    assert all(5 <= len(r["title"].split()) <= 16 for r in rows if not r["title"].startswith("UPDATED"))
    years = {r["published_at"][:4] for r in rows}
    assert len(years) >= 4
    assert len({r["section"] for r in rows}) >= 5


def test_zipf_vocabulary_and_topic_clusters(rows):
    counts = Counter(w.lower().strip(".") for r in rows for w in r["body"].split())
    ranked = [c for _, c in counts.most_common()]
    assert ranked[0] > 20 * ranked[len(ranked) // 10]      # heavy head, long tail
    assert len({r["labels"][0] for r in rows}) > 20


def test_near_duplicate_updates_are_present_and_found_by_the_model(rows):
    updates = [r for r in rows if r["title"].startswith("UPDATED: ")]
    assert 0.005 * N <= len(updates) <= 0.1 * N
    by_title = {r["title"]: r for r in rows}
    original = by_title[updates[0]["title"].removeprefix("UPDATED: ")]
    a, b = original["body"].split(), updates[0]["body"].split()
    assert len(a) == len(b) and 0 < sum(x != y for x, y in zip(a, b)) <= 4
    model = RelatedArticles(n_jobs=1).fit(rows)
    index = {r["id"]: i for i, r in enumerate(rows)}
    assert model.duplicate_group_[index[original["id"]]] == model.duplicate_group_[index[updates[0]["id"]]]


def test_the_same_seed_gives_the_same_file(corpus, tmp_path):
    again, other = tmp_path / "again.jsonl", tmp_path / "other.jsonl"
    assert main([str(N), "--out", str(again), "--seed", "7"]) == 0
    assert main([str(N), "--out", str(other), "--seed", "8"]) == 0
    assert again.read_bytes() == corpus.read_bytes()
    assert other.read_bytes() != corpus.read_bytes()


def test_a_smaller_corpus_is_the_start_of_a_larger_one(corpus, tmp_path):
    smaller = tmp_path / "smaller.jsonl"
    assert main([str(N // 2), "--out", str(smaller), "--seed", "7"]) == 0
    assert corpus.read_text(encoding="utf-8").startswith(smaller.read_text(encoding="utf-8"))


def test_bad_arguments_fail_with_one_line(tmp_path, capsys):
    assert main(["10", "--out", str(tmp_path / "x.jsonl"), "--start", "yesterday"]) == 1
    assert main(["10", "--out", str(tmp_path / "missing" / "x.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.count("error: ") == 2 and not (tmp_path / "x.jsonl").exists()
