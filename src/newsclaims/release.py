"""`newsclaims release`: a native Label Studio export → dataset/vX.Y.Z/.

Order of work, and why:
1. refuse early what can never succeed (existing or older version, validation errors);
2. one streaming pass over the export (`export.iter_tasks`): convert each task, pick
   its gold (`gold.choose_gold`), and append rows column-wise to Arrow builders, so
   memory holds compact Arrow columns, never the parsed export;
3. compare with the latest release and refuse a version number that understates the
   change (semver as Croissant defines it);
4. write everything into a hidden temporary folder inside the dataset folder, then
   rename it to vX.Y.Z: a killed release leaves no vX.Y.Z, and the next run removes
   the leftover. The changelog is rebuilt from the manifests afterwards.
Output is deterministic: rows are sorted, Parquet carries no wall-clock time, the
manifest's creation time is the export's newest annotation time, so the same export
and version rebuild byte-identical files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import queue
import secrets
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsclaims import __version__
from newsclaims.atomic import sha256_file
from newsclaims.changelog import compare_tables, read_release_tables, write_changelog
from newsclaims.convert import claims_from, convert, parse_result
from newsclaims.errors import NewsclaimsError, Problem, Severity, has_errors
from newsclaims.export import iter_tasks
from newsclaims.gold import choose_gold
from newsclaims.schemas import describe, errors
from newsclaims.scheme import Scheme, load_scheme
from newsclaims.tables import SPLITS, TableBuilder, table_specs
from newsclaims.tokens import Sentence, entity_layer, sentences
from newsclaims.validate import TaskChecker
from newsclaims.versions import (
    SPLITS_FILE,
    Version,
    latest_version,
    parse_version,
    required_bump,
    split_of,
    split_rule,
)

SALT_ENV = "NEWSCLAIMS_ANNOTATOR_SALT"
SALT_FILE = ".annotator-salt"
TEMP_PREFIX = ".tmp-release-"
ROW_GROUP_ROWS = 131_072
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


@dataclass
class Built:
    """Everything one pass over the export produced."""

    tables: dict[str, pa.Table]
    problems: list[Problem]
    annotators: int
    gold_policy: dict[str, int]
    newest: str | None
    agreement: dict[str, Any] | None


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
    root.mkdir(parents=True, exist_ok=True)
    result.cleaned = clean_leftovers(root)

    refusal = _version_refusal(root, wanted)
    if refusal:
        result.problems.append(refusal)
        return result
    # One pass validates and builds; nothing is written (not even a new salt file)
    # unless validation passes.
    rule = split_rule(root, create=False)
    stored_salt = resolve_salt(root, salt, create=False)
    build_salt = stored_salt or secrets.token_hex(32)
    checker = TaskChecker(scheme, file=str(export_path))
    built = build_tables(export_path, salt=build_salt, scheme=scheme, rule=rule, checker=checker)
    result.problems.extend(checker.report.problems)
    if has_errors(result.problems):
        return result
    if stored_salt is None and _store_salt(root, build_salt) != build_salt:
        # Another release created the salt file meanwhile: its salt is the one to use.
        built = build_tables(export_path, salt=resolve_salt(root, salt), scheme=scheme,
                             rule=rule)
    result.problems.extend(built.problems)
    if has_errors(result.problems):
        return result

    previous = latest_version(root)
    changes = compare_tables(
        read_release_tables(root / previous.folder) if previous else None, built.tables
    )
    changes["previous"] = str(previous) if previous else None
    if previous is not None:
        refusal = _semver_refusal(wanted, previous, changes)
        if refusal:
            result.problems.append(refusal)
            return result

    split_rule(root, create=True)
    make_readable(root / SPLITS_FILE)
    created_at = _creation_time(created, built.newest)
    final = root / wanted.folder
    with _temporary_folder(root, wanted) as tmp:
        manifest = write_release(
            tmp, built, version=wanted, created=created_at, export_path=export_path,
            scheme=scheme, rule=rule, changes=changes, notes=notes,
        )
        try:
            os.rename(tmp, final)
        except OSError as exc:  # someone else released this version meanwhile
            raise NewsclaimsError(f"cannot move the release into {final}: {exc}") from exc
    make_readable(write_changelog(root))
    result.path = final
    result.manifest = manifest
    return result


# --- refusals ----------------------------------------------------------------------------


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


# --- building ----------------------------------------------------------------------------


def resolve_salt(root: Path, salt: str | None, *, create: bool = True) -> str | None:
    """The pseudonym salt: given, else $NEWSCLAIMS_ANNOTATOR_SALT, else the dataset's
    salt file (created 0600 on first use and kept, so pseudonyms stay stable).
    With `create=False`, None when the salt file does not exist yet."""
    if salt:
        return salt
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    path = root / SALT_FILE
    if not path.exists():
        if not create:
            return None
        return _store_salt(root, secrets.token_hex(32))
    return _read_salt(path)


def _store_salt(root: Path, value: str) -> str:
    """Create the salt file holding `value` unless it exists; return the file's salt."""
    path = root / SALT_FILE
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
    return _read_salt(path)


