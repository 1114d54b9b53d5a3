"""Release versions and the split rule, shared by release, the loader and verify.

Versions are semantic (X.Y.Z) as Croissant defines them for datasets: PATCH
re-serialises, MINOR only adds, MAJOR edits or removes records or moves them across
splits. A release lives in `<dataset_dir>/vX.Y.Z/` and counts once it has a
manifest.json (it is renamed into place complete, so a folder without one is not
ours). The split rule is written once per dataset (`splits.json`) and read back by
every later release, so an article keeps its split in every version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.release.tables import SPLITS

_VERSION = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
SPLITS_FILE = "splits.json"
# The one split rule this code implements; splits.json names it so a future rule
# cannot be applied to a dataset by accident.
SPLIT_RULE = {
    "rule": "sha256-bucket",
    "description": (
        "bucket = int(sha256('newsclaims-split:' + article_id).hexdigest()[:8], 16) % 100; "
        "train if bucket < 80, validation if bucket < 90, else test"
    ),
    "prefix": "newsclaims-split:",
    "buckets": {"train": [0, 80], "validation": [80, 90], "test": [90, 100]},
}


@dataclass(frozen=True, order=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def folder(self) -> str:
        return f"v{self}"

    def bump_from(self, previous: Version) -> str:
        """Which part changed from `previous` ("major", "minor", "patch" or "none")."""
        if self.major != previous.major:
            return "major"
        if self.minor != previous.minor:
            return "minor"
        return "patch" if self.patch != previous.patch else "none"


def parse_version(text: str) -> Version:
    match = _VERSION.match(text.strip())
    if not match:
        raise NewsclaimsError(f"version {text!r} is not X.Y.Z (semantic versioning, e.g. 0.1.0)")
    return Version(*(int(part) for part in match.groups()))


def released_versions(dataset_dir: str | Path) -> list[Version]:
    """Complete releases in `dataset_dir`, oldest first."""
    root = Path(dataset_dir)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        named = child.name.startswith("v") and _VERSION.match(child.name)
        if named and (child / "manifest.json").is_file():
            found.append(parse_version(child.name))
    return sorted(found)


def stray_versions(dataset_dir: str | Path) -> list[str]:
    """Names in `dataset_dir` that look like a release (vX.Y.Z) but are not one: a file,
    or a folder without manifest.json. A release is renamed into place complete, so
    such a name was made by hand or left by damage; a new release refuses to guess."""
    root = Path(dataset_dir)
    if not root.is_dir():
        return []
    return sorted(child.name for child in root.iterdir()
                  if child.name.startswith("v") and _VERSION.match(child.name)
                  and not (child.is_dir() and (child / "manifest.json").is_file()))


def latest_version(dataset_dir: str | Path) -> Version | None:
    versions = released_versions(dataset_dir)
    return versions[-1] if versions else None


def split_rule(dataset_dir: str | Path, *, create: bool) -> dict[str, Any]:
    """The dataset's split rule from splits.json; written on the first release."""
    path = Path(dataset_dir) / SPLITS_FILE
    if path.is_file():
        try:
            rule = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise NewsclaimsError(f"cannot read the split rule {path}: {exc}") from exc
        if rule.get("rule") != SPLIT_RULE["rule"] or rule.get("buckets") != SPLIT_RULE["buckets"]:
            raise NewsclaimsError(
                f"{path} records a split rule this version of newsclaims does not implement; "
                "changing it would move articles across splits"
            )
        return rule
    if create:
        atomic_write_text(path, json.dumps(SPLIT_RULE, indent=2) + "\n", overwrite=False)
    return dict(SPLIT_RULE)


def split_of(article_id: str, rule: dict[str, Any] = SPLIT_RULE) -> str:
    """The split of an article: a pure function of its id, so it never changes."""
    digest = hashlib.sha256((rule["prefix"] + article_id).encode("utf-8")).hexdigest()
    bucket = int(digest[:8], 16) % 100
    for split in SPLITS:
        low, high = rule["buckets"][split]
        if low <= bucket < high:
            return split
    raise NewsclaimsError(f"split rule leaves bucket {bucket} unassigned")


def required_bump(changes: dict[str, Any]) -> str:
    """The smallest version bump the changes against the previous release allow."""
    if changes.get("removed_rows") or changes.get("removed_columns") or changes.get("moved"):
        return "major"
    if changes.get("added_rows") or changes.get("added_columns"):
        return "minor"
    return "patch"
