"""The fast path (precomputed default lists and item JSON) answers byte for byte like the general path.

Two apps serve the same published model; in one the precomputed answers are switched off, so every
request takes the general path (``model.related`` then ``jsonify``). Their bodies and headers must be
identical for every article, and requests with options must not take the fast path at all.
"""
from __future__ import annotations

import json
import logging
import signal

import numpy as np
import pytest

from recommender import artifact, fast_path
from recommender.app import create_app
from recommender.artifact import ArtifactError
from recommender.fast_path import DefaultAnswers, item_halves
from recommender.holder import EXTENSION
from recommender.model import RelatedArticles

from .conftest import make_articles

#: Articles whose item JSON is awkward to encode: quotes, backslashes, non-ASCII, astral characters,
#: slashes in ids, and fields left out (no url, no section, no date).
AWKWARD = [
    {"id": "news/2024/001", "title": 'Rocket "Storm" launch: a \\ backslash', "body": "rocket launch storm crew pad delayed",
     "tags": ["space"], "published_at": "2024-01-11", "section": "Science", "url": "https://example.com/a?b=1&c=</script>"},
    {"id": "zürich-1", "title": "Zürich bakery — café crème ☕ 𝄞", "body": "bread sourdough bakery flour oven loaf",
     "tags": ["bread", "Brot"], "published_at": "2024-02-01T08:30:00+01:00", "section": "food"},
    {"id": "bare", "title": "Moon lander bare record", "body": "moon lander crew orbit descent rocket"},
]

#: Requests with options: each must take the general path.
WITH_OPTIONS = ["k=3", "k=20", "explain=true", "section=science", "exclude=s2", "since=2024-01-01", "until=2024-03-01",
                "min_score=0.05", "half_life_days=30", "k=5&explain=1", "explain=false&min_score=0.01"]
#: Requests that only restate the defaults: the fast path answers them.
DEFAULTS = ["", "k=8", "section=", "explain=false", "explain=0&exclude=", "min_score=0"]


@pytest.fixture
def awkward_models(tmp_path):
    folder = tmp_path / "models"
    artifact.publish(RelatedArticles(min_df=1, tag_weight=0.3).fit(make_articles() + AWKWARD), folder)
    return folder


@pytest.fixture
def two_apps(awkward_models):
    """(fast, general): the same model served twice, the second without its precomputed answers."""
    before = signal.getsignal(signal.SIGHUP)
    fast, general = (create_app({"MODELS_DIR": awkward_models, "TESTING": True}) for _ in range(2))
    general.extensions[EXTENSION].model.default_answers_ = None
    yield fast, general
    signal.signal(signal.SIGHUP, before)


def _get(app, url):
    response = app.test_client().get(url, headers={"X-Request-ID": "same-id"})
    return response.status_code, dict(response.headers), response.get_data()


def _all_ids(app):
    return [str(i) for i in app.extensions[EXTENSION].model.ids_.keys]


def test_every_default_answer_is_byte_for_byte_the_general_one(two_apps):
    fast, general = two_apps
    ids = _all_ids(fast)
    assert len(ids) == len(make_articles()) + len(AWKWARD)
    for article_id in ids:
        for query in DEFAULTS:
            url = f"/articles/{article_id}/related" + (f"?{query}" if query else "")
            got, want = _get(fast, url), _get(general, url)
            assert got == want, url
            assert got[0] == 200 and "ETag" in got[1] and "Cache-Control" in got[1]


def test_the_fast_path_answers_the_default_requests_and_only_them(two_apps, monkeypatch):
    fast, _ = two_apps
    used = []
    original = DefaultAnswers.answer
    monkeypatch.setattr(DefaultAnswers, "answer", lambda self, *a: used.append(a) or original(self, *a))
    for query in DEFAULTS:
        _get(fast, f"/articles/s1/related?{query}")
    assert len(used) == len(DEFAULTS)
    for query in WITH_OPTIONS:
        _get(fast, f"/articles/s1/related?{query}")
    assert len(used) == len(DEFAULTS)


@pytest.mark.parametrize("query", WITH_OPTIONS)
def test_requests_with_options_answer_the_same_in_both_apps(two_apps, query):
    fast, general = two_apps
    for article_id in ("s1", "f2", "news/2024/001", "zürich-1", "bare"):
        url = f"/articles/{article_id}/related?{query}"
        assert _get(fast, url) == _get(general, url)


def test_errors_are_the_same_as_without_the_fast_path(two_apps):
    fast, general = two_apps
    for url in ("/articles/nope/related", "/articles/s1/related?k=0", "/articles/%01/related", "/articles/s1/related?k=8&k=8"):
        assert _get(fast, url) == _get(general, url)


