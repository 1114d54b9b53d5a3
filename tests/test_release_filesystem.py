"""`newsclaims release` on a file system that refuses: a real read-only mount and a
real full one (a small tmpfs), each in a private mount namespace (`unshare`), so the
test needs no privileges and leaves the machine's mounts alone. Each ends in one
error line and exit 2, with nothing half-written left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from factories import BASE_EXPORT, RELEASE_SALT

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))

# $1 mount point, $2 newsclaims, $3 export, $4 folder for the results (outside the mount),
# $5 tmpfs options, $6 "ro" to make the mount read-only after the dataset folder exists.
SCRIPT = """
set -e
mount -t tmpfs -o "$5" tmpfs "$1"
mkdir "$1/dataset"
if [ "$6" = ro ]; then mount -o remount,ro "$1"; fi
set +e
"$2" release "$3" --version 0.1.0 --dataset-dir "$1/dataset" >"$4/stdout" 2>"$4/stderr"
echo $? >"$4/rc"
(cd "$1/dataset" && find . -mindepth 1 | sort) >"$4/left"
"""


def _release_on(tmp_path: Path, options: str, *, read_only: bool,
                salt_env: bool) -> tuple[int, list[str], list[str]]:
    """(exit code, stderr lines, what the dataset folder holds afterwards)."""
    mount, results = tmp_path / "mnt", tmp_path / "results"
    mount.mkdir()
    results.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "NEWSCLAIMS_ANNOTATOR_SALT"}
    if salt_env:
        env["NEWSCLAIMS_ANNOTATOR_SALT"] = RELEASE_SALT
    subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", SCRIPT, "sh",
                    str(mount), NEWSCLAIMS, str(BASE_EXPORT), str(results), options,
                    "ro" if read_only else "rw"], check=True, env=env, timeout=300)
    stderr = (results / "stderr").read_text().strip().splitlines()
    left = (results / "left").read_text().split()
    return int((results / "rc").read_text()), stderr, left


def test_read_only_file_system(tmp_path: Path) -> None:
    code, stderr, left = _release_on(tmp_path, "size=10m", read_only=True, salt_env=False)
    assert code == 2
    assert len(stderr) == 1 and stderr[0].startswith("error: cannot write the release in ")
    assert "Read-only file system" in stderr[0]
    assert left == []


def test_full_file_system_mid_release(tmp_path: Path) -> None:
    """120 KiB holds the salt and splits.json but not the release (~260 KB)."""
    code, stderr, left = _release_on(tmp_path, "size=120k", read_only=False, salt_env=False)
    assert code == 2
    assert len(stderr) == 1 and stderr[0].startswith("error: cannot write the release in ")
    assert "No space left on device" in stderr[0]
    # The salt is decided before the pass and kept (complete), nothing else stays.
    assert left == ["./.annotator-salt"] or left == ["./.annotator-salt", "./splits.json"], left


def test_the_same_release_fits_a_larger_file_system(tmp_path: Path) -> None:
    """The control: the same script with room enough succeeds."""
    code, stderr, left = _release_on(tmp_path, "size=10m", read_only=False, salt_env=True)
    assert code == 0, stderr
    assert "./v0.1.0/manifest.json" in left
