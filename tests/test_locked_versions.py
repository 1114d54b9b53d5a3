"""Both environments hold the versions their lock files name (scripts/lock writes them,
scripts/setup and `studio start` install by them), and the locks name what the
committed releases were made with: a fresh machine must build what CI tested."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from newsclaims.studio import server
from postgres_servers import REPO, SERVER_VENV

PROJECT_LOCK = REPO / "constraints.txt"
# What `python -m venv` puts in every environment; pip freeze leaves them out.
_VENV_TOOLS = {"pip", "setuptools", "wheel"}
_INSTALLED = ("import json, importlib.metadata as m; "
              "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")


def locked(path: Path) -> dict[str, str]:
    """name -> version of a lock file (canonical names, comments skipped)."""
    pins: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not name==version"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _differences(pins: dict[str, str], installed: dict[str, str]) -> list[str]:
    return sorted(f"{name}: installed {installed[name]}, locked {version}"
                  for name, version in pins.items()
                  if name in installed and installed[name] != version)


def test_the_project_environment_has_the_locked_versions() -> None:
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    drift = _differences(locked(PROJECT_LOCK), installed)
    assert not drift, f"{drift}: .venv/bin/python -m pip install -c constraints.txt -e '.[dev]'"


def test_every_requirement_of_the_project_is_locked() -> None:
    """The runtime and dev requirements (not the optional spacy extra) are all pinned, so
    the lock decides every version a fresh install gets."""
    wanted = [Requirement(r) for r in metadata.requires("newsclaims") or ()]
    names = {canonicalize_name(r.name) for r in wanted
             if r.marker is None or r.marker.evaluate({"extra": "dev"})}
    assert {"pyarrow", "matplotlib", "duckdb", "ruff", "mypy"} <= names  # the parse found them
    assert sorted(names - set(locked(PROJECT_LOCK))) == []


def test_the_locked_pyarrow_wrote_the_committed_release() -> None:
    """A release rebuilds byte for byte only with the pyarrow that wrote it: its version is
    in every Parquet footer (tests/test_dataset.py rebuilds v0.2.0)."""
    pyarrow = locked(PROJECT_LOCK)["pyarrow"]
    files = sorted((REPO / "dataset" / "v0.2.0").rglob("*.parquet"))
    assert files
    writers = {pq.ParquetFile(p).metadata.created_by for p in files}
    assert writers == {f"parquet-cpp-arrow version {pyarrow}"}


def test_the_label_studio_lock_pins_the_server_the_project_runs() -> None:
    name, _, version = server.LABEL_STUDIO_REQUIREMENT.partition("==")
    assert server.LABEL_STUDIO_CONSTRAINTS.is_file()
    assert locked(server.LABEL_STUDIO_CONSTRAINTS)[canonicalize_name(name)] == version


@pytest.mark.integration
def test_the_label_studio_environment_has_exactly_the_locked_versions() -> None:
    """Everything in the server's environment is locked, at the locked version."""
    python = SERVER_VENV / "bin" / "python"
    assert python.is_file(), f"no Label Studio environment at {SERVER_VENV}: run scripts/setup"
    listed = subprocess.run([str(python), "-c", _INSTALLED], capture_output=True, text=True,
                            check=True, timeout=120).stdout
    installed = {canonicalize_name(name): version for name, version in json.loads(listed).items()
                 if canonicalize_name(name) not in _VENV_TOOLS}
    pins = locked(server.LABEL_STUDIO_CONSTRAINTS)
    again = f"remove {SERVER_VENV} and run scripts/setup"
    drift = _differences(pins, installed)
    assert not drift, f"{drift}: {again}"
    unlocked = sorted(set(installed) - set(pins))
    assert not unlocked, f"not in {server.LABEL_STUDIO_CONSTRAINTS.name}: {unlocked}: {again}"
