"""Latent topics in the text score: the coordinates, the blended score, and every path that uses it."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from recommender import artifact, latent, neighbours
from recommender.model import RelatedArticles
from recommender.neighbours import TOPIC_FLOOR, Corpus, candidate_search
from recommender.schema import parse_article
from train.synthetic import Generator, Settings


@pytest.fixture(scope="module")
def synthetic():
    return list(Generator(Settings(300, seed=5, vocabulary=4_000, topics=12)))


@pytest.fixture(scope="module", params=[0.0, 0.5], ids=["no gate", "gate 0.5"])
def topical(synthetic, request):
    """Every path that scores pairs is checked with topics counted fully and with the gate on."""
    return RelatedArticles(n_jobs=1, topic_weight=0.4, topic_gate=request.param, topic_dims=20).fit(synthetic)


def test_topic_coordinates_have_unit_length_and_an_empty_row_stays_zero():
    matrix = sp.random(40, 30, density=0.3, format="csr", random_state=1, dtype=np.float32)
    matrix = sp.vstack([matrix, sp.csr_matrix((1, 30), dtype=np.float32)]).tocsr()
    axes = latent.fit_topics(matrix, 5)
    assert axes.shape == (30, 5) and axes.dtype == np.float32 and axes.flags.c_contiguous
    coords = latent.project(matrix, axes)
    np.testing.assert_allclose(np.linalg.norm(coords[:-1], axis=1), 1.0, rtol=1e-5)
    assert not coords[-1].any()
    assert latent.fit_topics(matrix, 0).shape == (30, 0)
    assert latent.fit_topics(matrix[:4], 50).shape == (30, 3)  # never more topics than articles - 1
    assert latent.project(matrix, latent.fit_topics(matrix, 0)).shape == (41, 0)


def test_a_large_corpus_fits_its_topics_on_an_even_sample(monkeypatch):
    matrix = sp.random(50, 20, density=0.4, format="csr", random_state=2, dtype=np.float32)
    monkeypatch.setattr(latent, "FIT_ROWS", 10)
    sampled = latent.fit_topics(matrix, 4)
    direct = latent.fit_topics(matrix[np.linspace(0, 49, 10).astype(np.int64)], 4)
    np.testing.assert_array_equal(sampled, direct)


def test_the_score_is_the_documented_mix_of_word_and_topic_cosines(topical, synthetic):
    a, b = topical.index_of(synthetic[0]["id"]), topical.index_of(synthetic[1]["id"])
    cosine = float(topical.text_matrix_[a].multiply(topical.text_matrix_[b]).sum())
    topic = float(topical.topics_[a] @ topical.topics_[b])
    topic = topic if topic >= TOPIC_FLOOR else 0.0
    expected = 0.6 * cosine + 0.4 * topic * cosine ** topical.topic_gate
    assert topical.score(synthetic[0]["id"], synthetic[1]["id"]) == pytest.approx(expected, rel=1e-5)
    words = RelatedArticles(n_jobs=1, topic_weight=0.0).fit(synthetic)
    assert words.topics_.shape == (300, 0)  # no weight: no topics fitted at all
    assert words.score(synthetic[0]["id"], synthetic[1]["id"]) == pytest.approx(cosine, rel=1e-5)


def test_ungated_topics_bring_in_an_article_that_shares_no_word():
    sport = ["football striker goal", "striker goal penalty", "goal penalty referee", "penalty referee match", "referee match football"]
    money = ["bank interest rates", "interest rates inflation", "rates inflation prices", "inflation prices bank", "prices bank interest"]
    docs = [{"id": f"d{i}", "title": t, "body": ""} for i, t in enumerate(sport + money)]
    words = RelatedArticles(min_df=1, stop_words=None, stemmer=None, topic_weight=0.0).fit(docs)
    topical = RelatedArticles(min_df=1, stop_words=None, stemmer=None, topic_weight=0.5, topic_gate=0.0, topic_dims=2).fit(docs)
    assert words.score("d0", "d3") == 0.0  # "football striker goal" and "penalty referee match"
    assert topical.score("d0", "d3") > 0.3
    assert "d3" not in [r.id for r in words.related("d0", k=9)]
    assert "d3" in [r.id for r in topical.related("d0", k=4)]
    assert all(r.id in {"d1", "d2", "d3", "d4"} for r in topical.related("d0", k=4))
    # with the gate on, topics only reorder articles that share a word: d3 shares none, so scores 0
    gated = RelatedArticles(min_df=1, stop_words=None, stemmer=None, topic_weight=0.5, topic_gate=0.25, topic_dims=2).fit(docs)
    assert gated.score("d0", "d3") == 0.0
    assert [r.id for r in gated.related("d0", k=9)] == [r.id for r in words.related("d0", k=9)] == ["d1", "d4", "d2"]
    assert gated.score("d0", "d1") > words.score("d0", "d1") / 2  # half the weight, but topics add back


def test_the_gate_weighs_topics_by_the_word_cosine():
    cosine = np.array([0.0, 0.25, 1.0], dtype=np.float32)
    topic = np.array([0.8, 0.8, 0.8], dtype=np.float32)
    np.testing.assert_allclose(neighbours.text_score(cosine, topic, 0.5, 0.0), [0.4, 0.525, 0.9], rtol=1e-6)
    np.testing.assert_allclose(neighbours.text_score(cosine, topic, 0.5, 0.5), [0.0, 0.325, 0.9], rtol=1e-6)
    np.testing.assert_allclose(neighbours.text_score(cosine, topic, 0.0, 0.5), cosine)
    with pytest.raises(ValueError, match="topic_gate"):
        RelatedArticles(topic_gate=1.5).check_params()


def test_an_unseen_copy_of_an_article_gets_the_same_list_as_the_article(topical, synthetic):
    source = dict(synthetic[7], id="posted-copy")
    posted = topical.related_to(source, k=8)
    stored = topical.related(synthetic[7]["id"], k=8)
    assert [r.id for r in posted] == [r.id for r in stored]
    np.testing.assert_allclose([r.score for r in posted], [r.score for r in stored], rtol=1e-5)


def test_the_dense_blocks_and_the_approximate_search_agree_with_topics(topical):
    corpus = topical._corpus()
    assert corpus.uses_topics
    exact = candidate_search(corpus, 20, 0.8)
    approx = candidate_search(corpus, 20, 0.8, approximate_with=neighbours.approximate(corpus, 1e12, len(topical)))
    np.testing.assert_allclose(approx[1], exact[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(approx[2], exact[2])
    # every kept score is the model's score of the pair
    i = 3
    for j, s in zip(exact[0][i][:5], exact[1][i][:5]):
        assert s == pytest.approx(topical.score(str(topical.ids_.keys[i]), str(topical.ids_.keys[j])), rel=1e-5)


def test_refinement_rescoring_includes_the_topics(topical):
    corpus = topical._corpus()
    idx, val, _ = candidate_search(corpus, 10, 0.8, approximate_with=neighbours.approximate(corpus, 50, 10))
    new_idx, new_val, _ = neighbours.refine(corpus, idx, val, 10, 0.8)
    rows = np.repeat(np.arange(len(topical)), 10)[new_idx.ravel() >= 0]
    cols = new_idx.ravel()[new_idx.ravel() >= 0]
    expected = [topical.score(str(topical.ids_.keys[r]), str(topical.ids_.keys[c])) for r, c in zip(rows[:200], cols[:200])]
    np.testing.assert_allclose(new_val.ravel()[new_idx.ravel() >= 0][:200], expected, rtol=1e-5, atol=1e-6)


def test_explanations_split_the_score_between_terms_topics_and_tags(topical, synthetic):
    item = topical.related(synthetic[2]["id"], k=1, explain=True)[0]
    why = item.why
    assert why["topic_score"] is not None and why["topic_share"] > 0
    source = topical._rows(topical.index_of(synthetic[2]["id"]))
    every_term = topical._why(source, topical.index_of(item.id), n_terms=10_000)
    total = sum(t["share"] for t in every_term["top_terms"]) + every_term["topic_share"] + every_term["tag_share"]
    assert total == pytest.approx(1.0, abs=1e-3)
    words = RelatedArticles(n_jobs=1, topic_weight=0.0).fit(synthetic)
    assert words.related(synthetic[2]["id"], k=1, explain=True)[0].why["topic_score"] is None


def test_topics_are_saved_and_a_version_without_them_loads_as_words_alone(topical, synthetic, tmp_path):
    artifact.publish(topical, tmp_path / "a")
    loaded = artifact.load(tmp_path / "a")
    assert isinstance(loaded.topics_, np.memmap)
    assert loaded.related(synthetic[4]["id"], k=8) == topical.related(synthetic[4]["id"], k=8)
    assert loaded.related_to(dict(synthetic[4], id="new")) == topical.related_to(dict(synthetic[4], id="new"))
    assert loaded.topic_gate == topical.topic_gate

    words = RelatedArticles(n_jobs=1, topic_weight=0.0).fit(synthetic)
    manifest = artifact.publish(words, tmp_path / "b")
    folder = tmp_path / "b" / manifest["version"]
    on_disk = json.loads((folder / "manifest.json").read_text())
    for name in ("topic_axes.npy", "topics.npy"):
        (folder / name).unlink()
        del on_disk["files"][name]
    on_disk["parameters"].pop("topic_weight")
    on_disk["parameters"].pop("topic_dims")
    (folder / "manifest.json").write_text(json.dumps(on_disk))
    old = artifact.load(tmp_path / "b")
    assert old.topic_weight == 0.0 and not old._corpus().uses_topics
    assert old.related_to(dict(synthetic[4], id="new")) == words.related_to(dict(synthetic[4], id="new"))
    assert old.score(synthetic[0]["id"], synthetic[1]["id"]) == words.score(synthetic[0]["id"], synthetic[1]["id"])


def test_a_corpus_given_no_topic_weight_searches_with_the_compiled_product(synthetic):
    words = RelatedArticles(n_jobs=1, topic_weight=0.0).fit(synthetic)
    corpus = words._corpus()
    assert not corpus.uses_topics and corpus.words_only
    with_empty = Corpus(corpus.text, corpus.text_t, corpus.tags, corpus.tags_t, corpus.tagged, 0.0, words.topics_, 0.5)
    assert not with_empty.uses_topics and with_empty.words_only  # a weight without coordinates changes nothing
    topical = RelatedArticles(n_jobs=1, topic_weight=0.5, topic_dims=10).fit(synthetic)._corpus()
    assert topical.uses_topics and not topical.words_only


def test_topic_levels_are_ascending_distinct_and_never_above_the_fitted_topics():
    assert latent.levels(50, 50) == (50,)
    assert latent.levels(50, 12) == (12,)  # a small corpus fits fewer topics
    assert latent.levels(0, 50) == () and latent.levels(50, 0) == ()
    assert latent.levels((100, 20, 50), 200) == (20, 50, 100)
    assert latent.levels((20, 50, 100), 40) == (20, 40)


def test_topics_at_several_resolutions_score_the_mean_of_their_cosines():
    matrix = sp.random(30, 25, density=0.3, format="csr", random_state=3, dtype=np.float32)
    matrix = sp.vstack([matrix, sp.csr_matrix((1, 25), dtype=np.float32)]).tocsr()
    axes = latent.fit_topics(matrix, 6)
    coords = latent.project(matrix, axes, (2, 6))
    assert coords.shape == (31, 8) and not coords[-1].any()
    raw = (matrix @ axes).astype(np.float64)

    def cosine(x, y):
        return x @ y / np.linalg.norm(x) / np.linalg.norm(y)

    for a, b in [(0, 1), (4, 9), (7, 7)]:
        expected = (cosine(raw[a, :2], raw[b, :2]) + cosine(raw[a], raw[b])) / 2
        assert coords[a] @ coords[b] == pytest.approx(expected, abs=1e-5)
    np.testing.assert_array_equal(latent.project(matrix, axes, (6,)), latent.project(matrix, axes))


def test_a_model_with_topic_levels_scores_saves_and_answers_unseen_articles_alike(synthetic, tmp_path):
    model = RelatedArticles(n_jobs=1, topic_weight=0.5, topic_dims=(5, 20)).fit(synthetic)
    assert model.topic_axes_.shape[1] == 20 and model.topics_.shape == (300, 25)
    _, _, _, posted = model.transform([parse_article(a) for a in synthetic[:3]])
    np.testing.assert_allclose(posted, model.topics_[:3], rtol=1e-5, atol=1e-6)
    assert json.loads(json.dumps(model.get_params()))["topic_dims"] == [5, 20]
    single = RelatedArticles(n_jobs=1, topic_weight=0.5, topic_dims=20).fit(synthetic)
    assert model.related(synthetic[0]["id"], k=8) != single.related(synthetic[0]["id"], k=8)  # the levels count
    artifact.publish(model, tmp_path / "m")
    loaded = artifact.load(tmp_path / "m")
    assert loaded.topic_dims == (5, 20)
    assert loaded.related_to(dict(synthetic[4], id="new")) == model.related_to(dict(synthetic[4], id="new"))


@pytest.mark.parametrize("dims", [-1, (), (0, 20), (20, -5)])
def test_topic_dims_must_be_a_count_or_a_list_of_positive_counts(dims, synthetic):
    with pytest.raises(ValueError, match="topic_dims"):
        RelatedArticles(topic_dims=dims).fit(synthetic[:20])


def test_a_version_from_before_the_gate_loads_counting_topics_fully(synthetic, tmp_path):
    ungated = RelatedArticles(n_jobs=1, topic_weight=0.4, topic_gate=0.0, topic_dims=20).fit(synthetic)
    manifest = artifact.publish(ungated, tmp_path)
    path = tmp_path / manifest["version"] / "manifest.json"
    on_disk = json.loads(path.read_text())
    on_disk["parameters"].pop("topic_gate")
    path.write_text(json.dumps(on_disk))
    old = artifact.load(tmp_path)
    assert old.topic_gate == 0.0
    assert old.related_to(dict(synthetic[4], id="new")) == ungated.related_to(dict(synthetic[4], id="new"))


def test_a_corpus_of_identical_articles_fits_without_a_warning():
    import warnings

    same = [{"id": str(i), "title": "Same story", "body": "identical words here"} for i in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's 0/0 variance ratio was a RuntimeWarning on stderr
        model = RelatedArticles(min_df=1).fit(same)
    assert len(model) == 2
