"""`newsclaims.load`: one release table as a pandas DataFrame with Arrow-backed dtypes.

Named `loader` (not `load`) so that the package attribute `newsclaims.load` stays the
function: a submodule called `load` would replace it on import.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from newsclaims.core.errors import NewsclaimsError
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
    """Rows of `table` from one release (all splits, or one), Arrow-backed dtypes."""
    root = default_dataset_dir(dataset_dir)
    release = root / resolve_version(version, root).folder
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    tables = manifest["tables"]
    if table not in tables:
        raise NewsclaimsError(f"no table {table!r} in {release.name}; tables: "
                              f"{', '.join(tables)}")
    if split is not None and split not in SPLITS:
        raise NewsclaimsError(f"no split {split!r}; splits: {', '.join(SPLITS)}")
    files = tables[table]["files"]
    paths = [release / files[s] for s in SPLITS if split in (None, s)]
    try:
        data = pa.concat_tables(pq.read_table(path) for path in paths)
    except (OSError, pa.ArrowInvalid) as exc:
        raise NewsclaimsError(f"cannot read {table} of {release}: {exc}") from exc
    return data.to_pandas(types_mapper=pd.ArrowDtype)

