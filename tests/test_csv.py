"""CSV is read as RFC 4180: what pandas, pyarrow and spreadsheets write comes back cell
for cell, whatever quotes, delimiters and line breaks the cells hold."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsclaims.ingest.ingest import ingest
from newsclaims.ingest.readers import read_csv

ROWS = [
    {"title": 'Critics said "no"', "text": 'Critics said "no" to the plan at the meeting.'},
    {"title": "Commas, everywhere", "text": "One, two; three | four\tfive."},
    {"title": "Two paragraphs", "text": 'First line, "quoted".\n\nSecond paragraph\r\nends.'},
    {"title": "Edge quotes", "text": '"Starts and ends with quotes"'},
]


def _cells(data: bytes) -> list[dict]:
    result = read_csv(data, "r.csv")
    assert result.problems == []
    return [article.fields for article in result.articles]


def test_doubled_quotes_inside_a_quoted_cell_are_one_quote(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(b'title,text\nR,"Critics said ""no"" to the plan at the meeting."\n')
    result = ingest([path])
    assert result.problems == []
    [article] = result.articles
    assert article["text"] == 'Critics said "no" to the plan at the meeting.'


def test_a_file_written_by_pandas_reads_back_cell_for_cell(tmp_path: Path) -> None:
    path = tmp_path / "pandas.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    assert _cells(path.read_bytes()) == ROWS


def test_a_file_written_by_pyarrow_reads_back_cell_for_cell(tmp_path: Path) -> None:
    path = tmp_path / "arrow.csv"
    pacsv.write_csv(pa.Table.from_pylist(ROWS), path)
    assert _cells(path.read_bytes()) == ROWS


def test_a_spreadsheet_export_with_bom_crlf_and_quoted_newlines() -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")  # CRLF, quotes only where needed
    writer.writerow(["Headline", "Body", "Author"])
    for row in ROWS:
        writer.writerow([row["title"], row["text"], "Desk"])
    data = b"\xef\xbb\xbf" + buffer.getvalue().encode()
    assert b"\r\n" in data
    result = read_csv(data, "sheet.csv")
    assert [a.fields for a in result.articles] == ROWS
    assert [a.line for a in result.articles] == [2, 3, 4, 8]  # the quoted breaks count
    assert result.articles[0].unused == ["Author"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_found_from_the_header(delimiter: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["title", "text"])
    writer.writerows([row["title"], row["text"]] for row in ROWS)
    assert _cells(buffer.getvalue().encode()) == ROWS


def test_broken_quoting_is_an_error_not_a_changed_text() -> None:
    data = b'title,text\nA,"fine"\nB,"half "quoted" cell"\nC,"never read"\n'
    result = read_csv(data, "b.csv")
    assert [a.fields["text"] for a in result.articles] == ["fine"]
    [problem] = result.problems
    assert (problem.code, problem.line) == ("invalid-csv", 3)
    assert "not read" in problem.message


CELL = st.text(
    alphabet=st.sampled_from(['"', ",", ";", "\t", "|", "\n", "\r", " ", "a", "Z", "é", "’"]),
    min_size=1, max_size=30,
).filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=5),
       st.sampled_from(["csv", "pandas", "pyarrow"]))
def test_any_cells_round_trip(rows: list[tuple[str, str]], writer: str) -> None:
    records = [{"title": title, "text": text} for title, text in rows]
    if writer == "csv":
        buffer = io.StringIO(newline="")
        csv.DictWriter(buffer, ["title", "text"]).writeheader()
        csv.DictWriter(buffer, ["title", "text"]).writerows(records)
        data = buffer.getvalue().encode()
    elif writer == "pandas":
        # pandas leaves a cell holding a lone CR unquoted: no reader can tell it from
        # a line end (pandas' own neither), so such cells are not pandas' to write.
        assume(not any("\r" in cell for row in rows for cell in row))
        data = pd.DataFrame(records).to_csv(index=False).encode()
    else:
        sink = io.BytesIO()
        pacsv.write_csv(pa.Table.from_pylist(records), sink)
        data = sink.getvalue()
    assert _cells(data) == records


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_old_mac_line_ends_find_the_header_and_its_delimiter(delimiter: str) -> None:
    data = f"title{delimiter}text\rHarbour{delimiter}The port will close.\r".encode()
    assert _cells(data) == [{"title": "Harbour", "text": "The port will close."}]


@pytest.mark.parametrize("data", [
    b"\rtitle,text\nA,The port will close.\n",  # a blank first line ending in CR
    b'"title,te\rxt\nA,B\n',  # a header cut inside a quoted cell
])
def test_an_odd_first_line_is_a_problem_not_a_traceback(data: bytes) -> None:
    result = read_csv(data, "r.csv")
    assert result.articles == [] and [p.code for p in result.problems] in (
        ["csv-no-text-column"], ["article-empty"])
