"""Dataset adapters: turn each known data set folder into an :class:`~train.groundtruth.EvalSet`.

One ``load_<name>(folder)`` per data set in ``../shared/datasets``, :data:`ADAPTERS` keyed by the
folder names, :func:`load_dataset` to pick by folder name, and :func:`load_custom` with the readers
:func:`read_related` and :func:`read_ratings` for a user's own corpus and ground truth.

Every failure to read input is raised as :class:`ValueError` (or :class:`OSError` for a file that
cannot be opened), naming the file and, where there is one, the line.
"""
from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from recommender.schema import Article, SchemaError, parse_article

from .groundtruth import EvalSet, about_corpus, judgements, mostly_dropped, unknown_ids
from .job import MAX_SKIPPED
from .loaders import BadRecord, LoadError, LoadReport, first_sentence, guess_format, load_articles
from .loaders.csv_format import csv_rows, separator_hint
from .loaders.jsonl import BadJSON, json_lines
from .loaders.reuters import FILE_PATTERN, read_splits
from .loaders.text_encoding import decode, read_bytes

SEMEVAL_FILE = "training_set.csv"
SEMEVAL_COLUMNS = ("pair_id", "lang1", "lang2", "text1", "text2", "overall")
LEE_FILE = "lee_background.cor"
_HEADLINE_BREAK = re.compile(r"[ \t]*\n\s*| {2,}")
_SE_TAG = re.compile(r"[^<>|]+")  # "<a><b>" (older dumps) or "|a|b|" (newer ones)
_SE_LINK_TYPES = {"1": "linked", "3": "duplicate"}
_BLOCK_TAGS = {"p", "br", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "tr"}


# ------------------------------------------------------------------------------------------ helpers
def _read(paths: Iterable[Path], fmt: str | None, tag_delimiter: str) -> tuple[list[Article], LoadReport]:
    """Every valid article of ``paths`` and what the load skipped; a :class:`LoadError` becomes a ValueError."""
    report = LoadReport()
    try:
        return list(load_articles(paths, fmt, report=report, tag_delimiter=tag_delimiter)), report
    except LoadError as exc:
        raise ValueError(str(exc)) from exc


def _load(paths: Iterable[Path], fmt: str | None = None, tag_delimiter: str = "|") -> tuple[list[Article], str]:
    """The articles of ``paths``, the first of each id, and a note for the description of what was
    left out (``""`` when nothing was)."""
    loaded, report = _read(paths, fmt, tag_delimiter)
    articles = _first_of_each_id(loaded)
    return articles, _left_out(len(report.skipped), len(loaded) - len(articles), report)


def _as_the_job_would(path: Path, articles: list[Article], report: LoadReport, max_skipped: float) -> None:
    """A ValueError for a corpus the training job would refuse to publish: more than ``max_skipped``
    of its records skipped, or an id given twice (naming the ids, by their place among the articles)."""
    records = report.read + len(report.skipped)
    if report.read and len(report.skipped) > max_skipped * records:
        raise ValueError(f"{path}: skipped {len(report.skipped):,} of {records:,} records ({len(report.skipped) / records:.1%}: "
                         f"{_reasons(report)}), "
                         f"more than --max-skipped {max_skipped:g} allows: the training job would publish nothing from "
                         "this corpus; fix the records, or pass --max-skipped 1 to evaluate what was read")
    places: dict[str, list[int]] = {}
    for n, article in enumerate(articles, start=1):
        places.setdefault(article.id, []).append(n)
    repeated = {i: at for i, at in places.items() if len(at) > 1}
    if repeated:
        shown = "; ".join(f"{i!r} is articles {', '.join(map(str, at[:-1]))} and {at[-1]}" for i, at in list(repeated.items())[:5])
        raise ValueError(f"{path}: {len(repeated):,} id{'s' if len(repeated) != 1 else ''} given to more than one article "
                         f"({shown}{'; ...' if len(repeated) > 5 else ''}): the training job would refuse this corpus "
                         "(an id must be unique: write an updated article once, as its latest version)")


def _left_out(unreadable: int, repeated: int, report: LoadReport | None = None) -> str:
    """A note of what was left out, with the reasons and the first place, and of the load's warnings,
    when ``report`` has them."""
    why = f": {_reasons(report)}" if report is not None and report.skipped else ""
    parts = ([f"{unreadable:,} unreadable record{'s' if unreadable != 1 else ''} skipped{why}"] if unreadable else []) + (
        [f"{repeated:,} repeating an earlier id left out"] if repeated else [])
    warnings = report.warnings if report is not None else []
    if warnings:  # what the training job would print: an encoding guessed, a date kept in part, future dates
        parts.append(f"warning: {warnings[0]}" + (f" (and {len(warnings) - 1:,} more warning{_s(len(warnings) - 1)})" if len(warnings) > 1 else ""))
    return f" ({'; '.join(parts)})" if parts else ""


