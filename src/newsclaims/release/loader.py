"""`newsclaims.load`: one release table as a pandas DataFrame with Arrow-backed dtypes.

Named `loader` (not `load`) so that the package attribute `newsclaims.load` stays the
function: a submodule called `load` would replace it on import.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from newsclaims.core.errors import NewsclaimsError
from newsclaims.release.files import MANIFEST, read_manifest, read_table_files
from newsclaims.release.tables import SPLITS
from newsclaims.release.versions import Version, parse_version, released_versions

DATASET_DIR_ENV = "NEWSCLAIMS_DATASET_DIR"


def default_dataset_dir(path: str | Path | None = None) -> Path:
    """`path`, else $NEWSCLAIMS_DATASET_DIR, else ./dataset."""
    return Path(path or os.environ.get(DATASET_DIR_ENV) or "dataset")


def resolve_version(version: str, root: Path) -> Version:
    versions = released_versions(root)
    if not versions:
        raise NewsclaimsError(f"no release in {root.resolve()} (set dataset_dir or "
                              f"${DATASET_DIR_ENV})")
    if version == "latest":
        return versions[-1]
    try:
        wanted = parse_version(version)
    except NewsclaimsError:
        wanted = None
    if wanted not in versions:
        raise NewsclaimsError(f"no release {version!r} in {root}; releases: "
                              f"{', '.join(str(v) for v in versions)} (or 'latest')")
    return wanted


def load(
    table: str = "claims",
    version: str = "latest",
    split: str | None = None,
    dataset_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Rows of `table` from one release (all splits, or one), Arrow-backed dtypes.

    Every file is checked before its rows are returned (`release.files`): its sha256
    against manifest.json once per process, and, in format 2, every page checksum,
    the column types and the row count. A damaged or changed file, a manifest that is
    not JSON or a path outside the release raise `NewsclaimsError`.
    """
    root = default_dataset_dir(dataset_dir)
    release = root / resolve_version(version, root).folder
    manifest = read_manifest(release)
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or table not in tables:
        raise NewsclaimsError(f"no table {table!r} in {release.name}; tables: "
                              f"{', '.join(tables or {})}")
    if split is not None and split not in SPLITS:
        raise NewsclaimsError(f"no split {split!r}; splits: {', '.join(SPLITS)}")
    try:
        data = read_table_files(release, manifest, table,
                                tuple(s for s in SPLITS if split in (None, s)))
    except (KeyError, TypeError) as exc:
        raise NewsclaimsError(f"{release / MANIFEST} does not describe table {table} "
                              f"({exc!r} missing or malformed)") from None
    return data.to_pandas(types_mapper=pd.ArrowDtype)

