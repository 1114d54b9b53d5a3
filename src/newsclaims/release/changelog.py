"""What changed between releases, for the semver check and dataset/CHANGELOG.md.

Rows are compared whole (on the columns both releases have): a row of the previous
release that is no longer there was removed or edited, a new row was added. That is
exactly the distinction semver needs (MINOR only adds). The changelog is rebuilt
from every release's manifest, so a release killed after its rename still gets its
entry on the next run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.release.files import read_manifest, read_table_files
from newsclaims.release.versions import released_versions

CHANGELOG = "CHANGELOG.md"


def read_release_tables(folder: Path) -> dict[str, pa.Table]:
    """Every table of a release, all splits together, each file checked against the
    manifest (`files.read_table_files`)."""
    manifest = read_manifest(folder)
    return {name: read_table_files(folder, manifest, name, tuple(info["files"]))
            for name, info in manifest["tables"].items()}


def row_hashes(table: pa.Table, columns: list[str]) -> npt.NDArray[np.uint64]:
    """One 64-bit hash per row over `columns` (lists joined, dictionaries decoded)."""
    plain = {}
    for name in columns:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        elif pa.types.is_list(column.type):
            column = pc.binary_join(column.cast(pa.list_(pa.string())), "\x1f")
        plain[name] = column
    if not columns or table.num_rows == 0:
        return np.zeros(table.num_rows, dtype=np.uint64)
    import pandas as pd  # ~0.25 CPU s to import; only a release after another compares rows

    frame = pa.table(plain).to_pandas()
    return np.asarray(pd.util.hash_pandas_object(frame, index=False), dtype=np.uint64)


def compare_tables(
    previous: dict[str, pa.Table] | None, current: dict[str, pa.Table]
) -> dict[str, Any]:
    """Rows added and removed per table, articles added/removed/changed/moved, and gold
    spans added/removed per label, against `previous` (None: the first release)."""
    empty_articles = {"added": 0, "removed": 0, "changed": 0}
    if previous is None:
        spans = current["spans"]
        labels = spans.column("label").cast(pa.string()).to_pylist()
        return {
            "previous": None, "added_rows": sum(t.num_rows for t in current.values()),
            "removed_rows": 0, "moved": 0,
            "articles": {**empty_articles, "added": current["articles"].num_rows},
            "spans": {label: {"added": labels.count(label), "removed": 0}
                      for label in sorted(set(labels))},
        }
    changes: dict[str, Any] = {"tables": {}, "added_columns": {}, "removed_columns": {}}
    touched: set[str] = set()
    span_rows: dict[str, tuple[pa.Table, pa.Table]] = {}
    for name in sorted(set(previous) | set(current)):
        old, new = previous.get(name), current.get(name)
        if old is None or new is None:
            changes["tables"][name] = {"added": new.num_rows if new is not None else 0,
                                       "removed": old.num_rows if old is not None else 0}
            continue
        common = [c for c in old.schema.names if c in new.schema.names]
        if set(new.schema.names) - set(common):
            changes["added_columns"][name] = sorted(set(new.schema.names) - set(common))
        if set(old.schema.names) - set(common):
            changes["removed_columns"][name] = sorted(set(old.schema.names) - set(common))
        old_h, new_h = row_hashes(old, common), row_hashes(new, common)
        removed = old.filter(pa.array(~np.isin(old_h, new_h)))
        added = new.filter(pa.array(~np.isin(new_h, old_h)))
        if not removed.num_rows and not added.num_rows and old.num_rows != new.num_rows:
            removed = old  # same rows, different multiplicity: treat as an edit
        changes["tables"][name] = {"added": added.num_rows, "removed": removed.num_rows}
        for part in (removed, added):
            if "article_id" in part.schema.names:
                touched.update(part.column("article_id").to_pylist())
        if name == "spans":
            span_rows[name] = (added, removed)
    changes["added_rows"] = sum(t["added"] for t in changes["tables"].values())
    changes["removed_rows"] = sum(t["removed"] for t in changes["tables"].values())

    old_split = _split_by_article(previous["articles"])
    new_split = _split_by_article(current["articles"])
    both = old_split.keys() & new_split.keys()
    changes["moved"] = sum(1 for a in both if old_split[a] != new_split[a])
    changes["articles"] = {
        "added": len(new_split.keys() - old_split.keys()),
        "removed": len(old_split.keys() - new_split.keys()),
        "changed": len(touched & both),
    }
    added, removed = span_rows.get("spans", (current["spans"].slice(0, 0),) * 2)
    changes["spans"] = _per_label(added, removed)
    return changes


def _split_by_article(articles: pa.Table) -> dict[str, str]:
    ids = articles.column("article_id").to_pylist()
    return dict(zip(ids, articles.column("split").cast(pa.string()).to_pylist(), strict=True))


def _per_label(added: pa.Table, removed: pa.Table) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key, part in (("added", added), ("removed", removed)):
        for label in part.column("label").cast(pa.string()).to_pylist():
            out.setdefault(label, {"added": 0, "removed": 0})[key] += 1
    return dict(sorted(out.items()))


def entry(manifest: dict[str, Any]) -> str:
    """The changelog section of one release, from its manifest."""
    changes = manifest["changes"]
    lines = [f"## {manifest['version']} — {manifest['created'][:10]}", ""]
    if manifest.get("notes"):
        lines += [manifest["notes"].strip(), ""]
    articles = changes["articles"]
    against = f"against {changes['previous']}" if changes["previous"] else "first release"
    lines.append(
        f"- Articles ({against}): {articles['added']} added, {articles['removed']} removed, "
        f"{articles['changed']} changed; {sum(manifest['articles'].values())} in total "
        f"({', '.join(f'{s} {n}' for s, n in manifest['articles'].items())})."
    )
    if changes.get("moved"):
        lines.append(f"- {changes['moved']} article(s) moved to another split.")
    if changes["spans"]:
        lines.append("- Gold spans per label: " + ", ".join(
            f"{label} +{c['added']}/−{c['removed']}" for label, c in changes["spans"].items()))
    else:
        lines.append("- Gold spans: no change.")
    for kind in ("added_columns", "removed_columns"):
        for table, columns in (changes.get(kind) or {}).items():
            lines.append(f"- {table}: columns {kind.split('_')[0]}: {', '.join(columns)}.")
    lines.append(f"- Source export sha256 `{manifest['source']['export']['sha256']}`.")
    return "\n".join(lines) + "\n"


def render_changelog(dataset_dir: str | Path) -> str:
    root = Path(dataset_dir)
    sections = ["# Changelog", "",
                "One entry per release of the newsclaims dataset, newest first, generated by "
                "`newsclaims release` from each release's manifest.json.", ""]
    for version in reversed(released_versions(root)):
        folder = root / version.folder
        try:
            sections.append(entry(read_manifest(folder)))
        except (KeyError, TypeError, AttributeError) as exc:
            raise NewsclaimsError(f"{folder / 'manifest.json'} lacks what the changelog needs "
                                  f"({exc!r}); the release was changed by hand") from None
    return "\n".join(sections)


def write_changelog(dataset_dir: str | Path) -> Path:
    path = Path(dataset_dir) / CHANGELOG
    atomic_write_text(path, render_changelog(dataset_dir))
    return path