def _reasons(report: LoadReport) -> str:
    """Why the load skipped records, and where the first one is."""
    first = report.skipped[0]
    return (", ".join(f"{count:,} × {reason}" for reason, count in report.skipped_by_reason().items())
            + f", the first at {first.source}" + (f":{first.line}" if first.line is not None else ""))


def _first_of_each_id(articles: Iterable[Article]) -> list[Article]:
    """``articles`` in order without those repeating an earlier one's id."""
    seen: set[str] = set()
    kept = []
    for article in articles:
        if article.id not in seen:
            seen.add(article.id)
            kept.append(article)
    return kept


def _ground_truth_bytes(path: Path) -> bytes:
    """A ground-truth file's bytes, decompressed when it is gzip (as a corpus is)."""
    try:
        return read_bytes(path)
    except LoadError as exc:
        raise ValueError(str(exc)) from None


def _ground_truth_suffix(path: Path) -> str:
    """The suffix that says a ground-truth file's format: ``.csv`` for ``r.csv`` and ``r.csv.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    return suffixes[-2] if suffixes[-1:] == [".gz"] and len(suffixes) > 1 else suffixes[-1] if suffixes else ""


def _csv_rows(path: Path, required: tuple[str, ...], warnings: list[str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each data row of a CSV file whose header names ``required``.

    Header names are compared lower-cased; cells are stripped; blank rows are skipped; ``line`` is
    the physical line where the row starts. Raises ValueError naming ``file:line``. A file that is
    not UTF-8 is decoded as a corpus is, and ``warnings`` (when given) gets the warning that says so.
    """
    text, warning = decode(_ground_truth_bytes(Path(path)), str(path))
    if warning and warnings is not None:
        warnings.append(warning)
    header: list[str] | None = None
    for line, row in csv_rows(text):
        if isinstance(row, csv.Error):
            raise ValueError(f"{path}:{line}: unreadable CSV row: {row}")
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if not set(required) <= set(header):
                raise ValueError(f"{path}:{line}: the header row must name {','.join(required)}{separator_hint(row)}")
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}:{line}: expected {len(header)} cells, found {len(row)}")
        yield line, {name: cell.strip() for name, cell in zip(header, row)}
    if header is None:
        raise ValueError(f"{path}: empty file; expected a header row {','.join(required)}")


def _xml_rows(path: Path) -> list[ET.Element]:
    """The ``<row>`` elements of a Stack Exchange dump file."""
    if not path.is_file():
        raise ValueError(f"{path.parent}: no {path.name}: a Stack Exchange dump needs Posts.xml and PostLinks.xml")
    try:
        return list(ET.parse(path).getroot().iter("row"))
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML: {exc}") from None


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, with a line break at block elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(re.sub(r"\s+", " ", data))

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")


def strip_html(markup: str) -> str:
    """Return the text of an HTML fragment.

    Parameters
    ----------
    markup : str
        HTML such as a Stack Exchange post body.

    Returns
    -------
    str
        The text without tags, entities unescaped, runs of whitespace collapsed to one space and one
        line per block element (paragraph, list item, heading...); no blank lines.
    """
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------- data sets
def load_reuters(folder: Path) -> EvalSet:
    """Reuters-21578 in the ModApte split.

    Parameters
    ----------
    folder : Path
        The folder of ``reut2-*.sgm`` files.

    Returns
    -------
    EvalSet
        ``articles``: the ModApte training articles (LEWISSPLIT ``TRAIN``, TOPICS ``YES``);
        ``queries``: the ModApte test articles (LEWISSPLIT ``TEST``, TOPICS ``YES``); ``labels``: the
        TOPICS categories of both (possibly empty); ``categories``: the labels with at least one
        training and one test article (90 on the full collection). No related or rated pairs.
    """
    folder = Path(folder)
    try:
        splits = read_splits(folder)
    except LoadError as exc:
        raise ValueError(str(exc)) from exc
    if not any(split in (("TRAIN", "YES"), ("TEST", "YES")) for split in splits.values()):
        raise ValueError(f"{folder}: no article of the ModApte split (LEWISSPLIT=\"TRAIN\" or \"TEST\" with TOPICS=\"YES\" "
                         "on its REUTERS tag); to evaluate these articles without the split (label P@8 by their TOPICS), use "
                         f"--corpus {folder} --format reuters")
    loaded, left_out = _load([folder], "reuters")
    train = [a for a in loaded if splits.get(a.id) == ("TRAIN", "YES")]
    test = [a for a in loaded if splits.get(a.id) == ("TEST", "YES")]
    labels = {a.id: set(a.labels) for a in train + test}
    seen_in_train = set().union(*(labels[a.id] for a in train))
    seen_in_test = set().union(*(labels[a.id] for a in test))
    categories = sorted(seen_in_train & seen_in_test)
    unlabelled = sum(1 for a in train if not labels[a.id])  # only indexed articles fill list places
    modapte = sum(1 for split in splits.values() if split in (("TRAIN", "YES"), ("TEST", "YES")))
    missing = modapte - len(train) - len(test)
    description = (
        f"ModApte split{left_out}: {len(train):,} training articles form the corpus and {len(test):,} test articles "
        f"are unseen queries; ground truth is the Reuters TOPICS labels, "
        + (f"scored on the {len(categories)} categories with at least one training and one test article" if categories else
           "but no category has both a training and a test article, so kNN is not scored")
        + f" ({unlabelled:,} of the training articles have no topic: a list place holding one counts as a miss in label P@8"
        + (f", {missing} could not be read" if missing else "") + ")."
    )
    return EvalSet(name=folder.absolute().name, articles=train, labels=labels, queries=test,
                   categories=categories, description=description)