def _read_salt(path: Path) -> str:
    value = path.read_text("utf-8").strip()
    if not value:
        raise NewsclaimsError(f"{path} is empty; delete it or set {SALT_ENV}")
    return value


def build_tables(
    export_path: Path, *, salt: str, scheme: Scheme, rule: dict[str, Any],
    checker: TaskChecker | None = None,
) -> Built:
    """One streaming pass: every table as a sorted Arrow table, plus the tallies.

    With a `checker`, each task is validated in the same pass; after the first
    validation error nothing more is built (the release will be refused, and the
    builders only ever see tasks that validated).
    """
    builders = {name: TableBuilder(spec) for name, spec in table_specs().items()}
    problems: list[Problem] = []
    annotators: set[str] = set()
    policies: Counter[str] = Counter()
    seen: dict[str, Any] = {}
    newest: str | None = None
    entities = entity_layer(scheme)
    with _gc_paused(), _agreement_feed(scheme) as feed:
        invalid = False
        for task in iter_tasks(export_path):
            if checker is not None and has_errors(checker.check(task)):
                invalid = True
            if invalid:
                continue
            records = convert([task], salt=salt, scheme=scheme)
            # Validation already reported the rest (e.g. cancelled annotations).
            problems.extend(p for p in records.problems if p.severity is Severity.ERROR)
            if not records.articles:
                continue
            article = records.articles[0]
            aid = article["article_id"]
            if aid in seen:
                problems.append(Problem(
                    Severity.ERROR, "article-duplicate",
                    f"article also in task {seen[aid]}; an article is released once",
                    task_id=task.get("id"), article_id=aid))
                continue
            seen[aid] = task.get("id")
            feed(task)
            split = split_of(aid, rule)
            choice = choose_gold(task, scheme, copy_result=False)
            policies[choice.policy] += 1
            gold_ids = set(choice.annotation_ids)
            for row in records.annotations:
                annotators.add(row["annotator"])
                newest = max(filter(None, (newest, row["updated_at"], row["created_at"])),
                             default=None)
                builders["annotations"].append(
                    row, is_gold=row["annotation_id"] in gold_ids, split=split)
            builders["annotation_spans"].extend(records.spans, split=split)
            spans, relations, claims = _gold_rows(task, choice, records, article["text"],
                                                  scheme, problems)
            builders["spans"].extend(spans, article_id=aid, split=split)
            builders["relations"].extend(relations, article_id=aid, split=split)
            builders["claims"].extend(claims, article_id=aid, split=split)
            _add_sentences(builders["entities"], article["text"],
                           [s for s in spans if s["layer"] == entities], aid, split,
                           task.get("id"), problems)
            builders["articles"].append(
                article, split=split, gold_policy=choice.policy,
                needs_adjudication=choice.needs_adjudication,
                gold_annotation_ids=sorted(gold_ids, key=str),
                n_annotations=len(records.annotations))
    # Each builder goes as soon as its table exists, so its unsorted batches do not
    # sit beside every sorted table.
    tables = {name: builders.pop(name).table() for name in list(builders)}
    return Built(tables, problems, len(annotators - {None}), dict(sorted(policies.items())),
                 newest, feed.summary)


def _gold_rows(task: dict[str, Any], choice: Any, records: Any, text: str, scheme: Scheme,
               problems: list[Problem]) -> tuple[list, list, list]:
    """The gold view's spans, relations and claims; reuses the converted rows when the
    gold is one annotation, parses the merged result otherwise."""
    if choice.policy != "majority" and len(choice.annotation_ids) == 1:
        (gold_id,) = choice.annotation_ids
        return tuple(  # type: ignore[return-value]
            [row for row in rows if row["annotation_id"] == gold_id]
            for rows in (records.spans, records.relations, records.claims)
        )
    parsed = parse_result(choice.result, text, scheme=scheme)
    problems.extend(
        dataclasses.replace(p, task_id=task.get("id"), article_id=records.articles[0]["article_id"])
        for p in parsed.problems
    )
    return parsed.spans, parsed.relations, claims_from(parsed.spans, parsed.relations)


