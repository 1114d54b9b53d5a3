"""A pull killed while writing leaves a temporary file; the next pull into the folder
removes it and says so (real server, real SIGKILL)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.core.ids import article_id
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))

WRITER = """
import sys, time
from newsclaims.core.atomic import atomic_open
with atomic_open(sys.argv[1]) as fh:
    fh.write("[half an export")
    fh.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


def test_pull_removes_what_a_killed_pull_left(studio, fresh_project, project_title,
                                              tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out / "newsclaims-x.json")],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    [left] = [p for p in out.iterdir() if p.name.endswith(".tmp")]
    text = "Officials said the pier would reopen in June."
    push([{"text": text, "article_id": article_id(text), "title": "Pier", "tags": []}],
         project_title=project_title, studio=studio.connect())
    done = subprocess.run([NEWSCLAIMS, "pull", "-o", str(out), "--project", project_title],
                          env=studio.env(), capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done
    assert f"pull: removed {left}, left by an interrupted pull" in done.stderr
    assert not left.exists() and not [p for p in out.iterdir() if p.name.endswith(".tmp")]