def _without_sections(articles: list[Article]) -> list[Article]:
    """``articles`` read by the folder format without the ``section`` it gives them: it is their
    sub-folder, which is also their label, so a system that reads sections (YARPP scores a shared
    category) would be handed the ground truth it is judged by."""
    return [replace(a, section="") for a in articles]


def load_bbc(folder: Path) -> EvalSet:
    """The BBC News corpus: one topical class per article, no pairwise judgements.

    Parameters
    ----------
    folder : Path
        The folder with one sub-folder per class (``business/001.txt``...).

    Returns
    -------
    EvalSet
        ``articles`` from the folder format (ids such as ``business/001``), ``labels`` the class
        of each article and ``categories`` the classes (5 on the full corpus). No queries.
    """
    folder = Path(folder)
    articles, left_out = _load([folder], "folder")
    articles = _without_sections(articles)
    labels = {a.id: set(a.labels) for a in articles if a.labels}
    categories = sorted(set().union(*labels.values()))
    unlabelled = len(articles) - len(labels)
    description = (
        f"{len(articles):,} articles in class folders{left_out}; ground truth is the class (folder) of each "
        f"article ({len(categories)} classes: {', '.join(categories)}), no pairwise judgements"
        + (f"; {unlabelled:,} article{'s' if unlabelled != 1 else ''} directly in the folder, without a class: a list "
           "place holding one counts as a miss in label P@8, so it cannot reach 1" if unlabelled else "") + "."
    )
    return EvalSet(name=folder.absolute().name, articles=articles, labels=labels, categories=categories,
                   description=description)


def _semeval_article(article_id: str, text: str, language: str) -> Article:
    """The headline is the text before the first line break or run of two or more spaces, else
    its first sentence (at most 15 words); the body is the rest."""
    text = text.strip()
    found = _HEADLINE_BREAK.search(text)
    if found:
        title, body = text[:found.start()], text[found.end():]
    else:
        title = first_sentence(text)
        body = " ".join(text.split()[len(title.split()):])
    return parse_article({"id": article_id, "title": title, "body": body, "language": language})


