"""Fuzzing the readers as a user meets them: damaged and hostile exports, JSON Lines,
JSON and CSV files (valid ones cut, spliced with deep nesting, huge numbers, stray
bytes and bad UTF-8, or plain random bytes) go through the real CLI in a subprocess
under an address-space limit. Whatever the input: no traceback, exit 0, 1 or 2 (2
with one `error:` line), and memory far below the limit. 15 examples of four inputs
each, read by ingest, validate and evaluate (~20 CPU s), so it runs on every CI run."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_run import run_cli
from newsclaims.core.ids import article_id

GOLD = Path(__file__).parent / "fixtures" / "exports" / "clean.json"
EXPORT = GOLD.read_bytes()
TEXT = "Officials said the bridge was unsafe, according to a report."
ARTICLE = json.dumps({"text": TEXT, "article_id": article_id(TEXT)}).encode()
PREDICTION = json.dumps({"article_id": article_id(TEXT), "model_version": "t",
                         "result": []}).encode()
CSV = f'title,text\n"A ""quoted"" title","{TEXT}"\nB,"two\n\nparagraphs, here"\n'.encode()
MEMORY = 768 << 20
MAX_RSS_MB = 400

HOSTILE = st.one_of(
    st.integers(1, 20_000).map(lambda n: b"[" * n + b"]" * (n // 2)),
    st.integers(1, 3000).map(lambda n: b'{"a":' * n),
    st.integers(19, 400).map(lambda n: b"9" * n),
    st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b'"\\ud800"', b"\x00", b"\r", b'"',
                     b",", b"]", b"}", b"\n", b'""', b"-", b"1e999", b"NaN", b"\xef\xbb\xbf"]),
    st.binary(max_size=40),
)


@st.composite
def damaged(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` cut and spliced with hostile pieces, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = base
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "replace", "cut"]))
        if action == "cut":
            data = data[:at]
        else:
            piece = draw(HOSTILE)
            data = data[:at] + piece + data[at + (len(piece) if action == "replace" else 0):]
    return data


def _check(run_args: list) -> None:
    run = run_cli(*run_args, memory=MEMORY, timeout=90)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode in (0, 1, 2), (run.returncode, run.stderr[-2000:])
    if run.returncode == 2:
        run.one_error_line()
    assert run.max_rss_mb < MAX_RSS_MB


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(export=damaged(EXPORT),
       jsonl=damaged(ARTICLE + b"\n" + PREDICTION + b"\n" + ARTICLE + b"\n"),
       array=damaged(b"[" + ARTICLE + b",\n" + ARTICLE + b"]"),
       csv=damaged(CSV))
def test_no_input_gives_a_traceback_or_unbounded_memory(export: bytes, jsonl: bytes,
                                                        array: bytes, csv: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        inputs = root / "in"
        inputs.mkdir()
        for name, data in (("a.jsonl", jsonl), ("b.json", array), ("c.csv", csv)):
            (inputs / name).write_bytes(data)
        (root / "export.json").write_bytes(export)
        _check(["ingest", inputs, "-o", root / "articles.jsonl"])
        _check(["validate", root / "export.json"])
        _check(["evaluate", root / "export.json", "--predictions", inputs / "a.jsonl"])
