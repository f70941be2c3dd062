"""Term counting: the same terms and counts as scikit-learn's CountVectorizer, with title weights."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from recommender import text
from recommender.text import Tokenizer, count_terms

FIELDS = [
    ("Flood warning for the valley", "Rain fell all night.\nThe river rose over the old bridge; the valley flooded."),
    ("", "Only a body here, with the river and the bridge."),
    ("Café owners protest", "Les cafés: owners protest rents. Café café CAFÉ!"),
    ("The and of", "the of and"),  # stop words only: an empty row
    ("River bridge closed", ""),
    ("Flood warning lifted", "The river fell; the bridge reopened and the valley dried."),
]


def oracle(fields, ngram_range, min_df, max_df, title_weight):
    """CountVectorizer on titles and on the rest, the title counts weighted, then min_df/max_df."""
    vectorizer = CountVectorizer(strip_accents="unicode", stop_words="english", ngram_range=ngram_range)
    vectorizer.fit([t for t, _ in fields] + [r for _, r in fields])
    titles = vectorizer.transform([t for t, _ in fields]).astype(np.float32)
    rests = vectorizer.transform([r for _, r in fields]).astype(np.float32)
    counts = (rests + title_weight * titles).tocsr()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    n = len(fields)
    low = min_df if isinstance(min_df, int) else min_df * n
    high = max_df if isinstance(max_df, int) else max_df * n
    keep = np.flatnonzero((df >= low) & (df <= high))
    names = vectorizer.get_feature_names_out()[keep]  # already sorted
    return counts[:, keep], list(names), df[keep]


@pytest.mark.parametrize(
    "ngram_range,min_df,max_df", [((1, 2), 1, 1.0), ((1, 1), 2, 1.0), ((2, 2), 1, 1.0), ((1, 2), 2, 0.5), ((1, 2), 0.3, 3)]
)
def test_counts_equal_scikit_learns(ngram_range, min_df, max_df):
    expected, terms, df = oracle(FIELDS, ngram_range, min_df, max_df, 2.0)
    counts, got_terms, got_df, words = count_terms(iter(FIELDS), Tokenizer(ngram_range, "english"), 2.0, min_df, max_df)
    assert list(got_terms) == terms and words is got_terms  # no stemmer: the terms are the words
    np.testing.assert_array_equal(got_df, df)
    np.testing.assert_array_equal(counts.toarray(), expected.toarray())
    assert counts.toarray()[3].sum() == 0


def test_batches_and_the_rare_key_filter_change_nothing(monkeypatch):
    whole = count_terms(iter(FIELDS * 3), Tokenizer((1, 2), "english", "english"), 3.0, 2, 1.0)
    monkeypatch.setattr(text, "BATCH", 4)  # several batches, one of them short
    monkeypatch.setattr(text, "HASH_BITS", 3)  # 8 buckets: every key collides with others
    batched = count_terms(iter(FIELDS * 3), Tokenizer((1, 2), "english", "english"), 3.0, 2, 1.0)
    assert list(whole[1]) == list(batched[1])
    assert (whole[0] != batched[0]).nnz == 0
    np.testing.assert_array_equal(whole[2], batched[2])
    assert list(whole[3]) == list(batched[3])


def test_a_small_corpus_counts_its_terms_in_little_memory():
    import tracemalloc

    tracemalloc.start()
    try:
        count_terms(iter(FIELDS * 3), Tokenizer((1, 2), "english", "english"), 3.0, 2, 1.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20  # the rare-key table is sized to the keys, not 2 ** HASH_BITS buckets (256 MB)


def test_an_empty_corpus_counts_nothing():
    counts, terms, df, words = count_terms(iter([]), Tokenizer((1, 2), "english"), 2.0, 1, 1.0)
    assert counts.shape == (0, 0) and len(terms) == 0 and len(df) == 0 and len(words) == 0


def test_stemming_joins_word_forms_in_words_and_pairs():
    fields = [("Elections", "the elected councils"), ("Election", "elect council")]
    counts, terms, df, words = count_terms(iter(fields), Tokenizer((1, 2), "english", "english"), 1.0, 2, 1.0)
    assert list(terms) == ["council", "elect", "elect council"]
    np.testing.assert_array_equal(df, [2, 2, 2])
    # each stem shown as the word written most often (council 1, councils 1: the first read; elect 1,
    # elected 1, elections 1, election 1: the first read), in words and pairs alike
    assert list(words) == ["councils", "elections", "elections councils"]
    assert Tokenizer((1, 2), "english", "english").terms("The elected councils") == ["elect", "council", "elect council"]


def test_a_stem_is_shown_as_the_word_written_most_often():
    fields = [("Senate vote", "The senate voted; senators vote"), ("Senate votes", "senate voting")]
    _, terms, _, words = count_terms(iter(fields), Tokenizer((1, 1), "english", "english"), 1.0, 1, 1.0)
    shown = dict(zip(terms.tolist(), words.tolist()))
    assert shown["senat"] == "senate" and shown["vote"] == "vote"  # senate 4 against senators 1; vote 2 against votes, voted, voting 1


def test_known_terms_are_counted_as_in_fitting():
    tokenizer = Tokenizer((1, 2), "english", "english")
    counts, terms, *_ = count_terms(iter(FIELDS), tokenizer, 2.0, 1, 1.0)
    lookup = {t: i for i, t in enumerate(terms)}
    again = text.count_known(
        iter(FIELDS), tokenizer, 2.0, lambda ts: np.array([lookup.get(t, -1) for t in ts]), len(terms)
    )
    assert (sp.csr_matrix(counts) != again).nnz == 0


@pytest.mark.parametrize("bad", [(1, 3), (0, 1), (2, 1)])
def test_only_words_and_pairs_of_words(bad):
    with pytest.raises(ValueError, match="ngram_range"):
        Tokenizer(bad, "english")


def test_an_unknown_stemmer_language_is_a_clear_error():
    with pytest.raises(ValueError, match="no stemmer for 'klingon'"):
        Tokenizer((1, 1), None, "klingon")


def test_a_word_longer_than_any_word_is_left_out():
    blob = "iVBORw0KGgo" + "A" * 4000  # a pasted base64 image: one token of 4,011 characters
    longest = "x" * text.MAX_WORD_LENGTH
    assert Tokenizer((1, 1), None).words(f"Chart {blob} {longest} shows rain") == ["chart", longest, "shows", "rain"]
    counts, terms, *_ = count_terms(iter([("Chart", blob), ("Rain", blob + " rain")]), Tokenizer((1, 2), None), 1.0, 1, 1.0)
    assert list(terms) == ["chart", "rain"]  # not the blob, nor pairs made with it
    assert terms.dtype.itemsize <= 4 * 2 * (text.MAX_WORD_LENGTH + 1)  # the vocabulary stays narrow


def test_chinese_and_japanese_are_read_as_pairs_of_characters():
    words = Tokenizer((1, 1), None).words
    assert words("中国政府宣布，美。", stem=False) == ["中国", "国政", "政府", "府宣", "宣布", "美"]  # a character alone is itself
    assert words("新款iPhone手机 東京タワー 日々", stem=False) == ["新款", "iphone", "手机", "東京", "京タ", "タワ", "ワー", "日々"]
    assert words("ﾊﾞｽ x中y", stem=False) == ["バス", "中"]  # half-width kana read as full-width; x and y alone are no words
    sentence = "英国街头的垃圾在圣诞节后堆积如山" * 4  # 64 characters without a space: one run, no longer left out
    assert len(words(sentence, stem=False)) == len(sentence) - 1
    assert Tokenizer((1, 1), None, "english").words("伦敦 housing", stem=True) == ["伦敦", "hous"]


def test_characters_hidden_inside_a_word_do_not_cut_it():
    words = Tokenizer((1, 1), None).words
    assert words("Bundes\u00adtags\u00adwahl Bundes&shy;tags&shy;wahl", stem=False) == ["bundestagswahl"] * 2
    assert words("政\u200b府 word\u2060joiner \ufeffbom", stem=False) == ["政府", "wordjoiner", "bom"]


def test_html_left_in_a_body_is_read_as_its_text():
    tokenizer = Tokenizer((1, 1), "english")
    body = ('<div class="article"><p>Council approves &quot;green belt&quot;&nbsp;plan</p>'
            '<script>window.dataLayer = []</script><!-- ad slot --><img src="https://cdn.example.com/x.jpg"></div>')
    assert tokenizer.words(body, stem=False) == ["council", "approves", "green", "belt", "plan"]
    wire = "Talks with <ACME Corp> and <B.A.T. Industries> go on; prices < costs, output > demand"  # companies, not markup
    assert tokenizer.words(wire, stem=False) == ["talks", "acme", "corp", "industries", "prices", "costs", "output", "demand"]


def test_words_are_scikit_learns_for_latin_text_and_whole_in_other_scripts():
    words = Tokenizer((1, 1), None).words
    sklearn = CountVectorizer(lowercase=True, strip_accents="unicode").build_analyzer()
    latin = "Café naïve ﬁnance x² São Paulo's 3rd-qtr NET vs 1.5 dlrs; Ελλάδα ἀρχή Tiếng Việt a_b"
    assert words(latin, stem=False) == sklearn(latin)  # accents folded on Latin and Greek letters, as before
    assert words("मुंबई शेयर बाजार में तेजी, दिल्ली", stem=False) == ["मुंबई", "शेयर", "बाजार", "में", "तेजी", "दिल्ली"]  # vowel signs kept
    assert words("バス パス ハス", stem=False) == ["バス", "パス", "ハス"]  # bus, pass, lotus: not one word
    assert words("мой май", stem=False) == ["мой", "май"]  # й is no и
    assert words("한국어 뉴스", stem=False) == ["한국어", "뉴스"]
    emoji = "⚡️BREAKING: Fed cuts rates ⚠️Warning #️⃣ 1️⃣ 5̶0̶ dollars"
    assert words(emoji, stem=False) == sklearn(emoji) == ["breaking", "fed", "cuts", "rates", "warning", "50", "dollars"]


def test_a_vocabulary_of_character_runs_is_told_from_one_of_pairs():
    from recommender.store import string_array
    from recommender.text import read_as_runs

    assert not read_as_runs(string_array(["abc", "中国", "国政", "政府", "の", "東京 都庁"]))  # pairs, and a bigram of pairs
    assert read_as_runs(string_array(["abc", "中国政府"])) and read_as_runs(string_array(["x", "y", "iphone手机壳"]), block=1)
    assert not read_as_runs(string_array([])) and not read_as_runs(string_array(["한국어의", "ภาษาไทย"]))  # neither script pairs