def load_semeval(folder: Path, language: str = "en") -> EvalSet:
    """The English–English pairs of the SemEval-2022 Task 8 sample training file (or those of
    another language, both articles in it).

    Parameters
    ----------
    folder : Path
        The folder holding ``training_set.csv`` (columns ``pair_id, lang1, lang2, text1, text2,
        Overall``, among others), or, without it, another ``*.csv`` with those columns.
    language : str
        The ``lang1`` and ``lang2`` of the pairs read (``"zh"``: the Chinese–Chinese pairs).

    Returns
    -------
    EvalSet
        ``articles``: each distinct article of the rows with ``lang1 == lang2 == language`` and a
        ``pair_id`` of two plain numbers (``"1484084337_1484110209"``) or of two numbers with
        ``language`` as their suffix (``"1484037032zh_1483931345zh"``; other suffixes are HFL's
        translations from other languages), the first text seen for an id; headline = the text before the first line
        break or run of two or more spaces, else the first sentence. ``rated_pairs``:
        ``(id1, id2, 5 - Overall)``, so 1 = very dissimilar to 4 = very similar, averaged over rows
        repeating a ``pair_id``.

    Raises
    ------
    ValueError
        When the file lacks a needed column (rows whose ``Overall`` is empty or not a number are left
        out and counted in the description).
    """
    folder, language = Path(folder), language.lower()
    pair_id = re.compile(rf"(\d+)(?:{re.escape(language)})?_(\d+)(?:{re.escape(language)})?", re.I)
    path = _semeval_file(folder) or folder / SEMEVAL_FILE
    required = SEMEVAL_COLUMNS
    texts: dict[str, str] = {}
    articles: list[Article] = []
    ratings: dict[tuple[str, str], list[float]] = {}
    conflicts = other_rows = translated = self_pairs = 0
    unrated: list[int] = []  # lines whose Overall is empty or not a number
    unreadable: set[str] = set()
    warnings: list[str] = []
    for line, row in _csv_rows(path, required, warnings):
        pair = pair_id.fullmatch(row["pair_id"])
        if not row["lang1"].lower() == row["lang2"].lower() == language:
            other_rows += 1
            continue
        if not pair:
            translated += 1
            continue
        if pair.group(1) == pair.group(2):
            self_pairs += 1
            continue
        try:
            overall = float(row["overall"])
        except ValueError:
            overall = math.nan
        if not math.isfinite(overall):
            unrated.append(line)
            continue
        for article_id, text in zip(pair.groups(), (row["text1"], row["text2"])):
            if article_id in texts or article_id in unreadable:
                if texts.get(article_id, text) != text:
                    conflicts += 1
                continue
            try:
                articles.append(_semeval_article(article_id, text, language))
                texts[article_id] = text
            except SchemaError:
                unreadable.add(article_id)
        ratings.setdefault(pair.groups(), []).append(5.0 - overall)
    pairs = [(a, b, sum(r) / len(r)) for (a, b), r in ratings.items() if a in texts and b in texts]
    averaged = sum(1 for (a, b), r in ratings.items() if len(r) > 1 and a in texts and b in texts)
    name = "English" if language == "en" else language
    both = f"{name}-{name}"
    description = (
        f"{len(pairs)} {both} article pair{'s' if len(pairs) != 1 else ''} with human similarity ratings "
        f"(5 - Overall: 1 = very dissimilar, 4 = very similar) over {len(articles)} articles; "
        f"{other_rows} other-language row{_s(other_rows)} left out"
        + (f", {translated} {name} row{_s(translated)} with a suffixed pair_id (translations) left out" if translated else "")
        + (f", {len(unrated)} row{_s(len(unrated))} without a number in Overall left out (the first at line {unrated[0]})" if unrated else "")
        + (f", {averaged} pair{_s(averaged)} rated in several rows: their ratings averaged" if averaged else "")
        + (f", {conflicts} repeated id{_s(conflicts)} with a different text kept their first text" if conflicts else "")
        + (f", {self_pairs} pair{_s(self_pairs)} of an article with itself left out" if self_pairs else "")
        + (f", {len(ratings) - len(pairs)} pair{_s(len(ratings) - len(pairs))} dropped for an empty text" if len(pairs) < len(ratings) else "")
        + "".join(f"; warning: {w}" for w in warnings)
        + "."
    )
    return EvalSet(name=folder.absolute().name, articles=articles, rated_pairs=pairs, description=description)


def _semeval_file(folder: Path) -> Path | None:
    """``training_set.csv``, else the first ``*.csv`` (by name) whose header names the SemEval columns."""
    if (folder / SEMEVAL_FILE).is_file():
        return folder / SEMEVAL_FILE
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            header = next(csv.reader([f.readline()]), [])
        if set(SEMEVAL_COLUMNS) <= {cell.strip().lower() for cell in header}:
            return path
    return None


def _lee_file(folder: Path) -> Path | None:
    """``lee_background.cor``, else the first ``*.cor`` file (by name)."""
    if (folder / LEE_FILE).is_file():
        return folder / LEE_FILE
    return next(iter(sorted(folder.glob("*.cor"))), None)


