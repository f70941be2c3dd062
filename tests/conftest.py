"""A tiny corpus whose right answers are obvious: two topics, shared tags, one story sent twice."""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

import pytest
from werkzeug.serving import make_server

from recommender import artifact
from recommender.app import create_app
from recommender.model import RelatedArticles

SPACE = [
    ("s1", "Rocket launch delayed by storm", "The rocket launch from the coast was delayed as a storm hit the launch pad and the crew waited.", ["Space", "#Rockets"], "2024-01-10"),
    ("s2", "Moon lander reaches orbit", "The lander reached lunar orbit after a rocket burn; the crew prepared the descent to the moon.", ["space", "moon"], "2024-02-11"),
    ("s3", "Astronauts train for moon descent", "Astronauts trained for the lunar descent, rehearsing the lander burn and the crew landing on the moon.", ["Moon", "astronauts"], "2024-03-12"),
    ("s4", "Telescope spots distant galaxy", "A space telescope spotted a distant galaxy; astronomers said the light left it billions of years ago.", ["space", "telescope"], "2023-04-13"),
]
FOOD = [
    ("f1", "Bakery wins bread prize", "The village bakery won the national bread prize for its sourdough loaf baked in a wood oven.", ["food", "bread"], "2024-01-20"),
    ("f2", "Sourdough craze fills ovens", "Home bakers filled their ovens with sourdough as the bread craze spread and flour sold out.", ["Bread", "baking"], "2024-02-21"),
    ("f3", "Flour prices rise after poor harvest", "Flour prices rose after a poor wheat harvest, and bakers warned bread would cost more.", ["food", "harvest"], "2022-03-22"),
    ("f4", "Chef opens pasta kitchen", "A chef opened a kitchen serving fresh pasta made from local flour and eggs every morning.", ["food", "restaurants"], "2024-04-23"),
]
DUPLICATES = [
    ("d1", "Storm closes coastal rocket base", "A storm closed the coastal rocket base on Monday, and the launch crew was sent home until the wind dropped and the pad was safe.", ["space"], "2024-05-01"),
    ("d2", "UPDATED: Storm closes coastal rocket base", "A storm closed the coastal rocket base on Monday, and the launch crew was sent home until the wind dropped and the pad was safe again.", ["space"], "2024-05-02"),
]
UNTAGGED = [
    ("u1", "Lunar crew ready", "The lunar crew said the lander and the rocket were ready for the moon.", [], "2024-06-01"),
    ("u2", "Bread queues at dawn", "Queues formed at dawn for fresh bread and sourdough at the bakery.", [], "2024-06-02"),
]


def make_articles(rows=SPACE + FOOD + DUPLICATES + UNTAGGED, section_of=lambda i: "science" if i[0] in "sdu" and i != "u2" else "food"):
    return [
        {"id": i, "title": t, "body": b, "tags": tags, "published_at": d, "section": section_of(i), "url": f"https://example.com/{i}"}
        for i, t, b, tags, d in rows
    ]


@pytest.fixture
def articles():
    return make_articles()


@pytest.fixture
def model(articles):
    return RelatedArticles(min_df=1, tag_weight=0.3).fit(articles)


# ---------------------------------------------------------------------------- the service
@pytest.fixture
def models_dir(model, tmp_path):
    """A models folder with the tiny model published as its current version."""
    folder = tmp_path / "models"
    artifact.publish(model, folder)
    return folder


@pytest.fixture
def make_app(models_dir):
    """Build an app over ``models_dir`` with extra settings; the SIGHUP handler it installs is undone after."""
    before = signal.getsignal(signal.SIGHUP)

    def make(**config):
        return create_app({"MODELS_DIR": models_dir, "TESTING": True, **config})

    yield make
    signal.signal(signal.SIGHUP, before)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
