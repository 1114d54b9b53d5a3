"""No trust in what was tampered: a damaged previous release, names that look like
releases, manifests that are not JSON or point outside the release, and flipped bits
in a released Parquet file. Each is an error (or, for a flipped bit, identical data),
never a silent success."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import newsclaims
from factories import ADDED_EXPORT, RELEASE_SALT
from newsclaims.cli import app
from newsclaims.core.errors import NewsclaimsError
from newsclaims.release import files
from newsclaims.release.release import release
from newsclaims.release.verify import verify


def _release_cli(dataset: Path, version: str) -> object:
    return CliRunner().invoke(app, ["release", str(ADDED_EXPORT), "--version", version,
                                    "--dataset-dir", str(dataset)],
                              env={"NEWSCLAIMS_ANNOTATOR_SALT": RELEASE_SALT})


def _swap_rows(path: Path) -> None:
    """Rewrite a Parquet file with its rows reversed and one row gone, keeping the schema:
    a plausible, readable file that no longer matches the manifest."""
    table = pq.read_table(path)
    pq.write_table(table.slice(1).take(list(reversed(range(table.num_rows - 1)))), path)


def test_a_previous_release_whose_files_changed_refuses_the_next(base_release_copy: Path) -> None:
    _swap_rows(base_release_copy / "spans" / "train.parquet")
    dataset = base_release_copy.parent
    outcome = _release_cli(dataset, "0.2.0")
    assert outcome.exit_code == 1, outcome.output
    assert "previous-release-damaged" in outcome.output
    assert "spans/train.parquet" in outcome.output  # the verify problems are listed
    assert not (dataset / "v0.2.0").exists()
    result = release(ADDED_EXPORT, version="0.2.0", dataset_dir=dataset, salt=RELEASE_SALT)
    codes = [p.code for p in result.problems]
    assert codes[0] == "previous-release-damaged" and "file-checksum" in codes


def test_a_previous_release_that_is_intact_is_compared(base_release_copy: Path) -> None:
    result = release(ADDED_EXPORT, version="0.2.0", dataset_dir=base_release_copy.parent,
                     salt=RELEASE_SALT)
    assert result.ok, result.problems
    assert result.manifest["changes"]["previous"] == "0.1.0"


@pytest.mark.parametrize("kind", ["empty folder", "file"])
def test_a_name_like_a_release_that_is_not_one_is_refused(tmp_path: Path, kind: str) -> None:
    stray = tmp_path / "v0.3.0"
    if kind == "file":
        stray.write_text("not a release")
    else:
        stray.mkdir()
    outcome = _release_cli(tmp_path, "1.0.0")
    assert outcome.exit_code == 1, outcome.output
    assert "version-folder-incomplete" in outcome.output and "v0.3.0" in outcome.output
    assert not (tmp_path / "v1.0.0").exists()


def test_an_earlier_manifest_that_is_not_json_is_one_line_and_exit_2(
    base_release_copy: Path,
) -> None:
    (base_release_copy / "manifest.json").write_text('{"name": "newsclaims", "vers')
    dataset = base_release_copy.parent
    outcome = _release_cli(dataset, "0.2.0")
    assert outcome.exit_code == 2, outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "not valid JSON" in lines[0]
    assert not (dataset / "v0.2.0").exists()
    assert not list(dataset.glob(".tmp-release-*"))
    with pytest.raises(NewsclaimsError, match="not valid JSON"):
        newsclaims.load("claims", dataset_dir=dataset)


def test_dataset_dir_that_is_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "dataset"
    target.write_text("a file")
    outcome = _release_cli(target, "0.1.0")
    assert outcome.exit_code == 2, outcome.output
    lines = outcome.output.strip().splitlines()
    assert lines == [f"error: dataset folder {target} is a file, not a folder"]
    assert target.read_text() == "a file"


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "claims/../../x"])
def test_manifest_paths_outside_the_release_are_refused(base_release_copy: Path,
                                                        path: str) -> None:
    manifest_path = base_release_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "claims/train.parquet")
    entry["path"] = manifest["tables"]["claims"]["files"]["train"] = path
    manifest_path.write_text(json.dumps(manifest))
    assert "path-outside-release" in {p.code for p in verify(base_release_copy)}
    with pytest.raises(NewsclaimsError, match="release folder"):
        newsclaims.load("claims", dataset_dir=base_release_copy.parent)


def test_a_symlink_out_of_the_release_is_refused(base_release_copy: Path, tmp_path: Path) -> None:
    target = base_release_copy / "claims" / "train.parquet"
    outside = tmp_path / "elsewhere.parquet"
    outside.write_bytes(target.read_bytes())  # same bytes: only the place is wrong
    target.unlink()
    target.symlink_to(outside)
    problems = verify(base_release_copy)
    assert {p.code for p in problems} == {"path-outside-release"}
    with pytest.raises(NewsclaimsError, match="symlink"):
        newsclaims.load("claims", dataset_dir=base_release_copy.parent)


def _flips(data: bytes, count: int, seed: int) -> list[tuple[int, int]]:
    """`count` (byte, bit) positions: spread over the file, the footer always included."""
    rng = random.Random(seed)
    footer = int.from_bytes(data[-8:-4], "little") + 8
    positions = rng.sample(range(len(data)), min(count, len(data)))
    positions += rng.sample(range(len(data) - footer, len(data)), min(count // 4, footer))
    return [(p, rng.randrange(8)) for p in positions]


def test_flipped_bits_are_errors_or_identical_data(base_release_copy: Path) -> None:
    """For each single-bit flip in claims/train.parquet: `newsclaims.load` (sha256 and page
    checksums), the page-checksum read alone (no sha256), and `verify` either fail or
    return exactly the original data."""
    dataset = base_release_copy.parent
    target = base_release_copy / "claims" / "train.parquet"
    original = target.read_bytes()
    manifest = json.loads((base_release_copy / "manifest.json").read_text())
    info = manifest["tables"]["claims"]
    entry = next(f for f in manifest["files"] if f["path"] == "claims/train.parquet")
    expected_frame = newsclaims.load("claims", split="train", dataset_dir=dataset)
    expected_table = pq.read_table(target)
    outcomes = {"load error": 0, "page-level error": 0, "page-level identical": 0}
    for position, bit in _flips(original, 400, seed=15):
        flipped = bytearray(original)
        flipped[position] ^= 1 << bit
        target.write_bytes(bytes(flipped))
        files.forget_verified()
        try:
            frame = newsclaims.load("claims", split="train", dataset_dir=dataset)
        except NewsclaimsError:
            outcomes["load error"] += 1
        else:
            pd.testing.assert_frame_equal(frame, expected_frame)
        try:
            table = files.read_parquet(target, 2, rows=entry["rows"], columns=info["columns"],
                                       types=info["types"])
        except NewsclaimsError:
            outcomes["page-level error"] += 1
        else:
            assert table.equals(expected_table), (position, bit)
            outcomes["page-level identical"] += 1
        assert verify(base_release_copy), (position, bit)
    target.write_bytes(original)
    assert outcomes["load error"] == sum(1 for _ in _flips(original, 400, seed=15))
    assert outcomes["page-level error"] > outcomes["page-level identical"]