def test_a_conditional_request_gets_304(two_apps):
    fast, _ = two_apps
    tag = _get(fast, "/articles/s1/related")[1]["ETag"]
    assert fast.test_client().get("/articles/s1/related", headers={"If-None-Match": tag}).status_code == 304


def test_debug_mode_turns_the_fast_path_off(two_apps):
    fast, general = two_apps
    fast.debug = general.debug = True  # jsonify indents in debug mode; precomputed bytes cannot
    got, want = _get(fast, "/articles/s1/related"), _get(general, "/articles/s1/related")
    assert got == want and b"\n  " in got[2]


# ---------------------------------------------------------------------------- the item JSON
@pytest.mark.parametrize("fields", [
    {"id": "a", "title": 'q"uote\\', "url": "", "published_at": None, "section": "é"},
    {"id": "only-id"},
    {"url": "u"},
    {},
])
def test_item_halves_put_the_score_where_sorted_keys_put_it(fields):
    head, tail = item_halves(fields)
    for score in (0.0, 0.123456, 1.0, 1e-06):
        assert (head + repr(score).encode() + tail).decode() == fast_path.dumps({**fields, "score": score})


def test_the_item_fields_are_those_of_the_general_path(model):
    stored = model.article("s1")
    assert fast_path.item_fields(stored) == {name: stored.get(name) for name in fast_path.ITEM_FIELDS}


# ---------------------------------------------------------------------------- the artifact
def test_the_precomputed_lists_are_the_models_own(model, models_dir):
    loaded = artifact.load(models_dir)
    answers = loaded.default_answers_
    assert answers.k == fast_path.DEFAULT_K and len(answers) == len(model)
    for i, article_id in enumerate(model.ids_.keys.tolist()):
        want = model.related(article_id, fast_path.DEFAULT_K)
        rows = [j for j in answers.rows[i].tolist() if j >= 0]
        assert [str(model.ids_.keys[j]) for j in rows] == [r.id for r in want]
        assert answers.scores[i, : len(rows)].tolist() == [r.score for r in want]


def test_the_fast_path_files_are_memory_mapped_and_in_the_manifest(models_dir):
    loaded = artifact.load(models_dir)
    manifest = loaded.manifest_
    for name, array in loaded.default_answers_.arrays().items():
        assert isinstance(array, np.memmap), name
        assert f"{name}.npy" in manifest["files"]


def test_a_corrupt_fast_path_file_is_refused_with_its_name(models_dir):
    folder = models_dir / artifact.current_version(models_dir)
    target = folder / "item_json.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="item_json.npy"):
        artifact.load(models_dir)


def _strip_fast_path(folder):
    """Make a version look like one written before the fast path existed."""
    manifest = json.loads((folder / artifact.MANIFEST).read_text())
    for name in fast_path.FILES:
        (folder / f"{name}.npy").unlink()
        del manifest["files"][f"{name}.npy"]
    (folder / artifact.MANIFEST).write_text(json.dumps(manifest))


def test_an_artifact_from_before_the_fast_path_is_served_by_the_general_path(models_dir, make_app, caplog):
    with_fast = make_app()
    expected = {url: _get(with_fast, url) for url in ("/articles/s1/related", "/articles/f1/related?k=3")}
    _strip_fast_path(models_dir / artifact.current_version(models_dir))
    with caplog.at_level(logging.WARNING, logger="recommender.reload"):
        old = make_app()
    assert old.extensions[EXTENSION].model.default_answers_ is None
    assert any("no precomputed default lists" in r.getMessage() for r in caplog.records)
    for url, want in expected.items():
        assert _get(old, url) == want


def test_inconsistent_fast_path_arrays_are_refused():
    rows = np.zeros((3, 8), dtype=np.int32)
    with pytest.raises(ValueError):
        DefaultAnswers(rows, np.zeros((3, 8)), np.zeros(5, dtype=np.uint8), np.zeros(6, dtype=np.int64))
    with pytest.raises(ValueError):
        DefaultAnswers(rows, np.zeros((3, 8)), np.zeros(5, dtype=np.uint8), np.arange(7, dtype=np.int64))


def test_a_store_not_written_as_the_api_writes_is_refused_at_build(model):
    from recommender.store import ArticleStore

    lines = [json.dumps(model.article_at(i), sort_keys=True).encode() + b"\n" for i in range(len(model))]  # ", " and ": "
    offsets = np.cumsum([0] + [len(line) for line in lines])
    model.articles_ = ArticleStore(np.frombuffer(b"".join(lines), dtype=np.uint8), offsets)
    with pytest.raises(ValueError, match="not stored as the API writes JSON"):
        DefaultAnswers.build(model)


def test_an_ascii_line_is_the_articles_json_as_served(model):
    for i in range(len(model)):
        assert model.articles_.raw(i) == fast_path.dumps(model.article_at(i)).encode()