def load_stackexchange(folder: Path) -> EvalSet:
    """A Stack Exchange dump: questions as articles, post links between questions as related.

    Parameters
    ----------
    folder : Path
        The folder holding ``Posts.xml`` and ``PostLinks.xml``.

    Returns
    -------
    EvalSet
        ``articles``: the questions (``PostTypeId="1"``) with ``Title``, ``Body`` as plain text,
        ``Tags`` as tags and ``CreationDate`` as ``published_at``; ``related``: for every link of
        type 1 (linked) or 3 (duplicate) between two different questions, each one under the other.
        Links to answers or to posts not in the dump are skipped. No queries or labels.
    """
    folder = Path(folder)
    articles: list[Article] = []
    report = LoadReport()
    for row in _xml_rows(folder / "Posts.xml"):
        if row.get("PostTypeId") != "1":
            continue
        record = {
            "id": row.get("Id"),
            "title": row.get("Title"),
            "body": strip_html(row.get("Body") or ""),
            "tags": _SE_TAG.findall(row.get("Tags") or ""),
            "published_at": row.get("CreationDate"),
        }
        try:
            articles.append(parse_article(record))
        except SchemaError as exc:
            report.skipped.append(BadRecord(f"Posts.xml row Id={str(row.get('Id'))[:40]}", None, str(exc)))
    kept = _first_of_each_id(articles)
    repeated, articles = len(articles) - len(kept), kept
    questions = {a.id for a in articles}
    related: dict[str, set[str]] = {}
    used = {kind: 0 for kind in _SE_LINK_TYPES.values()}
    skipped = 0
    for row in _xml_rows(folder / "PostLinks.xml"):
        a, b, kind = row.get("PostId"), row.get("RelatedPostId"), _SE_LINK_TYPES.get(row.get("LinkTypeId"))
        if kind is None or a == b or a not in questions or b not in questions:
            skipped += 1
            continue
        used[kind] += 1
        related.setdefault(a, set()).add(b)
        related.setdefault(b, set()).add(a)
    description = (
        f"{len(articles):,} questions{_left_out(len(report.skipped), repeated, report)}; ground truth is "
        f"{used['linked'] + used['duplicate']} post links between questions ({used['linked']} linked, "
        f"{used['duplicate']} duplicate; {skipped} links skipped: to answers, to posts not in the dump or not read, to itself, or of other types), "
        f"{sum(map(len, related.values())) // 2} distinct pairs giving {len(related)} questions with at least one "
        "related question."
    )
    return EvalSet(name=folder.absolute().name, articles=articles, related=related, description=description)


def load_lee(folder: Path) -> EvalSet:
    """The Lee (2005) background corpus: one document per line, no ground truth.

    Parameters
    ----------
    folder : Path
        The folder holding ``lee_background.cor`` (or, without it, another ``*.cor`` file).

    Returns
    -------
    EvalSet
        ``articles`` only (ids are line numbers); every kind of ground truth is empty.
    """
    folder = Path(folder)
    articles, left_out = _load([_lee_file(folder) or folder / LEE_FILE], "lines")
    description = (
        f"{len(articles):,} documents, one per line{left_out}, without ground truth "
        "(only the list measures that need none apply)."
    )
    return EvalSet(name=folder.absolute().name, articles=articles, description=description)


