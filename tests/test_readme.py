"""Every `newsclaims` command in the README's walkthrough runs as written.

The commands that need no server run in order, in a copy of the paths they read,
with `out/` in a temporary folder; the Label Studio commands are exercised by the
integration tests. A README example that stops working fails here.
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
NEEDS_SERVER = {"studio", "push", "pull", "team", "progress"}


def walkthrough() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Using the CLI", 1)[1].split("## Loading the dataset", 1)[0]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "newsclaims" and words[1] not in NEEDS_SERVER:
                commands.append(words[1:])
    return commands


def test_the_walkthrough_covers_every_offline_verb():
    verbs = {words[0] for words in walkthrough()}
    assert verbs == {"ingest", "train", "preannotate", "evaluate", "validate", "agreement",
                     "adjudicate", "release", "verify"}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in ("seeds", "dataset", "tests/fixtures/exports", "tests/fixtures/release"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def test_readme_walkthrough_runs_in_order(workdir: Path):
    for words in walkthrough():
        args = [m for w in words for m in (sorted(glob.glob(w, root_dir=workdir)) or [w])]
        done = subprocess.run([NEWSCLAIMS, *args], cwd=workdir, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, f"newsclaims {' '.join(words)}:\n{done.stderr[-2000:]}"
    # The walkthrough's outputs exist where it says they go.
    for made in ("out/articles.jsonl", "out/predictions.jsonl", "out/tagger.model",
                 "out/tagger-predictions.jsonl", "out/fixed.json",
                 "out/dataset/v1.0.0/manifest.json"):
        assert (workdir / made).is_file(), made
