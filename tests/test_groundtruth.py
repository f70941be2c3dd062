"""How a data set's ground truth is split between the tuning search and the held-out half."""
from train.groundtruth import HELD_OUT, TUNING, EvalSet, half
from recommender.schema import parse_article


def _set(**truth) -> EvalSet:
    articles = [parse_article({"id": i, "title": i, "body": "b"}) for i in "abcdefg"]
    return EvalSet("t", articles, **truth)


def test_a_related_pair_goes_with_both_its_ends_to_one_half():
    es = _set(related={"a": {"b", "c"}, "b": {"a"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"g"}})
    tuning, held = half(es, TUNING), half(es, HELD_OUT)
    # pairs in the order they first appear: a-b, a-c, d-e, f-g (one-way, as written), alternating
    assert tuning.related == {"a": {"b"}, "b": {"a"}, "d": {"e"}, "e": {"d"}}
    assert held.related == {"a": {"c"}, "c": {"a"}, "f": {"g"}}
    asked = lambda h: {(q, r) for q, rel in h.related.items() for r in rel}  # noqa: E731
    assert not {frozenset(p) for p in asked(tuning)} & {frozenset(p) for p in asked(held)}
    assert asked(tuning) | asked(held) == {(q, r) for q, rel in es.related.items() for r in rel}


def test_a_rated_pair_goes_with_all_its_ratings_to_one_half():
    es = _set(rated_pairs=[("a", "b", 1.0), ("c", "d", 2.0), ("b", "a", 3.0), ("e", "f", 1.0)])
    assert half(es, TUNING).rated_pairs == [("a", "b", 1.0), ("b", "a", 3.0), ("e", "f", 1.0)]
    assert half(es, HELD_OUT).rated_pairs == [("c", "d", 2.0)]


def test_labelled_articles_alternate_in_the_corpus_order():
    es = _set(labels={"a": {"x"}})
    assert half(es, TUNING).labelled == ["a", "c", "e", "g"] and half(es, HELD_OUT).labelled == ["b", "d", "f"]
    assert half(_set(), TUNING).labelled == []  # no labels: no label questions


def test_halves_whose_ratings_differ_beyond_chance_are_told():
    from train.groundtruth import uneven_ratings

    pairs = [(a, b) for j, a in enumerate("abcdefg") for b in "abcdefg"[j + 1:]]  # 21 pairs
    alternating = _set(rated_pairs=[(a, b, (4.0 if j % 2 == 0 else 1.0) + j % 3) for j, (a, b) in enumerate(pairs)])
    message = uneven_ratings(alternating)
    assert message and "(mean rating 5 over 11) and the other half (mean 2 over 10) differ beyond chance" in message
    assert uneven_ratings(_set(rated_pairs=[(a, b, float(j % 3)) for j, (a, b) in enumerate(pairs)])) is None  # a cycle of 3: even
    assert uneven_ratings(_set(rated_pairs=[(a, b, 2.0) for a, b in pairs])) is None  # all alike: nothing to differ
    assert uneven_ratings(_set(rated_pairs=[("a", "b", 4.0), ("c", "d", 1.0), ("e", "f", 4.0)])) is None  # one in a half
    assert uneven_ratings(_set(related={"a": {"b"}})) is None  # no ratings


def test_ids_not_in_the_corpus_are_shown_with_their_likely_reason():
    from train.groundtruth import unknown_ids

    nfc, nfd = "caf\u00e9-9", "cafe\u0301-9"  # alike to the eye
    assert unknown_ids({nfd}, {nfc}) == ("1 distinct id not in the corpus ('cafe\\u0301-9'): it differs from the corpus's "
                                         "ids only in Unicode normalisation (an accent written as one character or as two, "
                                         "NFC against NFD; write both in one form, NFC)")
    # each reason with how many ids it explains, the rest put down to the records skipped (found by a tester: one
    # id in another case made all of them "differ only in case")
    assert unknown_ids({"A05", "x01", "x02"}, {"a05", "b"}, skipped=8) == (
        "3 distinct ids not in the corpus ('A05', 'x01', 'x02'): 1 differs from the corpus's ids only in upper and lower "
        "case; the other 2 may be of the 8 unreadable records of the corpus skipped, or spelt otherwise than the corpus "
        "spells them")
    assert unknown_ids({"a015"}, {"a15"}).endswith(": it differs from the corpus's ids only in leading zeros (001000 is not 1000)")
    assert unknown_ids({"x1"}, {"a"}, skipped=1) == ("1 distinct id not in the corpus ('x1'): it may be of the 1 unreadable "
                                                     "record of the corpus skipped, or spelt otherwise than the corpus spells it")
    assert unknown_ids({"001000", "1002"}, {"1000"}).endswith("only in leading zeros (001000 is not 1000)")
    assert unknown_ids({"1000"}, {"001000"}).endswith("only in leading zeros (001000 is not 1000)")  # either way
    assert unknown_ids({"A7"}, {"a7"}).endswith("only in upper and lower case")
    assert unknown_ids({"a7", "b", "c", "d"}, {"x"}, skipped=26) == (
        "4 distinct ids not in the corpus ('a7', 'b', 'c', ...): they may be of the 26 unreadable records of the corpus "
        "skipped, or spelt otherwise than the corpus spells them")
    assert unknown_ids({"a7"}, {"x"}) == "1 distinct id not in the corpus ('a7'): an id must be spelt as the corpus spells it"
