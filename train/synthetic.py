"""``python -m train.synthetic N --out FILE``: a synthetic news corpus of any size, for benchmarks.

The articles are JSONL in the article schema and have the shape of a real newsroom's:

- words follow a Zipf law over a vocabulary of ``--vocabulary`` words (English function words at the
  top ranks, which the analyser drops as stop words, then invented words);
- each article belongs to a topic, and each topic has its own Zipf distribution over a few hundred
  words, mixed with the general one; a topic has a section and a few topic tags;
- articles come in stories (one to a dozen articles on the same event, days apart) that share a
  handful of story words and named entities;
- a small share of articles (``--duplicates``) are updates re-sent with a few words changed and
  ``UPDATED:`` in the title: near-duplicates;
- 3 to 8 tags per article from a long-tailed tag set: topic tags, entity tags (a few very common,
  most rare) and one very common tag (``news``);
- dates spread over ``--years`` years, sections, urls, titles of 6 to 12 words, most with a
  subtitle, bodies of 150 to 400 words in sentences; ``labels`` holds the topic (ground truth the
  model never reads).

The same ``--seed`` gives the same file, byte for byte. Articles are written as they are made, so a
million of them need no more memory than a thousand; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence, TextIO

import numpy as np

# The most frequent words of English news, at the top of the Zipf ranks; the model drops them as
# stop words, as it does in real text.
FUNCTION_WORDS = (
    "the of to and a in that for is on was with he it as at by said from his be has have an are "
    "but not this who they were had which will its after been their also more one two would there "
    "about when we up or new other out first than last over year years into people could"
).split()
SECTIONS = (
    "politics", "business", "world", "sport", "science", "technology", "health", "culture",
    "climate", "opinion", "local", "travel",
)
COMMON_TAG = "news"
ENTITIES = 1_000_000
ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
          "br", "ch", "dr", "fl", "gr", "kr", "pl", "pr", "sh", "st", "th", "tr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou")
CODAS = ("", "", "", "n", "r", "s", "l", "m", "nd", "rt", "st", "x")


@dataclass(frozen=True)
class Settings:
    n: int
    seed: int = 0
    vocabulary: int = 50_000
    topics: int = 400
    duplicates: float = 0.03
    start: str = "2019-01-01"
    years: int = 7
    zipf: float = 1.05


@dataclass
class Story:
    topic: int
    words: np.ndarray
    entities: list[int]
    day: float
    left: int
    extra_tag: int | None = None


@dataclass
class Topic:
    words: np.ndarray
    section: str
    tags: list[str]
    name: str
    entities: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def _zipf_cdf(size: int, exponent: float, shift: float = 2.7) -> np.ndarray:
    """Cumulative Zipf–Mandelbrot weights ``1 / (rank + shift) ** exponent`` over ``size`` ranks."""
    weights = 1.0 / (np.arange(1, size + 1) + shift) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _invented_words(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    """``count`` distinct pronounceable words of 1 to 3 syllables, none of them in ``taken``, shortest
    first (frequent words are short)."""
    words: list[str] = []
    seen = set(taken)
    while len(words) < count:
        syllables = (1, 2, 2, 3, 3)[rng.integers(5)]
        parts = [
            ONSETS[rng.integers(len(ONSETS))] + VOWELS[rng.integers(len(VOWELS))] + CODAS[rng.integers(len(CODAS))]
            for _ in range(syllables)
        ]
        word = "".join(parts)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return sorted(words, key=len)


class Generator:
    """Makes the articles one at a time; all state is bounded (active stories, recent articles)."""

    def __init__(self, settings: Settings):
        self.s = settings
        self.rng = np.random.default_rng(settings.seed)
        rng = self.rng
        invented = _invented_words(rng, settings.vocabulary - len(FUNCTION_WORDS), set(FUNCTION_WORDS))
        self.vocab = list(FUNCTION_WORDS) + invented
        self.general_cdf = _zipf_cdf(len(self.vocab), settings.zipf)
        # topic words come from the middle and the tail of the vocabulary: frequent in their topic,
        # rare overall; each topic draws its own words by its own Zipf law
        self.topic_cdf = _zipf_cdf(300, 1.0, shift=1.0)
        low = len(FUNCTION_WORDS) + 200
        sections_cdf = _zipf_cdf(len(SECTIONS), 0.8)
        # named entities: people, places and organisations, two invented words each; a story picks
        # its entities by a Zipf law over a million of them, so a few are everywhere and most
        # appear in one or two stories. Names are made when first drawn (see ``_entity``).
        self.surnames = [w.title() for w in _invented_words(rng, 6_000, set(self.vocab))]
        self.entity_cdf = _zipf_cdf(ENTITIES, 1.0, shift=5.0)
        self.entity_names: dict[int, str] = {}
        self.topics: list[Topic] = []
        for t in range(settings.topics):
            words = rng.choice(np.arange(low, len(self.vocab)), size=300, replace=False)
            section = SECTIONS[int(np.searchsorted(sections_cdf, rng.random()))]
            head = self.vocab[words[0]]
            tags = [head.title(), f"{self.vocab[words[1]]} {self.vocab[words[2]]}", f"{section} {head}"]
            # each topic has its own regulars among the entities
            regulars = np.searchsorted(self.entity_cdf, rng.random(20))
            self.topics.append(Topic(words, section, tags[: int(rng.integers(2, 4))], f"topic-{t:04d}", regulars))
        self.topic_cdf_global = _zipf_cdf(settings.topics, 0.9, shift=3.0)
        self.stories: list[Story] = []
        self.recent: deque[dict] = deque(maxlen=2_000)
        self.start_day = _dt.date.fromisoformat(settings.start).toordinal()
        self.span_days = 365.25 * settings.years

    # -------------------------------------------------------------- pieces
    def _entity(self, i: int) -> str:
        """The name of entity ``i``: the same name whenever and however often it is drawn."""
        name = self.entity_names.get(i)
        if name is None:
            if len(self.entity_names) >= 200_000:  # a bounded cache: names are a function of i alone
                self.entity_names.clear()
            first, second = np.random.default_rng([self.s.seed, i]).integers(len(self.surnames), size=2)
            name = self.entity_names[i] = f"{self.surnames[first]} {self.surnames[second]}"
        return name

    def _general(self, count: int) -> np.ndarray:
        return np.searchsorted(self.general_cdf, self.rng.random(count))

    def _from_topic(self, topic: Topic, count: int) -> np.ndarray:
        return topic.words[np.searchsorted(self.topic_cdf, self.rng.random(count))]

    def _mixed(self, story: Story, count: int, shares: tuple[float, float, float]) -> np.ndarray:
        n_story, n_topic, n_general = self.rng.multinomial(count, shares)
        words = np.concatenate([
            story.words[self.rng.integers(len(story.words), size=n_story)],
            self._from_topic(self.topics[story.topic], n_topic),
            self._general(n_general),
        ])
        return self.rng.permutation(words)

    def _new_story(self) -> Story:
        rng = self.rng
        topic = int(np.searchsorted(self.topic_cdf_global, rng.random()))
        regulars = self.topics[topic].entities
        entities = [int(e) for e in np.searchsorted(self.entity_cdf, rng.random(int(rng.integers(1, 4))))]
        if rng.random() < 0.5:
            entities.append(int(regulars[rng.integers(len(regulars))]))
        # a story's own words: a few rare ones (names of things, places) and a few of its topic
        words = np.concatenate([rng.integers(2_000, len(self.vocab), size=5), self._from_topic(self.topics[topic], 4)])
        return Story(
            topic=topic,
            words=words,
            entities=list(dict.fromkeys(entities)),
            day=float(rng.random() * self.span_days),
            left=int(min(12, rng.geometric(0.35))),
        )

    def _story(self) -> Story:
        """An active story to follow up, or a new one; a story ends after its planned length."""
        if self.stories and self.rng.random() < 0.45:
            i = int(self.rng.integers(len(self.stories)))
        else:
            story = self._new_story()
            if len(self.stories) < 500:
                self.stories.append(story)
                i = len(self.stories) - 1
            else:
                i = int(self.rng.integers(len(self.stories)))
                self.stories[i] = story
        story = self.stories[i]
        story.left -= 1
        if story.left <= 0:
            self.stories[i] = self.stories[-1]
            self.stories.pop()
        return story

    def _sentences(self, words: np.ndarray, names: Sequence[str]) -> str:
        rng = self.rng
        tokens = [self.vocab[w] for w in words.tolist()]
        for name in names:  # entities appear in the text, capitalised, somewhere
            tokens.insert(int(rng.integers(len(tokens) + 1)), name)
        out, i = [], 0
        while i < len(tokens):
            length = int(rng.integers(8, 22))
            sentence = tokens[i : i + length]
            i += length
            out.append(sentence[0][:1].upper() + sentence[0][1:] + " " + " ".join(sentence[1:]) + ".")
        return " ".join(s.replace(" .", ".") for s in out)

    def _date(self, day: float) -> str:
        day = min(max(day, 0.0), self.span_days - 1e-6)
        whole = int(day)
        seconds = int((day - whole) * 86400)
        date = _dt.date.fromordinal(self.start_day + whole)
        return f"{date.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"

    # -------------------------------------------------------------- articles
    def article(self, index: int) -> dict:
        rng = self.rng
        if self.recent and rng.random() < self.s.duplicates:
            return self._update(index, self.recent[int(rng.integers(len(self.recent)))])
        story = self._story()
        topic = self.topics[story.topic]
        names = [self._entity(e) for e in story.entities]
        title_words = self._mixed(story, int(rng.integers(6, 13)), (0.5, 0.4, 0.1))
        title = self._sentences(title_words, names[:1] if rng.random() < 0.3 else ()).rstrip(".")
        subtitle = self._sentences(self._mixed(story, int(rng.integers(12, 26)), (0.2, 0.4, 0.4)), ()) if rng.random() < 0.7 else ""
        body_length = int(rng.integers(150, 401))
        body = self._sentences(self._mixed(story, body_length - 2 * len(names), (0.08, 0.32, 0.6)), names)
        tags = self._tags(story, topic, names)
        day = story.day + float(rng.exponential(3.0))
        article_id = f"syn{index:07d}"
        slug = "-".join(title.lower().split()[:8])
        record = {
            "id": article_id,
            "title": title,
            "subtitle": subtitle,
            "body": body,
            "tags": tags,
            "published_at": self._date(day),
            "section": topic.section,
            "url": f"https://news.example.com/{topic.section}/{slug}-{article_id}",
            "language": "en",
            "labels": [topic.name],
        }
        self.recent.append(record)
        return record

    def _tags(self, story: Story, topic: Topic, names: list[str]) -> list[str]:
        rng = self.rng
        tags = list(topic.tags[: int(rng.integers(1, len(topic.tags) + 1))]) + names
        if rng.random() < 0.6:
            tags.append(COMMON_TAG)
        while len(tags) < 3:  # rare entity tags fill short lists
            tags.append(self._entity(int(np.searchsorted(self.entity_cdf, rng.random()))))
            tags = list(dict.fromkeys(tags))
        return tags[:8]

    def _update(self, index: int, original: dict) -> dict:
        """The same story re-sent: a few words of the body changed, the title marked, a later time."""
        rng = self.rng
        words = original["body"].split(" ")
        for _ in range(int(rng.integers(1, 5))):
            words[int(rng.integers(len(words)))] = self.vocab[int(self._general(1)[0])]
        title = original["title"]
        if not title.startswith("UPDATED: "):
            title = "UPDATED: " + title
        published = _dt.datetime.fromisoformat(original["published_at"]) + _dt.timedelta(hours=float(rng.uniform(0.5, 30)))
        article_id = f"syn{index:07d}"
        return {
            **original,
            "id": article_id,
            "title": title,
            "body": " ".join(words),
            "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": original["url"].rsplit("-", 1)[0] + f"-{article_id}",
        }

    def __iter__(self) -> Iterator[dict]:
        for i in range(self.s.n):
            yield self.article(i)


def write(settings: Settings, out: TextIO, progress: TextIO | None = sys.stderr, every: float = 2.0) -> int:
    """Write ``settings.n`` articles to ``out`` as JSONL; return the number written."""
    began = last = time.perf_counter()
    written = 0
    for record in Generator(settings):
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        written += 1
        now = time.perf_counter()
        if progress and now - last >= every:
            last = now
            rate = written / (now - began)
            print(f"synthetic: {written:,}/{settings.n:,} articles, {rate:,.0f}/s, about {(settings.n - written) / rate:.0f} s left",
                  file=progress, flush=True)
    if progress:
        print(f"synthetic: wrote {written:,} articles in {time.perf_counter() - began:.1f} s", file=progress, flush=True)
    return written


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m train.synthetic",
        description="Write N synthetic news articles as JSONL (Zipf vocabulary, topics, stories, near-duplicate "
                    "updates, long-tailed tags). The first N articles of a larger corpus with the same seed are "
                    "the N-article corpus.",
    )
    parser.add_argument("n", type=int, metavar="N", help="number of articles")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same file (default: 0)")
    parser.add_argument("--vocabulary", type=int, default=50_000, metavar="WORDS", help="distinct words (default: 50000)")
    parser.add_argument("--topics", type=int, default=400, help="topic clusters (default: 400)")
    parser.add_argument("--duplicates", type=float, default=0.03, metavar="SHARE",
                        help="share of articles that are re-sent updates of a recent one (default: 0.03)")
    parser.add_argument("--start", default="2019-01-01", metavar="DATE", help="first publication date (default: 2019-01-01)")
    parser.add_argument("--years", type=int, default=7, help="years the dates spread over (default: 7)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.n < 0 or args.vocabulary < len(FUNCTION_WORDS) + 1_000 or args.topics < 1 or not 0 <= args.duplicates < 1 or args.years < 1:
        print("error: need N >= 0, --vocabulary >= 1100, --topics >= 1, 0 <= --duplicates < 1, --years >= 1", file=sys.stderr)
        return 1
    try:
        _dt.date.fromisoformat(args.start)
    except ValueError:
        print(f"error: --start {args.start!r} is not an ISO date", file=sys.stderr)
        return 1
    settings = Settings(args.n, args.seed, args.vocabulary, args.topics, args.duplicates, args.start, args.years)
    partial = args.out.with_name(args.out.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", buffering=1 << 20) as out:
            write(settings, out)
        os.replace(partial, args.out)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        partial.unlink(missing_ok=True)
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
