"""Tag normalisation: the newsroom's ``"#USElections"``, ``"us election"`` and ``" US-Election "``
become one tag before the model compares them."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Mapping

_SEPARATORS = re.compile(r"[\s_\-/.]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^\w ]+")
# plural endings that are not plurals: "news", "analysis", "bus", "business", "chess"
_NOT_PLURAL = ("ss", "us", "is", "news", "ics")


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(_NOT_PLURAL) or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


def normalise_tag(tag: str, synonyms: Mapping[str, str] | None = None) -> str:
    """Return the canonical form of one tag, or ``""`` for a tag that is only punctuation.

    The result is a matching key, not a display form. Steps: Unicode NFKC; a leading ``#`` dropped
    and a camel-cased hashtag split into words (``#USElections`` → ``US Elections``); case folded
    (``Straße`` and ``STRASSE`` alike);
    hyphens, underscores, slashes and dots treated as spaces; other punctuation dropped; the last word
    made singular by a light rule (``elections`` → ``election``; ``news``, ``analysis`` stay); the
    words joined without spaces, so ``heat wave``, ``heat-wave`` and ``Heatwaves`` all give
    ``heatwave``; finally ``synonyms`` (both sides normalised the same way) maps aliases onto one
    key, e.g. ``{"artificial intelligence": "ai"}``.
    """
    text = unicodedata.normalize("NFKC", tag).strip()
    if text.startswith("#"):
        text = _CAMEL.sub(" ", text.lstrip("#"))
    text = _SEPARATORS.sub(" ", text.casefold())
    text = _NOT_WORD.sub("", text).strip()
    if not text:
        return ""
    words = text.split()
    words[-1] = _singular(words[-1])
    text = "".join(words)
    if synonyms:
        text = synonyms.get(text, text)
    return text


def normalise_synonyms(synonyms: Mapping[str, str] | None) -> dict[str, str]:
    """Normalise both sides of a synonym table so lookups match normalised tags."""
    return {normalise_tag(k): normalise_tag(v) for k, v in (synonyms or {}).items()}


def normalise_tags(tags: Iterable[str], synonyms: Mapping[str, str] | None = None) -> list[str]:
    """Normalised, de-duplicated tags in first-seen order (empty results dropped)."""
    seen: dict[str, None] = {}
    for tag in tags:
        norm = normalise_tag(tag, synonyms)
        if norm:
            seen.setdefault(norm, None)
    return list(seen)
