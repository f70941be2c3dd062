"""The preview pages in-process: the article and its list, links, title search, escaping."""
from __future__ import annotations

import re

import pytest

from recommender import artifact
from recommender.model import RelatedArticles

from .conftest import make_articles


def test_the_article_page_shows_the_story_and_its_list(client, app):
    r = client.get("/preview/s1")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "<h1 id=\"headline\">Rocket launch delayed by storm</h1>" in page
    assert "10 January 2024" in page and "science" in page and "Space" in page and "#Rockets" in page
    model = app.extensions["recommender.holder"].model
    for rec in model.related("s1", k=8):
        assert f'href="/preview/{rec.id}"' in page
    assert re.search(r"score <span class=\"score\">0\.\d{3}</span>", page)
    assert "words: " in page
    assert "same subject: " in page and "% of the score" in page  # the share due to the latent topics


def test_the_article_page_takes_the_api_filters(client):
    page = client.get("/preview/f1?k=1&section=food").get_data(as_text=True)
    assert page.count('class="item"') == 1


def test_the_index_lists_the_newest_first_and_searches_titles(client):
    page = client.get("/preview").get_data(as_text=True)
    titles = re.findall(r'class="title" href="/preview/([^"]+)"', page)
    assert titles[:2] == ["u2", "u1"] and len(titles) == 12
    found = re.findall(r'class="title" href="/preview/([^"]+)"', client.get("/preview?q=BREAD").get_data(as_text=True))
    assert sorted(found) == ["f1", "u2"]
    assert "No title contains" in client.get("/preview?q=zebra").get_data(as_text=True)


def test_search_results_are_capped(make_app, tmp_path):
    rows = [{"id": f"a{i}", "title": f"Bread story {i}", "body": f"bread flour {i}"} for i in range(120)]
    folder = tmp_path / "many"
    artifact.publish(RelatedArticles(min_df=1).fit(rows), folder)
    page = make_app(MODELS_DIR=folder).test_client().get("/preview?q=bread").get_data(as_text=True)
    assert page.count('class="item"') == 50 and "the first 50 of 120 matches" in page


def test_links_to_ids_with_dot_segments_reach_their_page(make_app, tmp_path):
    rows = make_articles()
    for row, odd in zip(rows, ("..", ".", "a/../b", "x.y/..z")):
        row["id"] = odd
    folder = tmp_path / "dots"
    artifact.publish(RelatedArticles(min_df=1).fit(rows), folder)
    client = make_app(MODELS_DIR=folder).test_client()
    links = re.findall(r'class="title" href="([^"]+)"', client.get("/preview?q=o").get_data(as_text=True))
    wanted = {"..": "/preview/%2E%2E", ".": "/preview/%2E", "a/../b": "/preview/a/%2E%2E/b", "x.y/..z": "/preview/x.y/..z"}
    assert set(wanted.values()) <= set(links)
    for odd, link in wanted.items():  # each link opens its own article, not a page a browser resolved it to
        page = client.get(link).get_data(as_text=True)
        assert f'<h1 id="headline">{rows[list(wanted).index(odd)]["title"]}</h1>' in page, link


HOSTILE = '<script>alert("x")</script>'


def test_everything_is_escaped(make_app, tmp_path):
    rows = make_articles()
    rows[0].update(title=f"Rocket {HOSTILE}", subtitle=HOSTILE, tags=[HOSTILE, "space"], section=HOSTILE, url="javascript:alert(1)")
    rows[1].update(title=f"Moon {HOSTILE} lander rocket")
    folder = tmp_path / "hostile"
    artifact.publish(RelatedArticles(min_df=1).fit(rows), folder)
    client = make_app(MODELS_DIR=folder).test_client()
    for url in ("/preview/s1", "/preview/s2", f"/preview?q={HOSTILE}", "/preview?q=moon"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page, url
    assert "javascript:" not in client.get("/preview/s1").get_data(as_text=True)


@pytest.mark.parametrize("path,status", [("/preview/nope", 404), ("/preview/%00", 400), ("/preview?q=" + "x" * 500, 400), ("/preview/s1?k=0", 400),
                                         ("/preview?foo=1", 400), ("/preview/s1?foo=1", 400)])
def test_preview_errors_are_the_usual_json(client, path, status):
    r = client.get(path)
    assert r.status_code == status and r.json["error"]["status"] == status
    assert client.get("/preview?q=a&_=1718000000").status_code == 200  # a cache buster passes, as on the API


def test_the_title_search_ignores_accents_and_their_forms(make_app, tmp_path):
    from recommender import artifact
    from recommender.model import RelatedArticles

    rows = [{"id": "g1", "title": "Grève à la SNCF", "body": "trains arrêtés"}, {"id": "w1", "title": "Neue Wärmepumpen", "body": "heizung"},
            {"id": "x1", "title": "Other news", "body": "trains heizung"}, {"id": "j1", "title": "ソニーの新製品", "body": "新製品"},
            {"id": "d1", "title": "Bundes\u00adtags\u00adwahl", "body": "heizung"}]
    artifact.publish(RelatedArticles(min_df=1).fit(rows), tmp_path / "m")
    client = make_app(MODELS_DIR=tmp_path / "m").test_client()

    def found(q):
        return re.findall(r'class="title" href="/preview/([^"]+)"', client.get("/preview", query_string={"q": q}).get_data(as_text=True))

    assert found("greve") == found("GRÈVE") == ["g1"]
    assert found("wa\u0308rmepumpen") == found("Wärmepumpen") == ["w1"]  # decomposed and composed
    assert found("ソニー") == ["j1"] and found("ゾニー") == []  # a voicing mark is part of the letter
    assert found("bundestagswahl") == ["d1"]  # the soft hyphens a CMS hides in the title do not cut the word


def test_shared_tags_are_a_reason_only_when_they_count():
    from recommender.preview import short_why

    why = {"shared_tags": ["usa"], "top_terms": [{"term": "porsch"}], "tag_share": 0.0, "topic_share": 0.4}
    assert short_why(why) == "words: porsch · same subject: 40% of the score"  # tag weight 0: the tags added nothing
    assert short_why({**why, "tag_share": 0.2}).startswith("tags: usa · words: porsch")
    shown = {**why, "top_terms": [{"term": "senat", "word": "senate"}]}
    assert short_why(shown).startswith("words: senate ·")  # the word a person reads, not the stem


def test_titles_carry_their_language_so_a_browser_picks_the_right_glyphs(make_app, tmp_path):
    rows = [{"id": "j1", "title": "台風が上陸", "body": "台風 上陸 関東", "language": "ja"},
            {"id": "c1", "title": "台风登陆", "body": "台风 上陸 関東", "language": "zh-Hans"},
            {"id": "e1", "title": "Typhoon", "body": "台风 上陸 関東"}]
    artifact.publish(RelatedArticles(min_df=1).fit(rows), tmp_path / "m")
    client = make_app(MODELS_DIR=tmp_path / "m").test_client()
    page = client.get("/preview/j1").get_data(as_text=True)
    assert '<article class="story" lang="ja">' in page
    assert 'href="/preview/c1" lang="zh-Hans">' in page and 'href="/preview/e1">' in page  # no language, no lang
    index = client.get("/preview").get_data(as_text=True)
    assert 'href="/preview/j1" lang="ja">' in index and 'href="/preview/e1">' in index