# --------------------------------------------------------------------------- user ground truth
def read_related(path: Path) -> dict[str, set[str]]:
    """Read related-article ground truth for your own corpus.

    Two formats, chosen by the file suffix:

    * ``.jsonl`` / ``.ndjson`` / ``.json``: one JSON object per line,
      ``{"id": "a", "related": ["b", "c"]}``, meaning ``b`` and ``c`` are related to ``a`` (taken as
      given, in that direction only). Ids may be strings or integers. Lines repeating an id add to
      its set. Blank lines are ignored.
    * ``.csv``: a header row ``id_a,id_b`` (other columns are ignored, but a ``similarity`` column
      marks rated pairs and is refused), then one related pair per row. Pairs are symmetric:
      ``a,b`` makes ``b`` related to ``a`` and ``a`` related to ``b``.

    An article is never related to itself.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    dict of str to set of str
        For each query id, the ids related to it.

    Raises
    ------
    ValueError
        For another suffix, or a bad line (invalid JSON, missing or empty id, a ``related`` that is
        not a list of ids, an id related to itself, a wrong number of CSV cells), naming
        ``file:line``.
    """
    path = Path(path)
    suffix = _ground_truth_suffix(path)
    related: dict[str, set[str]] = {}
    if suffix == ".csv":
        for line, row in _csv_rows(path, ("id_a", "id_b")):
            if "similarity" in row:
                raise ValueError(f"{path}: has a similarity column, so it holds rated pairs, not related ids (--ratings reads them)")
            a, b = row["id_a"], row["id_b"]
            if not a or not b:
                raise ValueError(f"{path}:{line}: id_a and id_b must not be empty")
            if a == b:
                raise ValueError(f"{path}:{line}: {a!r} is listed as related to itself")
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)
        return related
    if suffix not in (".jsonl", ".ndjson", ".json"):
        found = "related ids must be a .jsonl or .csv file (or either gzipped)" if path.exists() else "no such file"
        raise ValueError(f"{path}: {found}")
    text, _ = decode(_ground_truth_bytes(path), str(path))
    for line, record in json_lines(text.split("\n")):
        if isinstance(record, BadJSON):
            raise ValueError(f"{path}:{line}: {record}")
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{line}: expected an object {{\"id\": ..., \"related\": [...]}}")  # noqa: TRY004 (bad input)
        query, others = _id(record.get("id")), record.get("related")
        if query is None:
            given = record.get("id")
            wrong = given is not None and not (isinstance(given, str) and not given.strip())
            raise ValueError(f"{path}:{line}: " + (f"id must be a string or a whole number, got {json.dumps(given)}" if wrong
                                                   else "id is missing or empty"))
        if not isinstance(others, list):
            raise ValueError(f"{path}:{line}: " + (f"related must be a list of ids, got {json.dumps(others)}" if "related" in record
                                                   else "related is missing: each line is {\"id\": ..., \"related\": [ids]}"))
        bad = [o for o in others if _id(o) is None]
        if bad:
            raise ValueError(f"{path}:{line}: each related id must be a non-empty string or a whole number, got {json.dumps(bad[0])}")
        others = {_id(o) for o in others}
        if query in others:
            raise ValueError(f"{path}:{line}: {query!r} is listed as related to itself")
        related.setdefault(query, set()).update(others)
    return related


def _id(value: object) -> str | None:
    """A string or integer id as a stripped string; None when it is neither or is blank."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return str(value).strip()


def read_ratings(path: Path) -> list[tuple[str, str, float]]:
    """Read rated pairs for your own corpus.

    Format: CSV with a header row ``id_a,id_b,similarity`` (other columns are ignored), then one pair
    per row; ``similarity`` is a number where higher means more similar (any scale).

    Parameters
    ----------
    path : Path
        The CSV file.

    Returns
    -------
    list of (str, str, float)
        ``(id_a, id_b, similarity)`` in file order.

    Raises
    ------
    ValueError
        For a file whose suffix is not ``.csv`` (or ``.csv.gz``); for a missing header, an empty id,
        a similarity that is not a finite number or a wrong number of cells, naming ``file:line``.
    """
    path = Path(path)
    suffix = _ground_truth_suffix(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        raise ValueError(f"{path}: rated pairs are a CSV file with the header id_a,id_b,similarity; a JSONL file holds "
                         "related ids (--related)")
    if suffix != ".csv":  # as related ids are: the suffix says the format, and an image is not read as CSV
        raise ValueError(f"{path}: " + ("rated pairs must be a .csv file (or gzipped)" if path.exists() else "no such file"))
    pairs = []
    for line, row in _csv_rows(path, ("id_a", "id_b", "similarity")):
        if not row["id_a"] or not row["id_b"]:
            raise ValueError(f"{path}:{line}: id_a and id_b must not be empty")
        if row["id_a"] == row["id_b"]:
            raise ValueError(f"{path}:{line}: an article rated against itself ({row['id_a']!r})")
        try:
            similarity = float(row["similarity"])
        except ValueError:
            similarity = math.nan
        if not math.isfinite(similarity):
            raise ValueError(f"{path}:{line}: similarity is not a finite number: {row['similarity']!r}")
        pairs.append((row["id_a"], row["id_b"], similarity))
    return pairs


def check_ground_truth_name(path: Path) -> None:
    """A ValueError unless ``path`` is named as ground truth is (:func:`read_ground_truth`): said
    before a long job reads its corpus."""
    if _ground_truth_suffix(Path(path)) not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise ValueError(f"{path}: " + ("ground truth must be a .jsonl file of related ids or a .csv file of related or "
                                        "rated pairs (or either gzipped)" if Path(path).exists() else "no such file"))


def read_ground_truth(path: Path) -> tuple[dict[str, set[str]], list[tuple[str, str, float]]]:
    """Either kind of user ground truth from one file: a CSV whose header has a ``similarity`` column
    is read by :func:`read_ratings`, anything else by :func:`read_related`. Returns
    ``(related, ratings)`` with the other one empty."""
    path = Path(path)
    check_ground_truth_name(path)
    if _ground_truth_suffix(path) == ".csv":
        text, _ = decode(_ground_truth_bytes(path), str(path))
        header = next((row for _, row in csv_rows(text) if not isinstance(row, csv.Error)), [])
        if "similarity" in [h.strip().lower() for h in header]:
            return {}, read_ratings(path)
    return read_related(path), []


def load_custom(corpus_path: Path, related: Path | None = None, ratings: Path | None = None,
                fmt: str | None = None, tag_delimiter: str = "|", max_skipped: float = MAX_SKIPPED,
                warn: Callable[[str], None] | None = None) -> EvalSet:
    """Your own corpus with your own ground truth.

    Parameters
    ----------
    corpus_path : Path
        Articles in any input format of ``python -m train`` (guessed from the name).
    related : Path, optional
        Related ids, see :func:`read_related`.
    ratings : Path, optional
        Rated pairs, see :func:`read_ratings`.
    fmt : str, optional
        The corpus's input format when its name does not tell (``python -m train --format``).
    tag_delimiter : str
        The separator of tags in a CSV cell, as ``python -m train --tag-delimiter``.
    max_skipped : float
        The share of the corpus's records that may be unreadable (skipped), as ``python -m train
        --max-skipped``: the corpus is refused, as the job would refuse it, beyond it.
    warn : callable, optional
        Told (a line) of a ground-truth file most of whose judgements name ids not in the corpus
        (:func:`~train.groundtruth.mostly_dropped`).

    Returns
    -------
    EvalSet
        Named after the corpus file's stem. ``labels`` come from the articles' ``labels`` field
        (articles without labels are left out), ``categories`` are all those labels. Ground truth
        naming an id that is not in the corpus is dropped, and the number of such ids is given in
        ``description``; a ValueError when none of a given file's ground truth is about the corpus.
        Pairs rated more than once keep every rating (each counts), and the description says how
        many.

    Raises
    ------
    ValueError
        For a corpus the training job would refuse: more than ``max_skipped`` of its records
        unreadable, or an id given to two articles (the ids are named); for ground truth that cannot
        be read, or none of which is about the corpus.
    """
    corpus_path = Path(corpus_path)
    articles, report = _read([corpus_path], fmt, tag_delimiter)
    _as_the_job_would(corpus_path, articles, report, max_skipped)
    form = fmt or guess_format(corpus_path)
    if form == "folder":
        articles = _without_sections(articles)
    if not articles:  # said before the ground truth is read: it is not the ground truth's fault
        raise ValueError(f"{corpus_path}: no articles to evaluate: " + (
            f"none of its {len(report.skipped):,} record{'s' if len(report.skipped) != 1 else ''} could be read "
            f"({_reasons(report)})" if report.skipped else "it holds no records"))
    left_out = _left_out(len(report.skipped), 0, report)
    ids = {a.id for a in articles}
    given_links = read_related(related) if related is not None else {}
    links, _, unknown_links = about_corpus(given_links, [], ids)
    given_pairs = read_ratings(ratings) if ratings is not None else []
    _, pairs, unknown_pairs = about_corpus({}, given_pairs, ids)
    unknown = unknown_links | unknown_pairs
    skipped = len(report.skipped)
    for given, found, what, missing, counts in (
            (related, links, "related ids", unknown_links, (judgements(given_links, []), judgements(links, []))),
            (ratings, pairs, "rated pairs", unknown_pairs, (len(given_pairs), len(pairs)))):
        if given is None:
            continue
        if not found:
            raise ValueError(f"{given}: no {what} about articles of this corpus ({unknown_ids(missing, ids, skipped)}"
                             + (f"; why records were skipped: {_reasons(report)}" if skipped else "") + ")"
                             if missing else f"{given}: holds no {what}")
        said = mostly_dropped(given, given is related, *counts, missing, ids, skipped)
        if warn and said:
            warn(said)
    labels = {a.id: set(a.labels) for a in articles if a.labels}
    categories = sorted(set().union(*labels.values()))
    parts = [f"{len(articles):,} articles{left_out}"]
    if links:
        parts.append(f"{len(links):,} quer{'ies' if len(links) != 1 else 'y'} with related ids")
    if pairs:
        again = len(pairs) - len({frozenset((a, b)) for a, b, _ in pairs})
        parts.append(f"{len(pairs):,} rated pair{'s' if len(pairs) != 1 else ''}" + (f" ({again:,} rating a pair rated before: each rating counts)" if again else ""))
    if labels:
        parts.append(f"{len(labels):,} labelled articles in {len(categories)} categories")
    if unknown:  # a query or a pair is left out only for an id the corpus does not have
        lost = ([f"{len(given_links) - len(links):,} of {len(given_links):,} queries of related ids left with none"]
                if len(links) < len(given_links) else []) + (
            [f"{len(given_pairs) - len(pairs):,} of {len(given_pairs):,} rated pairs"] if len(pairs) < len(given_pairs) else [])
        parts.append(f"{len(unknown):,} distinct ground-truth id{'s' if len(unknown) != 1 else ''} not in the corpus dropped"
                     + (f" ({', '.join(lost)})" if lost else "")
                     + (" (some may be of the unreadable records skipped above)" if unknown and report.skipped else ""))
    split = sum(1 for a in articles if any(";" in t or "," in t for t in a.tags))
    if split and tag_delimiter == "|" and form == "csv":
        parts.append(f"{split:,} article{' has' if split == 1 else 's have'} a tag with ';' or ',' in it: if your CSV separates tags with one of them, "
                     "pass --tag-delimiter ';' (or ','), as to python -m train")
    if labels and len(labels) < len(articles):
        parts.append(f"{len(articles) - len(labels):,} article{'s' if len(articles) - len(labels) != 1 else ''} without a label: a list place holding one counts as a "
                     "miss in label P@8, so it cannot reach 1")
    description = "; ".join(parts) + "."
    name = corpus_path.name.removesuffix(".gz").removesuffix(".GZ")
    return _usable(EvalSet(name=Path(name).stem, articles=articles, related=links, rated_pairs=pairs,
                           labels=labels, categories=categories, description=description))


def _s(n: int) -> str:
    """The plural ending for ``n`` things."""
    return "" if n == 1 else "s"


def _usable(es: EvalSet) -> EvalSet:
    """``es``, or a ValueError when it holds no article to evaluate."""
    if not es.articles:
        raise ValueError(f"{es.name}: no articles to evaluate: {es.description.rstrip('.')}")
    return es


# ---------------------------------------------------------------------------------------- registry
ADAPTERS = {
    "reuters21578": load_reuters,
    "bbc": load_bbc,
    "semeval2022_task8_hfl_sample": load_semeval,
    "stackexchange_cstheory_meta": load_stackexchange,
    "lee2005_background": load_lee,
}


def kind_of(folder: Path) -> str | None:
    """Which known data set ``folder`` holds: recognised by its files, else by its name when that is
    a key of :data:`ADAPTERS`, so a renamed copy or another data set of the same shape (the
    dump of another Stack Exchange site, a corpus laid out like BBC's) loads too; files of another
    data set's layout win over the name, which decides only where the files do not. ``None`` when it
    is neither.

    By files: ``reut2-*.sgm`` → Reuters; ``Posts.xml`` or ``PostLinks.xml`` → Stack Exchange (which
    needs both, and says so);
    ``training_set.csv`` or another ``*.csv`` with SemEval's columns → SemEval; a ``*.cor`` file →
    Lee; two or more sub-folders with ``*.txt`` files (one per class), none of them laid out like
    another data set → BBC.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    kind = _kind_by_files(folder)  # the files first: a Stack Exchange dump in a folder called bbc is a dump
    if kind:
        return kind
    subfolders = [d for d in folder.iterdir() if d.is_dir()]
    if any(_kind_by_files(d) for d in subfolders):  # a folder of data sets is not one data set
        return None
    classes = [d for d in subfolders if any(f.suffix.lower() == ".txt" for f in d.rglob("*"))]
    if len(classes) >= 2:  # class folders, whatever the folder is called
        return "bbc"
    return folder.absolute().name if folder.absolute().name in ADAPTERS else None  # the name last


def _kind_by_files(folder: Path) -> str | None:
    if any(folder.glob(FILE_PATTERN)):
        return "reuters21578"
    if (folder / "Posts.xml").is_file() or (folder / "PostLinks.xml").is_file():  # half a dump: its loader says what is missing
        return "stackexchange_cstheory_meta"
    if _semeval_file(folder):
        return "semeval2022_task8_hfl_sample"
    if _lee_file(folder):
        return "lee2005_background"
    return None


def load_dataset(folder: Path) -> EvalSet:
    """Load a known data set, choosing the adapter by :func:`kind_of`.

    Parameters
    ----------
    folder : Path
        A folder named as a key of :data:`ADAPTERS` (``reuters21578``, ``bbc``...), or laid out
        like one of them.

    Returns
    -------
    EvalSet
        What that adapter returns (named after the folder).

    Raises
    ------
    ValueError
        When the folder is neither (the message lists the known names and layouts).
    """
    folder = Path(folder)
    kind = kind_of(folder)
    if kind is None:
        raise ValueError(
            f"{folder}: not a known data set (known: {', '.join(ADAPTERS)}), nor laid out like one "
            "(reut2-*.sgm files, Posts.xml with PostLinks.xml, a CSV with SemEval's columns, a *.cor file, "
            "or one sub-folder of *.txt files per class); for your own corpus use --corpus"
        )
    return _usable(ADAPTERS[kind](folder))


def find_datasets(root: Path) -> list[Path]:
    """The data set folders directly inside ``root`` (see :func:`kind_of`): those named after a known
    data set first, in the order of :data:`ADAPTERS`, then the others by name."""
    root = Path(root)
    named = [root / name for name in ADAPTERS if (root / name).is_dir()]
    others = sorted(d for d in root.iterdir() if d.is_dir() and d.name not in ADAPTERS and kind_of(d)) if root.is_dir() else []
    return named + others
