"""The model contract, on a corpus whose right answers are obvious."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from recommender.model import (
    METADATA_FIELDS,
    PARAMETERS,
    DuplicateIdError,
    RelatedArticles,
    UnknownArticleError,
    corpus_fingerprint,
)
from recommender.schema import date_to_days, parse_article
from recommender.store import ArticleStore, ArticleStoreBuilder
from recommender.tags import normalise_tags

from .conftest import FOOD, SPACE, make_articles

ALL_IDS = [a["id"] for a in make_articles()]


def ids(items):
    return [r.id for r in items]


@pytest.mark.parametrize("article_id", ALL_IDS)
def test_never_returns_the_article_itself_and_stays_on_topic(model, article_id):
    got = ids(model.related(article_id, k=3))
    assert article_id not in got
    assert len(got) == len(set(got))
    space = {r[0] for r in SPACE} | {"d1", "d2", "u1"}
    assert (got[0] in space) == (article_id in space)


@pytest.mark.parametrize("k", [1, 2, 5, 100])
def test_k_is_respected(model, k):
    got = model.related("s1", k=k)
    assert len(got) == min(k, len(got))
    assert len(got) <= k
    if k <= 5:
        assert len(got) == k


def test_scores_are_descending_and_positive(model):
    scores = [r.score for r in model.related("f1", k=8)]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_tags_change_the_ranking():
    # same text for two candidates; only one shares a rare tag with the source
    rows = [
        ("a", "Harbour crane", "crane harbour port ships cargo", ["cranes"], "2024-01-01"),
        ("b", "Harbour crane", "crane harbour port ships cargo quay", ["docks"], "2024-01-01"),
        ("c", "Harbour crane", "crane harbour port ships cargo pier", ["cranes"], "2024-01-01"),
        ("x", "Cake recipe", "flour sugar eggs", ["docks"], "2024-01-01"),
    ]
    corpus = make_articles(rows)
    text_only = RelatedArticles(min_df=1, tag_weight=0.0, duplicate_threshold=1.0, headline_threshold=1.0).fit(corpus)
    blended = RelatedArticles(min_df=1, tag_weight=0.5, duplicate_threshold=1.0, headline_threshold=1.0).fit(corpus)
    assert ids(text_only.related("a", k=2)) == ["b", "c"]  # a tie, broken by corpus order
    assert ids(blended.related("a", k=2)) == ["c", "b"]


def test_tagless_articles_fall_back_to_text_without_penalty():
    rows = [
        ("a", "Harbour crane", "crane harbour port ships cargo", [], "2024-01-01"),
        ("b", "Harbour crane", "crane harbour port ships cargo quay", ["docks"], "2024-01-01"),
        ("x", "Cake recipe", "flour sugar eggs", ["docks"], "2024-01-01"),
    ]
    corpus = make_articles(rows)
    text_only = RelatedArticles(min_df=1, tag_weight=0.0, duplicate_threshold=1.0, headline_threshold=1.0).fit(corpus)
    blended = RelatedArticles(min_df=1, tag_weight=0.9, duplicate_threshold=1.0, headline_threshold=1.0).fit(corpus)
    assert blended.related("a", k=1)[0].score == pytest.approx(text_only.related("a", k=1)[0].score)
    assert blended.score("a", "b") == pytest.approx(text_only.score("a", "b"))
    # both tagged, no shared tag: the blend does lower the score
    assert blended.score("b", "x") < text_only.score("b", "x") or text_only.score("b", "x") == 0


def test_tag_normalisation_matches_messy_spellings():
    rows = [
        ("a", "One", "alpha beta", ["#USElections"], None),
        ("b", "Two", "gamma delta", ["us election"], None),
        ("c", "Three", "epsilon zeta", ["sport"], None),
    ]
    m = RelatedArticles(min_df=1, tag_weight=0.5).fit(make_articles(rows))
    assert ids(m.related("a", k=1)) == ["b"]
    assert m.related("a", k=1, explain=True)[0].why["shared_tags"] in (["USElections"], ["us election"])


def test_rare_tags_weigh_more_than_common_ones(model):
    keys = list(model.tag_keys_)
    assert model.tag_idf_[keys.index("space")] < model.tag_idf_[keys.index("telescope")]


def test_near_duplicates_are_collapsed(model):
    assert "d2" not in ids(model.related("d1", k=10))
    assert "d1" not in ids(model.related("d2", k=10))
    lists = ids(model.related("s1", k=10))
    assert not {"d1", "d2"} <= set(lists), "a story and its update appear in one list"
    assert model.duplicate_group_[model.index_of("d1")] == model.duplicate_group_[model.index_of("d2")]


def test_unknown_id_raises_a_specific_error(model):
    with pytest.raises(UnknownArticleError) as info:
        model.related("nope")
    assert info.value.article_id == "nope"
    assert "nope" not in model
    assert "s1" in model


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        RelatedArticles().related("s1")


def test_fit_is_deterministic(articles):
    one = RelatedArticles(min_df=1).fit(articles)
    two = RelatedArticles(min_df=1, n_jobs=2, memory_mb=0.0001).fit(articles)  # many blocks, 2 processes
    for article_id in ALL_IDS:
        assert one.related(article_id, k=8) == two.related(article_id, k=8)
    np.testing.assert_array_equal(one.candidates_, two.candidates_)


def test_duplicate_ids_are_refused(articles):
    with pytest.raises(DuplicateIdError) as info:
        RelatedArticles(min_df=1).fit(articles + articles[:2])
    assert info.value.ids == sorted(a["id"] for a in articles[:2])


def test_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="empty"):
        RelatedArticles().fit([])


@pytest.mark.parametrize("bad", [{"tag_weight": 1.5}, {"title_weight": 0}, {"n_candidates": 0}, {"duplicate_threshold": 0}, {"n_jobs": 0}])
def test_bad_parameters_are_refused(articles, bad):
    with pytest.raises(ValueError):
        RelatedArticles(**bad).fit(articles)


def test_related_to_an_unseen_article_uses_the_fitted_vocabulary(model):
    got = model.related_to({"title": "Sourdough bread at the bakery", "body": "fresh loaf from the oven", "tags": ["bread"]}, k=3)
    assert {r.id for r in got} <= {r[0] for r in FOOD} | {"u2"}
    assert len(got) == 3


def test_related_to_drops_the_posted_article_and_its_duplicates(model, articles):
    d1 = next(a for a in articles if a["id"] == "d1")
    got = ids(model.related_to(d1, k=10))
    assert "d1" not in got and "d2" not in got


def test_filters(model):
    assert ids(model.related("s1", k=3, exclude=["s2", "s3"]))[:1] != ["s2"]
    assert not {"s2", "s3"} & set(ids(model.related("s1", k=10, exclude=["s2", "s3"])))
    assert all(model.article(i)["section"] == "food" for i in ids(model.related("s1", k=5, section="FOOD")))
    assert ids(model.related("f1", k=5, section="ＦＯＯＤ")) == ids(model.related("f1", k=5, section="food")) != []  # full width
    dated = ids(model.related("s1", k=10, since="2024-02-01", until="2024-03-31"))
    assert dated and all("2024-02-01" <= model.article(i)["published_at"] <= "2024-03-31" for i in dated)
    assert all(r.score >= 0.2 for r in model.related("s1", k=10, min_score=0.2))


def test_a_section_matches_in_either_unicode_form():
    docs = [{"id": "a", "title": "Bourse en hausse", "section": "\u00c9conomie"}, {"id": "b", "title": "Bourse en baisse", "section": "\u00e9conomie"},
            {"id": "c", "title": "Bourse fermée", "section": "E\u0301conomie"}, {"id": "d", "title": "Bourse et sport", "section": "Sport"}]
    model = RelatedArticles(min_df=1, topic_weight=0.0).fit(docs)
    for typed in ("\u00c9CONOMIE", "E\u0301conomie", "e\u0301conomie"):
        assert sorted(ids(model.related("a", k=5, section=typed))) == ["b", "c"], typed


def test_date_filters_take_python_dates_as_their_iso_strings(articles):
    import datetime as dt

    timed = [a | {"published_at": "2024-02-11T15:20:00Z"} if a["id"] == "s2" else a for a in articles]
    model = RelatedArticles(min_df=1).fit(timed)
    as_text = ids(model.related("s1", k=10, since="2024-02-01", until="2024-03-31"))
    assert ids(model.related("s1", k=10, since=dt.date(2024, 2, 1), until=dt.date(2024, 3, 31))) == as_text
    assert "s2" in ids(model.related("s1", k=10, until=dt.date(2024, 2, 11)))  # a date covers its whole day
    moment = dt.datetime(2024, 2, 11, 15, 19, 59, tzinfo=dt.timezone.utc)
    assert "s2" not in ids(model.related("s1", k=10, until=moment))


@pytest.mark.parametrize("text", ["2024-05-01", "20240501", "2024-W18-3", "2024W183", "2024-05-01T12:00:00Z", "2024-05-01 12:00",
                                  "2024-05-01T23:30:00-05:00", "2024-05-01T12:00:00.123456789+0200", "20240501T093000Z",
                                  "2024-05-01T12:00:00,5Z", " 2024-05-01T09 "])
def test_iso_dates_in_their_usual_shapes_are_read(text):
    from recommender.schema import parse_date

    assert parse_date(text, "since") == text.strip()


@pytest.mark.parametrize("text", ["1111111111111111111", "2024-05-01X12:00", "2024-05-01T12:00:00Z" + "0" * 50, "2024-W26",
                                  "2024", "2024-05", "yesterday", "2024-05-01T24:00", "2024-05-01T12:00+25:00",
                                  "\uff12\uff10\uff12\uff14-05-01", "2024-05-01T12:00:00Zjunk"])
def test_strings_python_would_stretch_into_a_date_are_refused(text):
    # fromisoformat alone reads the first as 1111-11-11T11:11:11.111111, any character as the separator,
    # a week without its day as its Monday, and full-width digits as digits
    from recommender.schema import SchemaError, parse_date

    with pytest.raises(SchemaError, match="since is not an ISO 8601 date"):
        parse_date(text, "since")


@pytest.mark.parametrize("until", ["2024-02-11", "20240211", "2024-W06-7", "2024-02-11T15:20:00Z"])
def test_until_a_date_covers_its_whole_day_in_every_form(articles, until):
    timed = [a | {"published_at": "2024-02-11T15:20:00Z"} if a["id"] == "s2" else a for a in articles]
    model = RelatedArticles(min_df=1).fit(timed)
    assert "s2" in ids(model.related("s1", k=10, until=until))
    assert "s2" not in ids(model.related("s1", k=10, until="2024-02-11T15:19:59Z"))


def test_filters_that_exhaust_the_candidates_fall_back_to_the_whole_corpus(articles):
    short = RelatedArticles(min_df=1, tag_weight=0.3, n_candidates=2).fit(articles)
    long = RelatedArticles(min_df=1, tag_weight=0.3).fit(articles)
    top2 = ids(short.related("s1", k=2))
    got = ids(short.related("s1", k=4, exclude=top2))
    assert len(got) >= 3 and not set(got) & set(top2)  # both precomputed candidates were excluded
    assert got == ids(long.related("s1", k=4, exclude=top2))


def test_half_life_prefers_recent_articles(model):
    plain = model.related("f2", k=8)
    recent = model.related("f2", k=8, half_life_days=30)
    f3 = lambda items: next(r.score for r in items if r.id == "f3")  # two years older than f2
    assert f3(recent) < f3(plain) / 100


def test_half_life_ranks_by_the_adjusted_score_even_when_it_underflows():
    # with a half-life of 0.01 days (the service's least), an item older by 11 days or more scores 0.0 in
    # floating point; the list must still be in the order of the adjusted scores: newer first here
    texts = {"source": ("2024-06-01", "harbour crane strike"), "a-oldest": ("2023-06-01", "harbour crane strike vote"),
             "b-older": ("2024-03-01", "harbour crane strike talks"), "c-old": ("2024-05-01", "harbour crane strike ends"),
             "z-other": ("2024-06-01", "bakery bread prices")}
    model = RelatedArticles(min_df=1).fit(
        [parse_article({"id": i, "title": t, "published_at": d}) for i, (d, t) in texts.items()])
    assert [r.id for r in model.related("source", k=3, half_life_days=0.01)] == ["c-old", "b-older", "a-oldest"]


def test_half_life_reorders_the_most_similar_and_never_brings_in_a_weak_new_one():
    # 3 candidates; a k larger than that scores the whole corpus, and the age must still only reorder
    # the most similar articles, not lift the newest weak one to the top
    rows = [("source", "2024-06-01", "harbour crane strike vote dockers union pay")]
    extra = [("talks", "ferry"), ("pickets", "gates"), ("ballot", "wages")]
    rows += [(f"near{i}", f"2024-0{1 + i}-01", f"harbour crane strike {a} {b} union") for i, (a, b) in enumerate(extra)]
    rows += [(f"weak{i}", "2024-06-01", f"harbour bakery bread {a} {b} flour") for i, (a, b) in enumerate(extra)]
    model = RelatedArticles(min_df=1, topic_weight=0.0, n_candidates=3).fit(
        [parse_article({"id": i, "title": t, "published_at": d}) for i, d, t in rows])
    assert [r.id for r in model.related("source", k=3, half_life_days=30)] == ["near2", "near1", "near0"]
    # k=4: the 4 most similar (the three near ones and one weak one) reordered; the new weak ones
    # would fill the top if the age were weighed over the whole corpus
    longer = [r.id for r in model.related("source", k=4, half_life_days=30)]
    assert {"near0", "near1", "near2"} < set(longer) and sum(i.startswith("weak") for i in longer) == 1


def test_under_a_half_life_an_undated_item_counts_as_older_than_any():
    rows = [("source", "2024-06-01", "harbour crane strike vote"), ("undated", None, "harbour crane strike vote dockers"),
            ("old", "2020-06-01", "harbour crane strike vote talks"), ("other", "2024-06-01", "bakery bread prices")]
    model = RelatedArticles(min_df=1, topic_weight=0.0).fit(
        [parse_article({"id": i, "title": t, "published_at": d}) for i, d, t in rows])
    plain = [r.id for r in model.related("source", k=2)]
    assert plain == ["undated", "old"]  # without the age, the undated one is the most similar
    aged = model.related("source", k=2, half_life_days=365)
    assert [r.id for r in aged] == ["old", "undated"] and aged[1].score == 0.0 < aged[0].score
    # an undated source has no age to measure from: the half-life changes nothing
    assert model.related("undated", k=3, half_life_days=1) == model.related("undated", k=3)


def test_min_score_at_a_shown_score_keeps_that_item(model):
    top = model.related("s1", k=1)[0]
    assert [r.id for r in model.related("s1", k=1, min_score=top.score)] == [top.id]


def test_explanations_name_shared_tags_and_terms(model):
    why = model.related("s2", k=1, explain=True)[0].why
    assert why["shared_tags"] and why["top_terms"]
    assert all(0 <= t["share"] <= 1 for t in why["top_terms"])
    total = sum(t["share"] for t in why["top_terms"]) + why["tag_share"]
    assert total <= 1.0 + 1e-6
    assert model.related("s2", k=1)[0].why is None


def test_explain_shows_each_stem_as_the_word_it_stands_for(tmp_path):
    from recommender import artifact

    docs = [{"id": "a", "title": "Senate passes budget", "body": "The senate passed the budget; senators cheered the senate"},
            {"id": "b", "title": "Senate budget talks", "body": "Budgets and the senate: talks go on"},
            {"id": "c", "title": "Bakery opens", "body": "Fresh bread"}]
    model = RelatedArticles(min_df=1, topic_weight=0.0).fit(docs)
    terms = model.related("a", k=1, explain=True)[0].why["top_terms"]
    assert {t["term"]: t["word"] for t in terms} == {"senat": "senate", "budget": "budget"}
    artifact.publish(model, tmp_path / "models")
    again = artifact.load(tmp_path / "models")
    assert again.related("a", k=1, explain=True)[0].why["top_terms"] == terms
    plain = RelatedArticles(min_df=1, topic_weight=0.0, stemmer=None).fit(docs)
    assert plain.term_words_ is plain.terms_  # no stemmer: the terms are the words, stored once
    assert all(t["term"] == t["word"] for t in plain.related("a", k=1, explain=True)[0].why["top_terms"])
    artifact.publish(plain, tmp_path / "plain")
    assert "term_words.npy" not in artifact.load(tmp_path / "plain").manifest_["files"]


def test_score_is_symmetric(model):
    assert model.score("s1", "s2") == pytest.approx(model.score("s2", "s1"))
    assert model.score("s1", "s1") == pytest.approx(1.0)
    assert model.score("s1", "f4") < model.score("s1", "s2")


def test_parameter_table_matches_the_constructor():
    defaults = RelatedArticles().get_params()
    for name, (default, help_text) in PARAMETERS.items():
        expected = list(default) if isinstance(default, tuple) else default
        assert defaults[name] == expected, name
        assert help_text


def test_a_corpus_without_any_tag_is_ranked_by_text(articles):
    untagged = [{**a, "tags": []} for a in articles]
    m = RelatedArticles(min_df=1).fit(untagged)
    text_only = RelatedArticles(min_df=1, tag_weight=0.0).fit(articles)
    assert len(m.tag_keys_) == 0 and not m.tagged_.any()
    assert m.related("s1") == text_only.related("s1")
    assert m.related_to({"title": "Moon rocket", "tags": ["space"]})


# ---------------------------------------------------------------------------- streaming fit
FINGERPRINTED = [
    {"id": "n1", "title": "Café opens by the harbour", "subtitle": "A standfirst", "body": "Coffee and cake.",
     "tags": ["Food", "#HarbourLife"], "published_at": "2024-05-01T09:30:00Z", "section": "Life", "labels": ["food"]},
    {"id": 7, "title": "Ferry timetable changes", "body": "The ferry now leaves at dawn.", "tags": "transport, ferries",
     "url": "https://example.com/7", "language": "en"},
]


def test_corpus_fingerprint_keeps_its_values():
    # digests of the fingerprint as it was before fit streamed the corpus: published models carry them
    # (an unlabelled corpus's; since 2026-12-02 labels are left out, so a labelled one's digest is the unlabelled one's)
    docs = [parse_article(r) for r in FINGERPRINTED]
    assert corpus_fingerprint(docs[1:]) == "46e45b38ef04d517186a8c55a76494b26189752362aa5fc0f789e8529f77f521"
    assert corpus_fingerprint(docs) == "ae8ccd9042feda016e03ba7ccc7ac8bb9d0e97a30bad6d07a38055b3977c6c0a"
    unlabelled = [parse_article({**r, "labels": []}) for r in FINGERPRINTED]
    assert docs[0].labels and corpus_fingerprint(unlabelled) == corpus_fingerprint(docs)
    assert corpus_fingerprint(iter(docs[:1])) == "8ef0d152058f98d89ea6e9217f475043e0055b439411a4555966f0017a7c57d7"
    assert corpus_fingerprint([]) == hashlib.sha256().hexdigest()
    fitted = RelatedArticles(min_df=1).fit(iter(FINGERPRINTED))
    assert fitted.corpus_fingerprint_ == corpus_fingerprint(docs)


def _streaming_corpus():
    rows = make_articles(section_of=lambda i: {"s": "Science", "f": "FOOD", "d": "science", "u": ""}[i[0]])
    rows[0]["subtitle"] = "Weather delays the launch again"
    rows[1]["tags"] = ["space", "Moons", "moon", "#MoonLanding"]  # two spellings of one key, a repeated key
    rows[2]["published_at"] = None
    rows[3]["labels"] = ["astronomy"]
    rows[4]["title"] = "Bäckerei wins bread prize"
    rows[5]["id"] = 55  # a number id, read as a string
    return rows


def _learned(model):
    """Every learned attribute as plain values: arrays, the parts of sparse matrices, strings."""
    out = {}
    for name, value in vars(model).items():
        if not name.endswith("_"):
            continue
        if sp.issparse(value):
            parts = {p: getattr(value, p) for p in ("data", "indices", "indptr")}
            out.update({f"{name}.{p}": v for p, v in parts.items()})
            out[f"{name}.shape"] = np.asarray(value.shape)
        elif name == "ids_":
            out["ids_.keys"], out["ids_.order"] = value.keys, value.order
        elif name == "articles_":
            out["articles_.buffer"], out["articles_.offsets"] = np.asarray(value.buffer), value.offsets
        elif isinstance(value, np.ndarray):
            out[name] = value
        else:
            out[name] = np.asarray([value])
    return out


@pytest.mark.parametrize(
    "params",
    [
        {"min_df": 1, "tag_weight": 0.3},
        {"min_df": 1, "ngram_range": (1, 2), "tag_synonyms": {"moon landing": "moon"}, "search": "approximate"},
        {"min_df": 2, "stemmer": None, "stop_words": None, "sublinear_tf": False},
    ],
)
def test_a_one_shot_generator_fits_exactly_as_a_list(params):
    rows = _streaming_corpus()
    from_list = RelatedArticles(**params).fit(rows)
    consumed = []

    def once():
        for row in rows:
            consumed.append(row["id"])
            yield row

    from_generator = RelatedArticles(**params).fit(once())
    from_articles = RelatedArticles(**params).fit(parse_article(r) for r in rows)
    assert consumed == [r["id"] for r in rows]  # read once, in order
    want = _learned(from_list)
    assert len(want) > 25
    for other in (from_generator, from_articles):
        got = _learned(other)
        assert sorted(got) == sorted(want)
        for name in want:
            assert got[name].dtype == want[name].dtype, name
            assert got[name].shape == want[name].shape, name
            assert got[name].tobytes() == want[name].tobytes(), name
    assert from_list.article("55")["title"] == rows[5]["title"]
    assert from_list.tag_names_[list(from_list.tag_keys_).index("moon")] in ("moon", "Moon", "MoonLanding")
    assert from_generator.related("s1", k=5) == from_list.related("s1", k=5)


def test_a_streamed_corpus_matches_the_learned_state_of_an_explicit_computation():
    rows = _streaming_corpus()
    m = RelatedArticles(min_df=1).fit(iter(rows))
    docs = [parse_article(r) for r in rows]
    assert m.ids_.keys.tolist() == [d.id for d in docs]
    np.testing.assert_array_equal(m.published_days_, [date_to_days(d.published_at) for d in docs])
    assert m.sections_.tolist() == ["", "food", "science"]
    assert [m.sections_[c] for c in m.section_codes_] == [d.section.casefold() for d in docs]
    assert [m.article(d.id)["tags"] for d in docs] == [list(d.tags) for d in docs]
    expected = ArticleStore.build({k: v for k, v in d.to_dict().items() if k in METADATA_FIELDS} for d in docs)
    assert bytes(m.articles_.buffer) == bytes(expected.buffer)
    np.testing.assert_array_equal(m.articles_.offsets, expected.offsets)
    for d, row in zip(docs, m.tag_matrix_):
        keys = {m.tag_keys_[c] for c in row.indices}
        assert keys == set(normalise_tags(d.tags))


def test_unseen_articles_get_the_tag_rows_the_corpus_got_and_unknown_tags_drop_out():
    rows = _streaming_corpus()
    m = RelatedArticles(min_df=1).fit(rows)
    docs = [parse_article(r) for r in rows]
    _, tags, tagged, _ = m.transform(docs)
    assert (tags != m.tag_matrix_).nnz == 0
    np.testing.assert_array_equal(tagged, m.tagged_)
    _, tags, tagged, _ = m.transform([parse_article({**rows[1], "tags": ["never seen", "Moon", "moons"]})])
    assert [m.tag_keys_[c] for c in tags.indices] == ["moon"] and tagged.tolist() == [True]
    assert tags.data.tolist() == [1.0]  # one known tag: a unit row, named once


def test_duplicate_ids_in_a_stream_are_all_listed(articles):
    stream = (a for a in articles + articles[3:5] + articles[3:4] + [{**articles[0], "title": "Another title"}])
    with pytest.raises(DuplicateIdError) as info:
        RelatedArticles(min_df=1).fit(stream)
    assert info.value.ids == sorted([articles[0]["id"], articles[3]["id"], articles[4]["id"]])
    assert str(info.value).startswith("3 duplicate article ids: ")


def test_an_empty_stream_is_refused_as_an_empty_corpus():
    with pytest.raises(ValueError, match="the corpus is empty: no articles to fit"):
        RelatedArticles().fit(iter([]))
    with pytest.raises(ValueError, match="the corpus is empty: no articles to fit"):
        RelatedArticles().fit(a for a in ())


def test_a_stream_without_usable_terms_is_refused():
    with pytest.raises(ValueError, match="no terms left"):
        RelatedArticles(min_df=5).fit({"id": str(i), "title": f"word{i}"} for i in range(3))


def test_the_store_builder_gives_the_lines_build_gives():
    records = [{"id": "a", "title": "Café", "tags": ["x"]}, {"id": "b", "title": "Plain"}, {"id": "c", "title": "\u2603 snow"}]
    built = ArticleStore.build(records)
    assert bytes(built.buffer) == b"".join(ArticleStore.encode(r) + b"\n" for r in records)
    builder = ArticleStoreBuilder()
    for r in records:
        builder.append(r)
    assert len(builder) == 3
    streamed = builder.finish()
    assert bytes(streamed.buffer) == bytes(built.buffer)
    assert streamed.offsets.dtype == np.int64 and streamed.offsets.tolist() == built.offsets.tolist()
    assert streamed.buffer.dtype == np.uint8 and not streamed.buffer.flags.writeable
    assert [streamed.get(i) for i in range(3)] == records and streamed.raw(2) == ArticleStore.encode(records[2])
    assert len(ArticleStore.build([])) == 0


def test_a_story_cut_short_under_its_headline_is_the_same_story():
    body = ("dockers voted to return after the ministry raised pay offer cranes restart tonight while exporters "
            "count losses from three weeks of idle berths and rotting fruit cargoes")
    rows = [
        ("long", "Port strike ends after pay deal", body, [], "2024-03-01"),
        ("short", "Port strike ends after pay deal", " ".join(body.split()[:12]), [], "2024-03-01"),
        ("again", "PORT STRIKE ENDS, after pay deal!", "a year on the union looks back at the dispute that closed "
         "the harbour, the families who went without wages and the ministers who settled it", [], "2025-03-02"),
        ("other", "Airport strike ends after pay deal", " ".join(body.split()[:12]), [], "2024-03-01"),
        ("far", "Cake recipe", "flour sugar eggs dockers", [], "2024-03-01"),
    ]
    model = RelatedArticles(min_df=1).fit(make_articles(rows))
    cos = (model.text_matrix_ @ model.text_matrix_.T).toarray()
    i = {k: model.index_of(k) for k in ("long", "short", "again", "other")}
    assert model.headline_threshold <= cos[i["long"], i["short"]] < model.duplicate_threshold  # below the text rule, above the headline one
    assert max(cos[i["long"], i["again"]], cos[i["short"], i["again"]]) < model.headline_threshold  # the same headline over other text: another story
    group = model.duplicate_group_
    assert group[i["long"]] == group[i["short"]] != group[i["again"]]
    assert group[i["other"]] != group[i["long"]]  # another headline: the text rule alone
    assert "short" not in ids(model.related("long")) and "long" not in ids(model.related("short"))
    assert "again" in ids(model.related("long"))
    listed = ids(model.related("other"))
    assert not {"long", "short"} <= set(listed)  # the story once, not twice
    posted = ids(model.related_to({"title": "Port strike ends after pay deal", "body": " ".join(body.split()[:10])}))
    assert not {"long", "short"} & set(posted)  # a posted copy under that headline leaves the story out
    off = RelatedArticles(min_df=1, headline_threshold=1.0).fit(make_articles(rows))
    assert off.duplicate_group_[i["long"]] != off.duplicate_group_[i["short"]]


def test_a_brief_and_the_story_that_follows_it_the_same_day_are_the_same_story():
    story = ("Porsche said domestic sales fell in March, a fall to 2,394 cars from 2,545, blaming the strong mark and "
             "weaker demand for sports cars, while exports held steady")

    def corpus(flash_date):
        return make_articles([
            ("story", "Porsche reports lower domestic March sales", story, [], "1987-04-01T10:20:00Z"),
            ("flash", "Porsche March sales fall", "Porsche domestic sales fell in March", [], flash_date),
            ("plant", "Porsche plant keeps its shifts", "The Stuttgart plant kept its shifts as exports held steady and "
             "dealers waited for spring", [], "1987-04-01T12:00:00Z"),
            ("sales", "Porsche sales", "Porsche sales held steady at home", [], "1987-04-01T12:00:00Z"),
            ("far", "Rice harvest", "farmers in the delta report a rice harvest above forecasts", [], "1987-04-01T09:00:00Z"),
        ])

    model = RelatedArticles(min_df=1).fit(corpus("1987-04-01T10:02:00Z"))
    cos = (model.text_matrix_ @ model.text_matrix_.T).toarray()
    i = {k: model.index_of(k) for k in ("story", "flash", "plant", "sales")}
    assert model.brief_threshold <= cos[i["flash"], i["story"]] < model.headline_threshold  # no other rule groups them
    group = model.duplicate_group_
    assert group[i["flash"]] == group[i["story"]]
    assert len({group[i[k]] for k in ("story", "plant", "sales")}) == 3  # under half its terms, but not 80% of them in it
    assert not {"flash", "story"} <= set(ids(model.related("sales")))  # the story once, not twice
    for date in ("1987-04-09T10:02:00Z", None):  # a week apart, or undated: two stories
        other = RelatedArticles(min_df=1).fit(corpus(date))
        assert other.duplicate_group_[i["flash"]] != other.duplicate_group_[i["story"]], date
    posted = ids(model.related_to({"title": "Porsche March sales fall", "body": "Porsche domestic sales fell in March",
                                   "published_at": "1987-04-01T10:05:00Z"}))
    assert not {"flash", "story"} & set(posted) and posted  # a posted copy of the flash leaves out the story it is of
    brief = {"title": "Porsche sales fell", "body": "Porsche said domestic sales fell, blaming the strong mark"}
    month_on = ids(model.related_to({**brief, "published_at": "1987-05-01T10:05:00Z"}))
    assert len({"flash", "story"} & set(month_on)) == 1  # a story of its own, listing the group once
    assert not {"flash", "story"} & set(ids(model.related_to({**brief, "published_at": "1987-04-01T11:05:00Z"})))  # a brief of it
    off = RelatedArticles(min_df=1, brief_threshold=1.0).fit(corpus("1987-04-01T10:02:00Z"))
    assert off.duplicate_group_[i["flash"]] != off.duplicate_group_[i["story"]]


def test_tags_are_compared_case_folded():
    from recommender.tags import normalise_tag

    assert normalise_tag("Straße") == normalise_tag("STRASSE") == normalise_tag("strasse")


def test_a_refit_that_fails_or_is_interrupted_leaves_the_model_unfitted(articles, tmp_path):
    from recommender import artifact

    model = RelatedArticles(min_df=1).fit(articles)

    def interrupted():
        yield from articles[:5]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(interrupted())
    with pytest.raises(NotFittedError):
        model.related("s1")  # not the old corpus's lists under the new corpus's vocabulary
    assert model.fit(articles[:6]).related("s1") and len(model) == 6
    artifact.publish(RelatedArticles(min_df=1).fit(articles), tmp_path / "m")
    loaded = artifact.load(tmp_path / "m")
    refitted = loaded.fit(articles[:6])
    assert not hasattr(refitted, "version_") and not hasattr(refitted, "manifest_") and len(refitted) == 6


@pytest.mark.parametrize("k, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError), ("3", TypeError), (None, TypeError), (True, TypeError)])
def test_a_bad_k_is_refused(model, k, error):
    with pytest.raises(error, match="k must be"):
        model.related("s1", k)
    with pytest.raises(error, match="k must be"):
        model.related_to({"title": "rocket launch"}, k)
    assert len(model.related("s1", np.int64(3))) == 3


@pytest.mark.parametrize("filters, message", [
    ({"half_life_days": float("nan")}, "half_life_days must be"), ({"half_life_days": "7"}, "half_life_days must be"),
    ({"half_life_days": 0}, "half_life_days must be"), ({"min_score": float("nan")}, "min_score must be"),
    ({"min_score": "0.1"}, "min_score must be"), ({"until": "2024-13-01"}, "until is not an ISO 8601 date"),
    ({"since": 20240101}, "since must be an ISO 8601 date string"), ({"section": 5}, "section must be"),
    ({"half_life_days": 1e-5}, "half_life_days must be"),
])
def test_bad_filter_values_are_refused_naming_the_filter(model, filters, message):
    with pytest.raises(ValueError, match=message):
        model.related("s1", **filters)
    with pytest.raises(ValueError, match=message):
        model.related_to({"title": "rocket launch"}, **filters)


def test_filters_that_mean_nothing_are_taken(model):
    assert ids(model.related("s1", exclude=None)) == ids(model.related("s1")) == ids(model.related("s1", exclude=np.array([])))
    assert "d1" not in ids(model.related("s1", exclude=np.array(["d1"])))  # an array of ids, as pandas hands them out
    with pytest.raises(TypeError, match="explain must be"):
        model.related("s1", explain="no")
    assert len(model.related("s1", half_life_days=np.float32(30))) == len(model.related("s1"))


@pytest.mark.parametrize("setting, message", [
    ({"tag_weight": "0.3"}, "tag_weight must be a finite number"), ({"tag_weight": None}, "tag_weight must be a finite number"),
    ({"title_weight": float("nan")}, "title_weight must be a finite number"), ({"memory_mb": -5}, "memory_mb must be positive"),
    ({"sublinear_tf": "no"}, "sublinear_tf must be True or False"), ({"tag_synonyms": ["a"]}, "tag_synonyms must be a mapping"),
    ({"n_candidates": 2.5}, "n_candidates must be a whole number"), ({"min_df": -1}, "min_df must be a count"),
    ({"max_df": 1.5}, "max_df must be a count"), ({"max_df": 1}, "max_df 1, a count"),
    ({"stop_words": "french"}, "stop_words must be 'english', None or a list"), ({"stop_words": "the"}, "stop_words must be"),
    ({"stop_words": ["the", 5]}, "stop_words must be"),
])
def test_settings_of_the_wrong_kind_are_refused_before_any_work(setting, message):
    with pytest.raises(ValueError, match=message):
        RelatedArticles(**setting).check_params()
    with pytest.raises(ValueError, match=message):
        RelatedArticles(**setting).fit(iter(()))  # before reading a thing


def test_stop_words_of_ones_own_are_read_as_the_text_is():
    docs = [{"id": "a", "title": "Für die Umwelt", "body": "Die Umwelt und für das Klima"},
            {"id": "b", "title": "Für das Klima", "body": "Die Schule und für die Kinder"}]
    model = RelatedArticles(min_df=1, stemmer=None, topic_weight=0.0, stop_words=("Für", "DIE", "und", "das")).fit(docs)
    assert set(model.terms_.tolist()) == {"umwelt", "klima", "schule", "kinder"}


def test_chinese_articles_of_one_story_match_on_their_words():
    rows = [("rubbish", "英国街头垃圾堆积如山", "圣诞节后，伯明翰的家庭还在等待垃圾收集。"),
            ("bins", "伯明翰垃圾收集延误", "街头垃圾堆积，家庭等待四个星期。"),
            ("shares", "股市今天大幅上涨", "投资者信心增强，银行股领涨。")]
    model = RelatedArticles(min_df=1, topic_weight=0.0).fit([{"id": i, "title": t, "body": b} for i, t, b in rows])
    assert model.score("rubbish", "bins") > 0.2 and model.score("rubbish", "shares") == 0  # read whole, a run matches no other
    assert ids(model.related("rubbish", k=1)) == ["bins"]


def test_a_brief_joins_one_story_only_and_never_another_companys():
    story = "{} raised its posted prices for crude oil by 50 cts a barrel today, bringing west texas intermediate to 18 dlrs"
    rows = [
        ("sun", "Sun raises crude postings", story.format("Sun") + ", the company said in a statement", [], "1987-04-01T10:20:00Z"),
        ("sun2", "Sun crude price rise", "Sun raised crude prices, as did other refiners; Sun said demand was firm "
         "and it raised prices by 50 cts a barrel", [], "1987-04-01T11:00:00Z"),
        ("flash", "Sun raises crude prices", "Sun raised crude prices 50 cts", [], "1987-04-01T10:02:00Z"),
        ("shell", "Shell Canada raises crude postings", story.format("Shell Canada"), [], "1987-04-01T10:40:00Z"),
        ("far", "Rice harvest", "farmers in the delta report a rice harvest above forecasts", [], "1987-04-01T09:00:00Z"),
    ]
    model = RelatedArticles(min_df=1).fit(make_articles(rows))
    group = {k: int(model.duplicate_group_[model.index_of(k)]) for k, *_ in rows}
    assert group["sun"] != group["sun2"] and group["sun"] != group["shell"]  # three stories stay three
    assert group["flash"] in (group["sun"], group["sun2"])  # the flash is a brief of one of them
    lone = RelatedArticles(min_df=1).fit(make_articles([r for r in rows if r[0] not in ("sun", "sun2")]))
    assert lone.duplicate_group_[lone.index_of("flash")] != lone.duplicate_group_[lone.index_of("shell")]  # Sun's flash, Shell's story
