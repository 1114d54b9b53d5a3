"""`newsclaims verify` passes on a release and names the file that was tampered with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsclaims.cli import app
from newsclaims.release.release import release
from newsclaims.release.verify import verify

BASE = Path(__file__).parent / "fixtures" / "release" / "base.json"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dataset")
    assert release(BASE, version="0.1.0", dataset_dir=root, salt="s").ok
    return root / "v0.1.0"


@pytest.fixture
def copy(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "v0.1.0"))


def test_intact_release_verifies(pristine: Path) -> None:
    assert verify(pristine) == []
    outcome = CliRunner().invoke(app, ["verify", str(pristine)])
    assert outcome.exit_code == 0, outcome.output


def test_tampered_file_is_named_and_exits_1(copy: Path) -> None:
    target = copy / "claims" / "train.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    problems = verify(copy)
    assert {p.file for p in problems} == {str(target)}
    assert "file-checksum" in {p.code for p in problems}
    outcome = CliRunner().invoke(app, ["verify", str(copy)])
    assert outcome.exit_code == 1
    assert "claims/train.parquet" in outcome.output


def test_missing_unlisted_and_miscounted_files(copy: Path) -> None:
    (copy / "spans" / "test.parquet").unlink()
    (copy / "extra.txt").write_text("not part of the release")
    manifest = json.loads((copy / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "articles/train.parquet")
    entry["rows"] += 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    found = {(p.code, Path(p.file).relative_to(copy).as_posix()) for p in verify(copy)}
    assert found == {("file-missing", "spans/test.parquet"), ("file-unlisted", "extra.txt"),
                     ("file-rows", "articles/train.parquet")}


def test_not_a_release_exits_2(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "manifest.json" in outcome.output