def _add_sentences(builder: TableBuilder, text: str, spans: list[dict[str, Any]], aid: str,
                   split: str, task_id: Any, problems: list[Problem]) -> None:
    tagged, left_out = sentences(text, spans)
    # Not dataclasses.asdict: it deep-copies every token list.
    fields = ("sentence", *Sentence.__slots__)
    builder.extend([dict(zip(fields, (number, *(getattr(sentence, name)
                                                for name in Sentence.__slots__)), strict=True))
                    for number, sentence in enumerate(tagged)],
                   article_id=aid, split=split)
    for span in left_out:
        problems.append(Problem(
            Severity.WARNING, "entity-not-in-bio",
            f"{span['label']} {span['start']}..{span['end']} overlaps another entity; "
            "left out of the token-level entities table (still in spans)",
            task_id=task_id, article_id=aid, region_id=span.get("region_id")))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during the pass: it allocates millions of
    short-lived objects and almost no cycles (69 objects collected on 2,000 tasks), so
    the collector's sweeps were ~10% of a release. It runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _AgreementFeed:
    """Hands tasks to newsclaims.agreement on a worker thread, so agreement figures
    come from the same single pass over the export (bounded queue, bounded memory)."""

    def __init__(self, scheme: Scheme) -> None:
        from newsclaims.agreement import agreement_summary

        self._queue: queue.Queue[Any] = queue.Queue(maxsize=64)
        self.summary: dict[str, Any] | None = None
        self._error: BaseException | None = None

        def tasks() -> Iterator[dict[str, Any]]:
            while (item := self._queue.get()) is not None:
                yield item

        def run() -> None:
            try:
                self.summary = agreement_summary(tasks(), scheme)
            except BaseException as exc:  # reported after the pass
                self._error = exc
                while self._queue.get() is not None:
                    pass

        self._thread = threading.Thread(target=run, name="agreement", daemon=True)
        self._thread.start()

    def __call__(self, task: dict[str, Any]) -> None:
        if len([a for a in task.get("annotations") or [] if not a.get("was_cancelled")]) >= 2:
            self._queue.put(task)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise NewsclaimsError(f"agreement figures failed: {self._error}") from self._error


@contextlib.contextmanager
def _agreement_feed(scheme: Scheme) -> Iterator[_AgreementFeed]:
    feed = _AgreementFeed(scheme)
    try:
        yield feed
    finally:
        feed.close()


# --- writing -----------------------------------------------------------------------------


def write_release(
    folder: Path, built: Built, *, version: Version, created: str, export_path: Path,
    scheme: Scheme, rule: dict[str, Any], changes: dict[str, Any], notes: str | None,
) -> dict[str, Any]:
    """Write every file of a release into `folder`; return the manifest."""
    from newsclaims.card import write_card, write_charts
    from newsclaims.croissant import write_croissant
    from newsclaims.manifest import build_manifest, file_entry, tally

    files: list[dict[str, Any]] = []
    table_files: dict[str, dict[str, str]] = {}
    for name, table in built.tables.items():
        table_files[name] = {}
        for split, part in split_parts(table).items():
            relative = f"{name}/{split}.parquet"
            write_parquet(part, folder / relative)
            table_files[name][split] = relative
            files.append(file_entry(folder, relative, rows=part.num_rows, table=name,
                                    split=split))
    (folder / "label_config.xml").write_text(scheme.config_xml, encoding="utf-8")
    files.append(file_entry(folder, "label_config.xml"))
    counts = tally(built.tables, scheme)
    for relative in write_charts(folder, counts, scheme):
        files.append(file_entry(folder, relative))
    manifest = build_manifest(
        version=version, created=created, generator=__version__, export_path=export_path,
        export_sha256=sha256_file(export_path), scheme=scheme, rule=rule, built=built,
        counts=counts, table_files=table_files, changes=changes, notes=notes, files=files,
    )
    write_card(folder, manifest, built.tables, scheme)
    files.append(file_entry(folder, "README.md"))
    write_croissant(folder, manifest, built.tables)
    files.append(file_entry(folder, "croissant.json"))
    manifest["files"] = files
    problems = [describe(e) for e in errors("manifest", manifest)]
    if problems:
        raise NewsclaimsError("manifest does not match schemas/manifest.schema.json: "
                              + "; ".join(problems[:5]))
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def split_parts(table: pa.Table) -> dict[str, pa.Table]:
    splits = table.column("split").cast(pa.string())
    return {split: table.filter(pc.equal(splits, split)) for split in SPLITS}


def write_parquet(table: pa.Table, path: Path) -> None:
    """zstd, dictionary pages, statistics; no timestamps, so bytes depend on data only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, table.schema, compression="zstd", use_dictionary=True,
                          write_statistics=True) as writer:
        for batch in table.to_batches(max_chunksize=ROW_GROUP_ROWS):
            writer.write_table(pa.Table.from_batches([batch], schema=table.schema),
                               row_group_size=ROW_GROUP_ROWS)


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
def _temporary_folder(root: Path, version: Version) -> Iterator[Path]:
    """A hidden folder in `root` (same file system, so the final rename is atomic),
    removed if anything fails before the rename."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{version.folder}-{os.getpid()}-",
                                dir=root))
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
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue  # another release is writing right now
        shutil.rmtree(child, ignore_errors=True)
        removed.append(child.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
