"""A release killed half-way leaves no vX.Y.Z behind, and the next run succeeds.

The child process is a real `newsclaims.release.release.release` call whose Parquet writer
(or, killed mid-build, its first table hand-over) is wrapped to touch a marker and sleep,
so the test can SIGKILL it there; nothing in the library knows about the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from factories import BASE_EXPORT
from newsclaims.release.release import TEMP_PREFIX, release
from newsclaims.release.verify import verify

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import newsclaims.release.release as r
    import newsclaims.release.table_files as files

    marker = Path(sys.argv[2])
    original = files.write_sorted_splits

    def write_then_stall(table, spec, paths):
        rows = original(table, spec, paths)
        marker.touch()
        time.sleep(120)
        return rows

    files.write_sorted_splits = write_then_stall  # release imports it when it writes
    r.release(sys.argv[3], version="0.1.0", dataset_dir=sys.argv[1], salt="s")
""")


# Killed while building: the builders' spill files are in DuckDB's spill folder.
CHILD_BUILDING = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import newsclaims.release.tables as t
    import newsclaims.release.release as r

    marker = Path(sys.argv[2])

    def stall(self):
        marker.touch()
        time.sleep(120)

    t.TableBuilder.table = stall
    r.release(sys.argv[3], version="0.1.0", dataset_dir=sys.argv[1], salt="s")
""")


def _kill_at_marker(child_code: str, dataset: Path, marker: Path) -> Path:
    """Run the child until it touches `marker`, SIGKILL it; its one leftover folder."""
    child = subprocess.Popen([sys.executable, "-c", child_code, str(dataset), str(marker),
                              str(BASE_EXPORT)])
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert child.poll() is None, "the release ended before it was killed"
            assert time.monotonic() < deadline, "the release never got there"
            time.sleep(0.1)
        leftovers = list(dataset.glob(f"{TEMP_PREFIX}*"))
        assert len(leftovers) == 1
        return leftovers[0]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()


def test_killed_release_leaves_nothing_and_rerun_succeeds(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    leftover = _kill_at_marker(CHILD, dataset, tmp_path / "half-written")
    assert any(leftover.rglob("*.parquet"))

    assert not (dataset / "v0.1.0").exists()
    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=dataset, salt="s")
    assert result.ok
    assert result.cleaned == [leftover.name]
    assert not list(dataset.glob(f"{TEMP_PREFIX}*"))
    assert verify(dataset / "v0.1.0") == []


def test_release_killed_while_building_leaves_spill_files_the_rerun_removes(
    tmp_path: Path,
) -> None:
    dataset = tmp_path / "dataset"
    leftover = _kill_at_marker(CHILD_BUILDING, dataset, tmp_path / "building")
    assert leftover.name.startswith(f"{TEMP_PREFIX}duckdb-")
    spilled = list(leftover.glob("*.arrow"))
    assert len(spilled) == 7 and any(path.stat().st_size for path in spilled)

    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=dataset, salt="s")
    assert result.ok
    assert result.cleaned == [leftover.name]
    assert not list(dataset.glob(f"{TEMP_PREFIX}*"))
    assert verify(dataset / "v0.1.0") == []
