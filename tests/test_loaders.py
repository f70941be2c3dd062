"""The loaders: each format on small handmade files, encodings, strict mode and format guessing."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from recommender.schema import Article
from train.loaders import (
    BadRecord,
    LoadError,
    LoadReport,
    first_sentence,
    guess_format,
    load_articles,
)
from train.loaders import csv_format, folder, jsonl, lines, reuters
from train.loaders import text_encoding
from train.loaders.text_encoding import decode, read_lines, read_text


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(paths, fmt=None, **kwargs) -> tuple[list[Article], LoadReport]:
    report = LoadReport()
    articles = list(load_articles(paths, fmt, report=report, **kwargs))
    return articles, report


# --- JSON Lines -------------------------------------------------------------------------------

JSONL_ROWS = [
    json.dumps({"id": 1, "title": "First", "body": "One.", "tags": ["a", "b"], "published_at": "2024-01-02"}),
    "",
    "{not json",
    json.dumps({"id": "3", "body": "no title here"}),
    json.dumps({"id": "4", "title": "Bad date", "published_at": "yesterday"}),
    json.dumps({"id": "5", "title": "Tags wrong", "tags": 7}),
    "   ",
    json.dumps({"id": "6", "title": "Last", "labels": ["x"]}),
    "[1, 2]",
]


def test_jsonl_yields_articles_and_bad_records_with_line_numbers(tmp_path):
    path = write(tmp_path / "a.jsonl", "\n".join(JSONL_ROWS) + "\n")
    items = list(jsonl.read(path))
    articles = [i for i in items if isinstance(i, Article)]
    bad = {b.line: b for b in items if isinstance(b, BadRecord)}
    assert [a.id for a in articles] == ["1", "6"]
    assert articles[0].tags == ("a", "b") and articles[0].published_at == "2024-01-02"
    assert articles[1].labels == ("x",)
    assert sorted(bad) == [3, 4, 5, 6, 9]
    assert bad[3].reason.startswith("invalid JSON: ")
    assert bad[3].source == str(path)
    assert "title" in bad[4].reason
    assert "published_at" in bad[5].reason
    assert bad[6].reason == "tags must be a list of strings"
    assert bad[9].reason == "an article must be a JSON object"


def test_an_id_the_service_could_not_look_up_is_a_bad_record(tmp_path):
    rows = [json.dumps({"id": "x" * 600, "title": "Long id"}), json.dumps({"id": "tab\tid", "title": "Tab"}),
            json.dumps({"id": "x" * 512, "title": "Longest id"}), json.dumps({"id": 1.5, "title": "Not whole"})]
    items = list(jsonl.read(write(tmp_path / "ids.jsonl", "\n".join(rows) + "\n")))
    assert [len(i.id) for i in items if isinstance(i, Article)] == [512]
    assert [b.reason for b in items if isinstance(b, BadRecord)] == [
        "an article id has at most 512 characters, this one 600", "an article id cannot contain control characters or lone UTF-16 surrogates",
        "id is required and must be a non-empty string or a whole number"]


def test_default_mode_skips_and_counts_by_reason(tmp_path):
    rows = ["{bad", "{worse", json.dumps({"id": "1", "title": "ok"}), json.dumps({"id": "2"})]
    path = write(tmp_path / "a.jsonl", "\n".join(rows))
    articles, report = load([path])
    assert [a.id for a in articles] == ["1"]
    assert report.read == 1
    assert [b.line for b in report.skipped] == [1, 2, 4]
    by_reason = report.skipped_by_reason()
    assert sum(by_reason.values()) == 3
    assert list(by_reason.values())[0] == 2 and list(by_reason)[0].startswith("invalid JSON")
    assert by_reason["title is required and must not be blank"] == 1


def test_strict_mode_stops_at_first_bad_record_naming_file_and_line(tmp_path):
    rows = [json.dumps({"id": "1", "title": "ok"}), json.dumps({"id": "2", "title": "ok"}), "{bad", "{bad"]
    path = write(tmp_path / "a.jsonl", "\n".join(rows))
    report = LoadReport()
    seen = []
    with pytest.raises(LoadError) as caught:
        for article in load_articles([path], strict=True, report=report):
            seen.append(article.id)
    message = str(caught.value)
    assert f"{path}:3: invalid JSON" in message
    assert "strict mode" in message
    assert seen == ["1", "2"] and report.skipped == []


# --- CSV --------------------------------------------------------------------------------------

CSV_TEXT = (
    "id,title,body,tags,published_at,labels,extra\n"
    'c1,"Hello, world","A body\nover two lines",x|y| z,2024-03-04T10:00:00,l1|l2,ignored\n'
    "\n"
    "c2,Too few cells\n"
    "c3,Bad date,,t,31/12/2024,,\n"
    'c4,Fine,"line one\nline two\nline three",,,,\n'
    ",No id,,,,,\n"
)


def test_csv_reads_quoted_multiline_cells_and_reports_start_lines(tmp_path):
    path = write(tmp_path / "a.csv", CSV_TEXT)
    items = list(csv_format.read(path))
    articles = [i for i in items if isinstance(i, Article)]
    bad = [(b.line, b.reason) for b in items if isinstance(b, BadRecord)]
    assert [a.id for a in articles] == ["c1", "c4"]
    first = articles[0]
    assert first.title == "Hello, world"
    assert first.body == "A body\nover two lines"
    assert first.tags == ("x", "y", "z")
    assert first.labels == ("l1", "l2")
    assert first.published_at == "2024-03-04T10:00:00"
    assert articles[1].body == "line one\nline two\nline three"
    assert bad[0] == (5, "wrong number of cells")
    assert bad[1][0] == 6 and "published_at" in bad[1][1]
    assert bad[2] == (10, "id is required and must be a non-empty string or a whole number")


def test_csv_tag_delimiter_option(tmp_path):
    path = write(tmp_path / "a.csv", "id,title,tags\n1,T,a;b|c\n")
    [article], _ = load([path], tag_delimiter=";")
    assert article.tags == ("a", "b|c")


def test_csv_without_header_fields_is_a_load_error(tmp_path):
    path = write(tmp_path / "a.csv", "1,Some title,body\n")
    with pytest.raises(LoadError, match="a.csv"):
        list(csv_format.read(path))


# --- lines ------------------------------------------------------------------------------------


def test_lines_one_document_per_line(tmp_path):
    long_line = " ".join(f"w{i}" for i in range(30))
    text = "Fire near town. Residents left.\n\n   \nThe U.S. said so! More text.\n" + long_line + "\n"
    path = write(tmp_path / "corpus.cor", text)
    articles = [i for i in lines.read(path)]
    assert [a.id for a in articles] == ["1", "4", "5"]
    assert articles[0].title == "Fire near town."
    assert articles[0].body == "Fire near town. Residents left."
    assert articles[1].title == "The U.S. said so!"
    assert articles[2].title == " ".join(f"w{i}" for i in range(15))
    assert articles[2].body == long_line


def test_first_sentence():
    assert first_sentence("  Mr. Smith went home.  Then slept.") == "Mr. Smith went home."
    assert first_sentence('He said "stop." Then left.') == 'He said "stop."'
    assert first_sentence("a b c", max_words=2) == "a b"
    assert first_sentence("   ") == ""


# --- encodings --------------------------------------------------------------------------------


def test_decode_order():
    assert decode("café".encode("utf-8"), "f") == ("café", None)
    assert decode(b"\xef\xbb\xbfcaf\xc3\xa9", "f") == ("café", None)
    assert decode("café".encode("utf-16"), "f") == ("café", "f: not UTF-8, decoded as UTF-16")
    assert decode(b"caf\xe9 \x80", "f") == ("café €", "f: not UTF-8, decoded as cp1252")
    assert decode(b"caf\xe9 \x81", "f") == ("café \x81", "f: not UTF-8, decoded as latin-1")


@pytest.mark.parametrize(
    "data",
    [
        "caf\u00e9 \u2014 na\u00efve\nzweite Zeile\n".encode("utf-8"),
        b"\xef\xbb\xbfcaf\xc3\xa9\r\nline two\r\n\r\nno newline at the end",
        b"caf\xe9 \x80\nsecond\n",  # cp1252
        b"caf\xe9 \x81\n",  # latin-1
        "caf\u00e9\nzwei\n".encode("utf-16"),
        b"",
        b"\n\n",
        b"\xc3\xa9" * 7 + b"\n" + b"\xe9",  # UTF-8 until the last byte: the whole file is cp1252
    ],
)
def test_read_lines_gives_the_lines_of_the_whole_decoded_text(tmp_path, monkeypatch, data):
    monkeypatch.setattr(text_encoding, "CHUNK", 3)  # chunks that split characters and line ends
    path = write(tmp_path / "a.txt", data)
    whole, streamed = [], []
    text = read_text(path, whole.append)
    expected = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []
    assert list(read_lines(path, streamed.append)) == expected
    assert streamed == whole


def test_read_lines_of_a_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        list(read_lines(tmp_path / "missing.jsonl"))


def test_cp1252_file_gives_a_warning_not_a_crash(tmp_path):
    path = write(tmp_path / "a.jsonl", b'{"id": "1", "title": "caf\xe9"}\n')
    [article], report = load([path])
    assert article.title == "café"
    assert report.warnings == [f"{path}: not UTF-8, decoded as cp1252"]


def test_utf8_bom_file(tmp_path):
    path = write(tmp_path / "a.csv", b"\xef\xbb\xbfid,title\n1,Caf\xc3\xa9\n")
    [article], report = load([path])
    assert (article.id, article.title) == ("1", "Café")
    assert report.warnings == [] and report.skipped == []


def test_utf16_file(tmp_path):
    path = write(tmp_path / "a.txt", "Grüße aus Köln. Mehr.\nZweite Zeile\n".encode("utf-16"))
    articles, report = load([path])
    assert [a.title for a in articles] == ["Grüße aus Köln.", "Zweite Zeile"]
    assert report.warnings == [f"{path}: not UTF-8, decoded as UTF-16"]


# --- folder -----------------------------------------------------------------------------------


def test_folder_with_two_sub_folders(tmp_path):
    root = tmp_path / "bbc"
    write(root / "business" / "002.txt", "Second headline\n\nBody two.\n")
    write(root / "business" / "001.txt", "\n\nShares rise\n\nMarkets rose.\n\nMore.\n")
    write(root / "sport" / "001.txt", b"Cup final\n\nTickets cost \xa310.\n")
    write(root / "sport" / "empty.txt", "  \n\n")
    write(root / "sport" / "notes.md", "not an article")
    write(root / "original_README.TXT", "documentation")
    write(root / "README.txt", "documentation")
    write(root / "top.txt", "Loose file\nbody")
    write(root / "tech" / "README.txt", "Read me headline\nbody")
    articles, report = load([root])
    assert [a.id for a in articles] == ["business/001", "business/002", "sport/001", "tech/README", "top"]
    shares = articles[0]
    assert shares.title == "Shares rise"
    assert shares.body == "Markets rose.\n\nMore."
    assert shares.labels == ("business",) and shares.section == "business"
    assert articles[2].body == "Tickets cost £10."
    assert articles[2].labels == ("sport",)
    assert articles[4].labels == () and articles[4].section == ""
    assert [(b.source, b.reason) for b in report.skipped] == [(str(root / "sport" / "empty.txt"), "empty file")]
    assert report.warnings == [f"{root / 'sport' / '001.txt'}: not UTF-8, decoded as cp1252"]


def test_folder_without_text_files_is_a_load_error(tmp_path):
    write(tmp_path / "docs" / "a.md", "x")
    with pytest.raises(LoadError, match="no \\*.txt files"):
        list(folder.read(tmp_path / "docs"))
    with pytest.raises(LoadError) as caught:
        list(folder.read(tmp_path / "docs"))
    assert "holds" not in str(caught.value)  # nothing else to suggest


def test_folder_of_exports_in_another_format_says_to_give_the_files(tmp_path):
    write(tmp_path / "exports" / "monday.jsonl", "{}")
    write(tmp_path / "exports" / "tuesday.jsonl", "{}")
    write(tmp_path / "exports" / "old" / "list.csv", "id,title")
    with pytest.raises(LoadError) as caught:
        list(folder.read(tmp_path / "exports"))
    assert str(caught.value).endswith(f"no *.txt files in this folder; it holds 2 *.jsonl, 1 *.csv files: give them as the "
                                      f"inputs instead (e.g. {tmp_path / 'exports'}/*.jsonl)")


# --- Reuters ----------------------------------------------------------------------------------

SGML_1 = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>cocoa</D><D>grain</D></TOPICS>
<PLACES><D>el-salvador</D><D>usa</D></PLACES>
<PEOPLE><D>smith</D></PEOPLE>
<ORGS><D>ec</D></ORGS>
<EXCHANGES><D>nyse</D></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN> &#5;&#5;&#5;C T</UNKNOWN>
<TEXT>&#2;
<TITLE>BAHIA &lt;COCOA> REVIEW &amp; OUTLOOK</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued in the
Bahia cocoa zone, said &lt;Comissaria Smith> & Co.
    Second paragraph.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="5545" NEWID="2">
<DATE>  2-MAR-1987 09:15:05.40</DATE>
<TOPICS></TOPICS>
<PLACES><D>uk</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT TYPE="UNPROC">&#2;
WEEKLY REPORT 1 - FEB 26 the reserves fell. Rest of table
 Net free reserves.............644 vs.....1,337
&#3;
</TEXT>
</REUTERS>
"""

