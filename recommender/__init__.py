"""Related-article recommender: a TF-IDF plus tag-overlap model and the service that serves it."""

__version__ = "0.1.0"
