"""manifest.json of a release (schemas/manifest.schema.json): what is in it, where it
came from, and a checksum, size and row count for every file, which `verify` checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from newsclaims.core.atomic import sha256_file
from newsclaims.core.scheme import Scheme
from newsclaims.release.files import FORMAT_VERSION, arrow_types
from newsclaims.release.tables import SPLITS, table_specs
from newsclaims.release.versions import Version

DATASET_NAME = "newsclaims"


def file_entry(folder: Path, relative: str, *, rows: int | None = None,
               table: str | None = None, split: str | None = None) -> dict[str, Any]:
    path = folder / relative
    entry: dict[str, Any] = {
        "path": relative,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
    }
    if rows is not None:
        entry.update(rows=rows, table=table, split=split)
    return entry


def _per_split(table: pa.Table, keys: list[str]) -> dict[tuple[str | None, ...], dict[str, int]]:
    """Counts of rows per (keys..., split), as {key tuple: {split: n}}."""
    plain = pa.table({k: table.column(k).cast(pa.string()) for k in [*keys, "split"]})
    grouped = plain.group_by([*keys, "split"]).aggregate([([], "count_all")]).to_pylist()
    out: dict[tuple[str | None, ...], dict[str, int]] = {}
    for row in grouped:
        out.setdefault(tuple(row[k] for k in keys), {})[row["split"]] = row["count_all"]
    return out


def rows_per_split(table: pa.Table) -> dict[str, int]:
    counts = _per_split(table, []).get((), {})
    return {s: counts.get(s, 0) for s in SPLITS}


def tally(tables: dict[str, pa.Table], scheme: Scheme) -> dict[str, Any]:
    """Label and choice counts per split over the gold spans; every value of the scheme
    appears, with zeros, so a table shows what was never used too."""
    spans = tables["spans"]
    by_label = _per_split(spans, ["layer", "label"])
    labels = {
        layer: {
            label: {s: by_label.get((layer, label), {}).get(s, 0) for s in SPLITS}
            for label in values
        }
        for layer, values in scheme.labels.items()
    }
    choices = {}
    for name, control in scheme.choices.items():
        by_value = _per_split(spans, ["label", name])
        choices[name] = {
            (value or "(none)"): {
                s: by_value.get((control.applies_to, value), {}).get(s, 0) for s in SPLITS
            }
            for value in [*control.values, None]
        }
    return {
        "articles": rows_per_split(tables["articles"]),
        "labels": labels,
        "choices": choices,
    }


def table_summary(tables: dict[str, pa.Table]) -> dict[str, Any]:
    """What the manifest says of the tables, taken before they are written (and freed
    one by one): rows per split, columns and types of each, and two totals."""
    adjudication = tables["articles"].column("needs_adjudication")
    return {
        "tables": {
            name: {
                "rows": rows_per_split(table),
                "columns": table.schema.names,
                "types": arrow_types(table_specs()[name].schema),
            }
            for name, table in tables.items()
        },
        "needs_adjudication": pc.sum(adjudication).as_py() or 0,
        "annotations": tables["annotations"].num_rows,
    }


def build_manifest(
    *, version: Version, created: str, generator: str, export_path: Path, export_sha256: str,
    scheme: Scheme, rule: dict[str, Any], built: Any, summary: dict[str, Any],
    counts: dict[str, Any], table_files: dict[str, dict[str, str]], changes: dict[str, Any],
    notes: str | None, files: list[dict[str, Any]],
) -> dict[str, Any]:
    tables = {name: {"files": table_files[name], **info}
              for name, info in summary["tables"].items()}
    return {
        "name": DATASET_NAME,
        "version": str(version),
        "format_version": FORMAT_VERSION,
        "created": created,
        "generator": {"name": "newsclaims", "version": generator},
        "notes": notes,
        "source": {
            "export": {"file": export_path.name, "sha256": export_sha256,
                       "bytes": export_path.stat().st_size},
            "label_config": {"sha256": scheme.sha256},
        },
        "split_rule": rule,
        "tables": tables,
        "articles": counts["articles"],
        "label_counts": counts["labels"],
        "choice_counts": counts["choices"],
        "annotators": built.annotators,
        "annotations": summary["annotations"],
        "gold_policy": built.gold_policy,
        "needs_adjudication": summary["needs_adjudication"],
        "agreement": built.agreement,
        "changes": changes,
        "files": files,
    }
