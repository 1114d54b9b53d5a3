"""`newsclaims release`: a native Label Studio export → dataset/vX.Y.Z/.

Order of work, and why:
1. refuse early what can never succeed (existing or older version, validation errors);
2. one streaming pass over the export validates it and builds every table
   (`build.build_tables`), with the pseudonym salt decided before it (a dataset's
   first release attempt stores a new salt file), so nothing is built twice;
3. compare with the latest release and refuse a version number that understates the
   change (semver as Croissant defines it);
4. write everything into a hidden temporary folder inside the dataset folder (tables
   sorted and split as they are written, `table_files.write_sorted_splits`), then rename
   it to vX.Y.Z: a killed release leaves no vX.Y.Z, and the next run removes
   the leftover. The changelog is rebuilt from the manifests afterwards.
Output is deterministic: rows are sorted, Parquet carries no wall-clock time, the
manifest's creation time is the export's newest annotation time, so the same export
and version rebuild byte-identical files.
The code of steps 3 and 4 (reading earlier releases, writing this one, with
pyarrow.parquet and pyarrow.compute) is imported where those steps begin: a refused
release never loads it, and the pass starts ~0.05 CPU s sooner.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsclaims.core.atomic import pid_alive, sha256_file
from newsclaims.core.collector import collector_paused
from newsclaims.core.errors import NewsclaimsError, Problem, Severity, has_errors
from newsclaims.core.schemas import describe, errors
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.validate import TaskChecker
from newsclaims.release.build import Built, build_tables
from newsclaims.release.salt import resolve_salt
from newsclaims.release.tables import SPLITS, table_specs
from newsclaims.release.versions import (
    SPLITS_FILE,
    Version,
    latest_version,
    parse_version,
    required_bump,
    split_rule,
    stray_versions,
)

TEMP_PREFIX = ".tmp-release-"
_BUMP_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}


@dataclass
class ReleaseResult:
    version: str
    path: Path | None  # the written release, None when refused
    problems: list[Problem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    cleaned: list[str] = field(default_factory=list)  # leftover temp folders removed

    @property
    def ok(self) -> bool:
        return self.path is not None


# No cyclic collection for the whole release (`core.collector`): it makes millions of
# short-lived objects, and a collector back on right after the pass walked what the pass
# left alive (~0.5 CPU s of a 20,000-task release, ~190 passes).
@collector_paused()
def release(
    export_path: str | Path,
    *,
    version: str,
    dataset_dir: str | Path = "dataset",
    notes: str | None = None,
    salt: str | None = None,
    created: str | None = None,
    scheme: Scheme | None = None,
) -> ReleaseResult:
    """Build dataset_dir/vX.Y.Z from a native Label Studio export, or say why not.

    Data problems (validation errors, an existing version, a version that breaks
    semver) come back in `ReleaseResult.problems` with `path` None; a command that
    cannot run (unreadable export) raises `NewsclaimsError`.
    """
    export_path = Path(export_path)
    root = Path(dataset_dir)
    wanted = parse_version(version)
    scheme = scheme or load_scheme()
    result = ReleaseResult(str(wanted), None)
    if not export_path.is_file():
        raise NewsclaimsError(f"cannot read export {export_path}: no such file")
    if root.exists() and not root.is_dir():
        raise NewsclaimsError(f"dataset folder {root} is a file, not a folder")
    with _file_system_errors(root):
        root.mkdir(parents=True, exist_ok=True)
        result.cleaned = clean_leftovers(root)
        result.problems.extend(_refusals(root, wanted))
        if result.problems:
            return result
        # The salt is decided before the pass (a new one goes into the salt file at once),
        # so the tables are built once, with the salt the file keeps, even when another
        # release creates the file at the same moment.
        rule = split_rule(root, create=False)
        built = _validated_build(export_path, root, salt=resolve_salt(root, salt),
                                 scheme=scheme, rule=rule, problems=result.problems)
        if built is None:
            return result
        changes, refusal = _changes_since_latest(root, wanted, built)
        if refusal:
            result.problems.append(refusal)
            return result
        result.path, result.manifest = _publish(
            root, wanted, built, export_path=export_path, scheme=scheme, rule=rule,
            changes=changes, notes=notes, created=created)
    return result


@contextlib.contextmanager
def _file_system_errors(root: Path) -> Iterator[None]:
    """A file system that refuses (read-only, full, a path that is a file) stops the
    release with one line; the temporary folder is already gone by then."""
    try:
        yield
    except OSError as exc:
        where = exc.filename if exc.filename is not None else root
        raise NewsclaimsError(f"cannot write the release in {root}: {where}: "
                              f"{exc.strerror or exc}") from None


def _validated_build(export_path: Path, root: Path, *, salt: str, scheme: Scheme,
                     rule: dict[str, Any], problems: list[Problem]) -> Built | None:
    """The one pass that validates and builds; None when it found errors (in
    `problems`: every validation problem, or, if validation passed, the build's)."""
    checker = TaskChecker(scheme, file=str(export_path))
    with _temporary_folder(root, "duckdb") as spill_dir:
        built = build_tables(export_path, salt=salt, scheme=scheme, rule=rule,
                             spill_dir=spill_dir, checker=checker)
    problems.extend(checker.report.problems)
    if has_errors(problems):
        return None
    problems.extend(built.problems)
    return None if has_errors(problems) else built


def _changes_since_latest(root: Path, wanted: Version,
                          built: Built) -> tuple[dict[str, Any], Problem | None]:
    """The changes against the latest release, and a refusal when `wanted` understates
    them."""
    from newsclaims.release.changelog import compare_tables, read_release_tables

    previous = latest_version(root)
    changes = compare_tables(
        read_release_tables(root / previous.folder) if previous else None, built.tables
    )
    changes["previous"] = str(previous) if previous else None
    refusal = _semver_refusal(wanted, previous, changes) if previous is not None else None
    return changes, refusal


def _publish(root: Path, wanted: Version, built: Built, *, export_path: Path, scheme: Scheme,
             rule: dict[str, Any], changes: dict[str, Any], notes: str | None,
             created: str | None) -> tuple[Path, dict[str, Any]]:
    """Write the release into a temporary folder, rename it to vX.Y.Z, rebuild the
    changelog; return the release folder and its manifest."""
    from newsclaims.release.changelog import write_changelog

    split_rule(root, create=True)
    make_readable(root / SPLITS_FILE)
    final = root / wanted.folder
    with _temporary_folder(root, wanted.folder) as tmp:
        manifest = write_release(
            tmp, built, version=wanted, created=_creation_time(created, built.newest),
            export_path=export_path, scheme=scheme, rule=rule, changes=changes, notes=notes,
        )
        try:
            os.rename(tmp, final)
        except OSError as exc:  # someone else released this version meanwhile
            raise NewsclaimsError(f"cannot move the release into {final}: {exc}") from exc
    make_readable(write_changelog(root))
    return final, manifest


def prefer_jemalloc() -> str:
    """Make jemalloc Arrow's allocator when this pyarrow has it and the user chose no
    pool (ARROW_DEFAULT_MEMORY_POOL); return the allocator in use.

    A release allocates and frees column buffers all through its pass; pyarrow's
    default (mimalloc) kept more of the freed memory: peak RSS of a 20,000-task release
    1.52 GB with mimalloc, 1.30 GB with jemalloc, the same time. Process-wide, so the
    CLI calls it, not `release()`.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        with contextlib.suppress(NotImplementedError):
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name


# --- refusals ----------------------------------------------------------------------------


def _refusals(root: Path, wanted: Version) -> list[Problem]:
    """What stops a release before its pass: the version, names that look like releases
    but are not, and a previous release whose files no longer match its manifest."""
    refusal = _version_refusal(root, wanted)
    if refusal:
        return [refusal]
    strays = stray_versions(root)
    if strays:
        return [Problem(Severity.ERROR, "version-folder-incomplete",
                        f"{', '.join(strays)} in {root} looks like a release but has no "
                        "manifest.json (a release is moved into place complete); remove or "
                        "restore it before releasing", file=str(root / strays[0]))]
    previous = latest_version(root)
    if previous is None:
        return []
    from newsclaims.release.files import read_manifest
    from newsclaims.release.verify import verify

    read_manifest(root / previous.folder)  # not JSON: one line, exit 2 (cannot compare)
    damaged = verify(root / previous.folder)
    if not damaged:
        return []
    return [Problem(Severity.ERROR, "previous-release-damaged",
                    f"{previous} does not match its manifest.json; a release is never compared "
                    "against changed files (restore it, e.g. from version control)",
                    file=str(root / previous.folder)), *damaged]


def _version_refusal(root: Path, wanted: Version) -> Problem | None:
    if (root / wanted.folder).exists():
        return Problem(Severity.ERROR, "version-exists",
                       f"{root / wanted.folder} exists; a release is never overwritten")
    latest = latest_version(root)
    if latest is not None and wanted <= latest:
        return Problem(Severity.ERROR, "version-not-newer",
                       f"{wanted} is not newer than the latest release {latest}")
    return None


def _semver_refusal(wanted: Version, previous: Version, changes: dict[str, Any]) -> Problem | None:
    needed = required_bump(changes)
    bump = wanted.bump_from(previous)
    if _BUMP_RANK[bump] >= _BUMP_RANK[needed]:
        return None
    why = []
    if changes.get("moved"):
        why.append(f"{changes['moved']} article(s) move to another split")
    if changes.get("removed_rows"):
        why.append(f"{changes['removed_rows']} row(s) removed or edited")
    if changes.get("removed_columns"):
        why.append(f"columns removed: {changes['removed_columns']}")
    if changes.get("added_rows"):
        why.append(f"{changes['added_rows']} row(s) added")
    if changes.get("added_columns"):
        why.append(f"columns added: {changes['added_columns']}")
    suggestion = {
        "major": Version(previous.major + 1, 0, 0),
        "minor": Version(previous.major, previous.minor + 1, 0),
    }[needed]
    return Problem(
        Severity.ERROR, "semver-bump",
        f"{wanted} is a {bump.upper()} release after {previous}, but against {previous} "
        f"{'; '.join(why)}: that needs a {needed.upper()} release (e.g. {suggestion})",
    )


# --- writing -----------------------------------------------------------------------------


def write_release(
    folder: Path, built: Built, *, version: Version, created: str, export_path: Path,
    scheme: Scheme, rule: dict[str, Any], changes: dict[str, Any], notes: str | None,
) -> dict[str, Any]:
    """Write every file of a release into `folder`; return the manifest. Each table is
    dropped from `built` once written, so memory shrinks as the files appear."""
    from newsclaims import __version__
    from newsclaims.release.card import write_card, write_charts
    from newsclaims.release.croissant import write_croissant
    from newsclaims.release.manifest import build_manifest, file_entry, table_summary, tally
    from newsclaims.release.table_files import write_sorted_splits

    files: list[dict[str, Any]] = []
    table_files: dict[str, dict[str, str]] = {}
    specs = table_specs()
    counts = tally(built.tables, scheme)
    summary = table_summary(built.tables)
    for name in list(built.tables):
        table = built.tables.pop(name)
        relatives = {split: f"{name}/{split}.parquet" for split in SPLITS}
        rows = write_sorted_splits(table, specs[name],
                                   {split: folder / rel for split, rel in relatives.items()})
        del table
        pa.default_memory_pool().release_unused()
        table_files[name] = relatives
        files.extend(file_entry(folder, rel, rows=rows[split], table=name, split=split)
                     for split, rel in relatives.items())
    (folder / "label_config.xml").write_text(scheme.config_xml, encoding="utf-8")
    files.append(file_entry(folder, "label_config.xml"))
    for relative in write_charts(folder, counts, scheme):
        files.append(file_entry(folder, relative))
    manifest = build_manifest(
        version=version, created=created, generator=__version__, export_path=export_path,
        export_sha256=sha256_file(export_path), scheme=scheme, rule=rule, built=built,
        summary=summary, counts=counts, table_files=table_files, changes=changes, notes=notes,
        files=files,
    )
    write_card(folder, manifest, scheme)
    files.append(file_entry(folder, "README.md"))
    write_croissant(folder, manifest)
    files.append(file_entry(folder, "croissant.json"))
    manifest["files"] = files
    problems = [describe(e) for e in errors("manifest", manifest)]
    if problems:
        raise NewsclaimsError("manifest does not match schemas/manifest.schema.json: "
                              + "; ".join(problems[:5]))
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _creation_time(explicit: str | None, newest: str | None) -> str:
    """ISO 8601 UTC creation time: explicit, else the export's newest annotation time
    (deterministic: rebuilding the same export gives the same manifest)."""
    value = explicit or newest
    if value is None:
        return "1970-01-01T00:00:00Z"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise NewsclaimsError(f"creation time {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def _temporary_folder(root: Path, purpose: str) -> Iterator[Path]:
    """A hidden folder in `root` (same file system, so the final rename is atomic),
    removed when the block ends unless it was renamed; named with the process id so
    that `clean_leftovers` removes it once this process is gone. `purpose` is the
    version folder being written, or "duckdb" for DuckDB's spill space."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{purpose}-{os.getpid()}-", dir=root))
    make_readable(tmp, directory=True)  # mkdtemp makes it private; a release is not
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def make_readable(path: Path, *, directory: bool = False) -> None:
    """Permissions as a plain file/folder would get under the user's umask."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if directory else 0o666) & ~umask)


def clean_leftovers(root: Path) -> list[str]:
    """Remove temporary folders of releases that died (their process is gone)."""
    removed = []
    for child in sorted(root.glob(f"{TEMP_PREFIX}*")):
        try:
            pid = int(child.name[len(TEMP_PREFIX):].split("-")[1])
        except (IndexError, ValueError):
            pid = None
        if pid is not None and pid != os.getpid() and pid_alive(pid):
            continue  # another release is writing right now
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child.name)
    return removed
