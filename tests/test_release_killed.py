"""A release killed half-way leaves no vX.Y.Z behind, and the next run succeeds.

The child process is a real `newsclaims.release.release.release` call whose Parquet writer
is wrapped to touch a marker and sleep after the first file, so the test can SIGKILL
it mid-write; nothing in the library knows about the test.
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

    marker = Path(sys.argv[2])
    original = r.write_sorted_splits

    def write_then_stall(table, spec, paths):
        rows = original(table, spec, paths)
        marker.touch()
        time.sleep(120)
        return rows

    r.write_sorted_splits = write_then_stall
    r.release(sys.argv[3], version="0.1.0", dataset_dir=sys.argv[1], salt="s")
""")


def test_killed_release_leaves_nothing_and_rerun_succeeds(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    marker = tmp_path / "half-written"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(dataset), str(marker),
                              str(BASE_EXPORT)])
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert child.poll() is None, "the release ended before it was killed"
            assert time.monotonic() < deadline, "the release never started writing"
            time.sleep(0.1)
        leftovers = list(dataset.glob(f"{TEMP_PREFIX}*"))
        assert len(leftovers) == 1 and any(leftovers[0].rglob("*.parquet"))
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    assert not (dataset / "v0.1.0").exists()
    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=dataset, salt="s")
    assert result.ok
    assert result.cleaned == [leftovers[0].name]
    assert not list(dataset.glob(f"{TEMP_PREFIX}*"))
    assert verify(dataset / "v0.1.0") == []
