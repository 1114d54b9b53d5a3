"""`newsclaims verify` passes on a release and names the file that was tampered with."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsclaims.cli import app
from newsclaims.release.verify import verify


def test_intact_release_verifies(base_release: Path) -> None:
    assert verify(base_release) == []
    outcome = CliRunner().invoke(app, ["verify", str(base_release)])
    assert outcome.exit_code == 0, outcome.output


def test_tampered_file_is_named_and_exits_1(base_release_copy: Path) -> None:
    target = base_release_copy / "claims" / "train.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    problems = verify(base_release_copy)
    assert {p.file for p in problems} == {str(target)}
    assert "file-checksum" in {p.code for p in problems}
    outcome = CliRunner().invoke(app, ["verify", str(base_release_copy)])
    assert outcome.exit_code == 1
    assert "claims/train.parquet" in outcome.output


def test_missing_unlisted_and_miscounted_files(base_release_copy: Path) -> None:
    (base_release_copy / "spans" / "test.parquet").unlink()
    (base_release_copy / "extra.txt").write_text("not part of the release")
    manifest = json.loads((base_release_copy / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "articles/train.parquet")
    entry["rows"] += 1
    (base_release_copy / "manifest.json").write_text(json.dumps(manifest))
    found = {(p.code, Path(p.file).relative_to(base_release_copy).as_posix())
             for p in verify(base_release_copy)}
    assert found == {("file-missing", "spans/test.parquet"), ("file-unlisted", "extra.txt"),
                     ("file-rows", "articles/train.parquet")}


def test_not_a_release_exits_2(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "manifest.json" in outcome.output