SGML_2 = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="1" NEWID="3">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TOPICS><D>acq</D></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT>&#2;
<BODY>Shares of Acme Corp. rose sharply today after the bid. Second sentence.
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="NOT-USED" CGISPLIT="PUBLISHED-TESTSET" OLDID="2" NEWID="4">
<DATE> 3-APR-1987 07:09:06.48</DATE>
<TOPICS></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT TYPE="UNPROC">&#2;
&#3;

</TEXT>
</REUTERS>
"""


@pytest.fixture
def reuters_folder(tmp_path):
    root = tmp_path / "reuters"
    # Written out of order and with a Latin-1 byte, to check the sorting and the decoding.
    write(root / "reut2-001.sgm", SGML_2.replace("bid.", "bid f\xfcr.").encode("latin-1"))
    write(root / "reut2-000.sgm", SGML_1.encode("latin-1"))
    write(root / "README.txt", "not read")
    return root


def test_reuters_articles(reuters_folder):
    articles, report = load([reuters_folder])
    assert [a.id for a in articles] == ["1", "2", "3"]
    first, unproc, untitled = articles
    assert first.title == "BAHIA <COCOA> REVIEW & OUTLOOK"
    assert first.body == (
        "Showers continued in the\nBahia cocoa zone, said <Comissaria Smith> & Co.\n"
        "    Second paragraph.\n Reuter"
    )
    assert first.tags == ("el-salvador", "usa", "smith", "ec", "nyse")
    assert first.labels == ("cocoa", "grain")
    assert first.published_at == "1987-02-26T15:01:01"
    assert first.url == "" and first.section == ""
    assert unproc.title == "WEEKLY REPORT 1 - FEB 26 the reserves fell."
    assert unproc.body.startswith("WEEKLY REPORT 1 - FEB 26") and "644 vs" in unproc.body
    assert "\x03" not in unproc.body and "\x02" not in unproc.body
    assert unproc.published_at == "1987-03-02T09:15:05"
    assert unproc.tags == ("uk",) and unproc.labels == ()
    assert untitled.title == "Shares of Acme Corp. rose sharply today after the bid für."
    assert untitled.labels == ("acq",)
    assert untitled.published_at == "1987-03-31"
    assert len(report.warnings) == 1 and "605:12:19" in report.warnings[0]
    [bad] = report.skipped
    assert bad == BadRecord(str(reuters_folder / "reut2-001.sgm"), 14, "no title or text")


def test_reuters_splits(reuters_folder):
    assert reuters.read_splits(reuters_folder) == {
        "1": ("TRAIN", "YES"),
        "2": ("TEST", "NO"),
        "3": ("TEST", "YES"),
        "4": ("NOT-USED", "NO"),
    }


def test_reuters_needs_a_folder_with_sgml_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LoadError, match="no reut2-\\*.sgm files"):
        list(reuters.read(tmp_path / "empty"))
    single = write(tmp_path / "reut2-000.sgm", SGML_1)
    with pytest.raises(LoadError, match="needs the folder"):
        list(reuters.read(single))


# --- guessing, errors, progress ---------------------------------------------------------------


def test_guess_format(tmp_path, reuters_folder):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert guess_format(reuters_folder) == "reuters"
    assert guess_format(plain) == "folder"
    for name, expected in [("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"), ("a.JSON", "jsonl"),
                           ("a.csv", "csv"), ("a.txt", "lines"), ("a.cor", "lines")]:
        assert guess_format(tmp_path / name) == expected, name
    with pytest.raises(LoadError, match="reut2-000.sgm.*folder"):
        guess_format(tmp_path / "reut2-000.sgm")
    with pytest.raises(LoadError, match=r"data\.xlsx.*--format"):
        guess_format(tmp_path / "data.xlsx")


def test_missing_path_and_unknown_format(tmp_path):
    with pytest.raises(LoadError, match="nope.jsonl: no such file or directory"):
        list(load_articles([tmp_path / "nope.jsonl"]))
    with pytest.raises(LoadError, match="nope: no such file or directory"):
        list(jsonl.read(tmp_path / "nope"))
    path = write(tmp_path / "a.jsonl", "")
    with pytest.raises(LoadError, match="unknown format 'xml'"):
        list(load_articles([path], "xml"))


def test_explicit_format_overrides_suffix_and_paths_are_chained(tmp_path):
    one = write(tmp_path / "one.data", json.dumps({"id": "a", "title": "A"}) + "\n")
    two = write(tmp_path / "two.txt", "Line doc.\n")
    articles, _ = load([one], "jsonl")
    assert [a.id for a in articles] == ["a"]
    articles, report = load([str(two), tmp_path / "two.txt"])
    assert [a.title for a in articles] == ["Line doc.", "Line doc."] and report.read == 2


def test_progress_every_thousand_articles(tmp_path):
    path = write(tmp_path / "many.txt", "".join(f"Doc {i}.\n" for i in range(2500)))
    calls = []
    articles, report = load([path], on_progress=lambda r: calls.append(r.read))
    assert len(articles) == 2500 == report.read
    assert calls == [1000, 2000]


def test_windows_line_endings(tmp_path):
    path = write(tmp_path / "a.csv", b'id,title,body\r\n1,A,"x\r\ny"\r\n2,B\r\n')
    articles, report = load([path])
    assert [a.body for a in articles] == ["x\ny"]
    assert [(b.line, b.reason) for b in report.skipped] == [(4, "wrong number of cells")]


def test_articles_dated_in_the_future_are_a_warning(tmp_path):
    rows = [json.dumps({"id": "1", "title": "Typo", "published_at": "3025-01-01"}),
            json.dumps({"id": "2", "title": "Far", "published_at": "9999-12-31T23:00:00+00:00"}),
            json.dumps({"id": "3", "title": "Today", "published_at": time.strftime("%Y-%m-%d")})]
    report = LoadReport()
    assert [a.id for a in load_articles([write(tmp_path / "d.jsonl", "\n".join(rows) + "\n")], report=report)] == ["1", "2", "3"]
    assert report.warnings == ["articles dated more than a day after this run: 2 (the latest 9999-12-31T23:00:00+00:00, "
                               "article '2'; a typo in the year?); lists, age gaps and half_life_days take the dates as given"]


def test_a_lone_surrogate_is_dropped_and_the_article_kept(tmp_path):
    # a CMS that cuts titles at N UTF-16 units leaves half an emoji, written as a JSON escape
    rows = ['{"id": "s1", "title": "Starship launch \\ud83d", "body": "Lift-off \\ud83d\\ude80 at dawn \\ude80",'
            ' "tags": ["space\\ud83d", "\\ud83d"], "section": "sci\\udc00"}',
            '{"id": "s\\ud83d2", "title": "Bad id"}']
    items = list(jsonl.read(write(tmp_path / "cut.jsonl", "\n".join(rows) + "\n")))
    article, bad = items
    assert (article.title, article.body, article.tags, article.section) == ("Starship launch", "Lift-off 🚀 at dawn", ("space",), "sci")
    article.body.encode("utf-8")  # what failed the whole job before
    assert bad.reason == "an article id cannot contain control characters or lone UTF-16 surrogates"


def test_a_json_array_is_refused_with_a_way_out(tmp_path):
    array = write(tmp_path / "export.json", '\n[{"id": "1", "title": "A"},\n {"id": "2", "title": "B"}]\n')
    with pytest.raises(LoadError, match=r"export.json: holds a JSON array, not one article per line .* jq -c '\.\[\]'"):
        list(jsonl.read(array))
    pretty = write(tmp_path / "pretty.json", '{\n  "articles": []\n}\n')
    with pytest.raises(LoadError, match="holds one JSON document spread over lines"):
        list(jsonl.read(pretty))
    later = list(jsonl.read(write(tmp_path / "ok.jsonl", '\n\n{"id": "1", "title": "A"}\n[1, 2]\n')))
    assert later[0].id == "1" and (later[1].line, later[1].reason) == (4, "an article must be a JSON object")


def test_gzip_is_read_decompressed_whatever_the_name(tmp_path):
    import gzip

    rows = "".join(json.dumps({"id": str(i), "title": f"Flood {i}"}) + "\n" for i in range(3))
    for name in ("a.jsonl.gz", "b.jsonl"):  # the second compressed under a plain name
        (tmp_path / name).write_bytes(gzip.compress(rows.encode()))
        articles, report = load([tmp_path / name])
        assert [a.id for a in articles] == ["0", "1", "2"] and not report.warnings and not report.skipped
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"id,title\n7,Storm\n"))
    assert [a.title for a in load([tmp_path / "c.csv.gz"])[0]] == ["Storm"]
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(rows.encode() * 500)[:200])
    with pytest.raises(LoadError, match="cut.jsonl.gz: not a whole gzip file"):
        load([tmp_path / "cut.jsonl.gz"])


def test_a_csv_with_another_separator_is_told_so(tmp_path):
    semi = write(tmp_path / "semi.csv", "id;title;body\n1;A;b\n")
    with pytest.raises(LoadError, match="single cell: separate the fields with commas, not semicolons"):
        list(csv_format.read(semi))


def test_a_csv_header_naming_no_field_shows_what_it_names(tmp_path):
    path = write(tmp_path / "c.csv", "ident,headline,body\n1,A,b\n")
    with pytest.raises(LoadError, match=r"c.csv: the first row must name the fields \(id,title,body,...\); it names ident, "
                                        r"headline, body$"):
        list(csv_format.read(path))


@pytest.mark.parametrize("header, missing", [("id,headline,body", "title"), ("key,title,body", "id")])
def test_a_csv_without_an_id_or_a_title_column_is_told_so_once(tmp_path, header, missing):
    """Not an error for every row (found by a tester: 120 of them for one header)."""
    path = write(tmp_path / "c.csv", header + "\n" + "".join(f"{n},Story {n},Text {n}\n" for n in range(120)))
    with pytest.raises(LoadError, match=rf"c.csv: the header row has no {missing} column, which every article needs "
                                        rf"\(its columns: {', '.join(header.split(','))}\); name the column '{missing}'"):
        list(csv_format.read(path))


def test_a_jsonl_line_python_cannot_read_costs_that_line_not_the_file(tmp_path):
    """A number of more than 4,300 digits made json.loads raise a ValueError that is no
    JSONDecodeError, and the whole job stopped (found by a tester); so did nesting too deep."""
    path = write(tmp_path / "a.jsonl", json.dumps({"id": "1", "title": "Kept"}) + "\n"
                 + '{"id": ' + "9" * 5000 + ', "title": "Huge id"}\n'
                 + '{"id": "2", "title": "A\tcontrol character"}\n'
                 + "[" * 100_000 + "\n"
                 + json.dumps({"id": "3", "title": "Kept too"}) + "\n")
    items = list(jsonl.read(path))
    assert [i.id for i in items if isinstance(i, Article)] == ["1", "3"]
    assert [(b.line, b.reason) for b in items if isinstance(b, BadRecord)] == [
        (2, "a number too long to read (more than 4,300 digits)"),
        (3, "invalid JSON: Invalid control character"),  # not "... character at", cut where the position was
        (4, "invalid JSON: nested too deeply")]
