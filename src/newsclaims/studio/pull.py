"""`pull`: a snapshot export of a Label Studio project, kept byte for byte.

The plain export lists predictions by id only, so pull asks for a snapshot with full
predictions, writes it atomically under a new name (never overwriting) and records
its sha256, the server version and the label config's hash in a `.meta.json` sidecar.

The snapshot is streamed to disk and its tasks counted one at a time from there
(`core.jsonread.iter_array`): a pre-annotated project's export is large (20,000
tasks with their predictions: ~1 GB), and holding it parsed would take ~7 times that.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from newsclaims.core.atomic import atomic_open, atomic_write_text, remove_dead_temps
from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.jsonread import JSONInputError, iter_array
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.studio.client import (
    DEFAULT_PROJECT,
    Studio,
    call,
    connect,
    find_project,
    normalise_config,
    server_id,
)


@dataclass(frozen=True, slots=True)
class PullResult:
    path: Path
    meta_path: Path
    meta: dict[str, Any]
    cleaned: list[Path]  # temporary files an interrupted pull left in out_dir, removed


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "project"


def pull(
    out_dir: str | Path,
    *,
    project_title: str = DEFAULT_PROJECT,
    studio: Studio | None = None,
    scheme: Scheme | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PullResult:
    """Snapshot-export the project (native JSON, full predictions) into a new file in out_dir.

    The time is taken once, when the snapshot is asked for: the snapshot's title, the
    file's name and the sidecar's `exported_at` all carry it.
    """
    studio = studio or connect()
    scheme = scheme or load_scheme()
    project = find_project(studio, project_title)
    if project is None:
        raise NewsclaimsError(f"no project titled {project_title!r} at {studio.url}")
    details = call(
        "reading the project", studio.url, lambda: studio.client.projects.get(id=project.id)
    )
    when = now()
    snapshot_id = _snapshot(studio, project.id, when)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cleaned = remove_dead_temps(out)
    path = _new_export_path(out, slugify(project_title), when)
    with atomic_open(path, "w+b", overwrite=False) as fh:
        sha256, size = _download(studio, project.id, snapshot_id, fh)
        fh.seek(0)
        counts = export_counts(_tasks_of(fh, project.id))
    _delete_snapshot(studio, project.id, snapshot_id)
    config_sha, same_config = _config_fingerprint(details.label_config or "", scheme)
    meta = {
        "project_id": project.id,
        "project_title": project_title,
        "server_url": studio.url,
        "server_version": studio.version,
        "exported_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "export_file": path.name,
        "export_sha256": sha256,
        "export_bytes": size,
        **counts,
        "label_config_sha256": config_sha,
        "label_config_matches_local": same_config,
    }
    meta_path = path.with_name(path.name.removesuffix(".json") + ".meta.json")
    atomic_write_text(
        meta_path, orjson.dumps(meta, option=orjson.OPT_INDENT_2).decode() + "\n", overwrite=False
    )
    return PullResult(path, meta_path, meta, cleaned)


def export_counts(tasks: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Tasks, annotations and predictions, and how many different annotators submitted
    (not skipped) each task: the overlap a team actually produced, which the export
    alone records (the server's plan is not in it). `tasks_by_annotators` maps a count
    of annotators to a count of tasks. One walk, so the tasks can be a stream."""
    spread: Counter[int] = Counter()
    everyone: set[Any] = set()
    annotations = predictions = 0
    for task in tasks:
        annotations += len(task.get("annotations") or [])
        predictions += len(task.get("predictions") or [])
        annotators = {_user_id(a) for a in task.get("annotations") or []
                      if not a.get("was_cancelled")}
        spread[len(annotators)] += 1
        everyone |= annotators
    return {"task_count": spread.total(), "annotation_count": annotations,
            "prediction_count": predictions, "annotators": len(everyone),
            "tasks_by_annotators": {str(n): spread[n] for n in sorted(spread)}}


def _user_id(annotation: dict[str, Any]) -> Any:
    user = annotation.get("completed_by")
    return user.get("id") if isinstance(user, dict) else user


def _snapshot(studio: Studio, project_id: int, when: datetime) -> int:
    """Id of a finished export snapshot with full predictions (the plain export lists
    predictions by id only)."""
    from label_studio_sdk.types import SerializationOptionRequest, SerializationOptionsRequest

    snapshot = call(
        "creating the export snapshot",
        studio.url,
        lambda: studio.client.projects.exports.create(
            id=project_id,
            title=f"newsclaims pull {when:%Y-%m-%dT%H:%M:%SZ}",
            serialization_options=SerializationOptionsRequest(
                predictions=SerializationOptionRequest(only_id=False)
            ),
        ),
    )
    snapshot_id = server_id(snapshot, "the export snapshot")
    _wait_for_export(studio, project_id, snapshot_id)
    return snapshot_id


def _download(studio: Studio, project_id: int, snapshot_id: int,
              fh: IO[bytes]) -> tuple[str, int]:
    """Write the snapshot's bytes, as they are, to `fh`; their sha256 and size."""
    def stream() -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        for chunk in studio.client.projects.exports.download(
                id=project_id, export_pk=snapshot_id, export_type="JSON"):
            digest.update(chunk)
            size += len(chunk)
            fh.write(chunk)
        return digest.hexdigest(), size

    return call("downloading the export", studio.url, stream)


def _tasks_of(fh: IO[bytes], project_id: int) -> Iterator[dict[str, Any]]:
    """The tasks of the downloaded export, one at a time (it must be a JSON list of
    task objects; otherwise nothing is kept)."""
    wrong = f"Label Studio export of project {project_id} is not a JSON list of tasks"
    try:
        for _, task in iter_array(fh):
            if isinstance(task, JSONInputError):
                raise task
            if not isinstance(task, dict):
                raise NewsclaimsError(f"{wrong}: an item is not an object")
            yield task
    except JSONInputError as exc:
        raise NewsclaimsError(f"{wrong}: {exc.message}") from None


def _delete_snapshot(studio: Studio, project_id: int, snapshot_id: int) -> None:
    """Remove the snapshot once the export is safe on disk; one left on the server (the
    delete failed) is harmless."""
    with contextlib.suppress(NewsclaimsError):
        call(
            "deleting the snapshot",
            studio.url,
            lambda: studio.client.projects.exports.delete(id=project_id, export_pk=snapshot_id),
        )


def _config_fingerprint(server_config: str, scheme: Scheme) -> tuple[str, bool]:
    """sha256 of the project's label config, and whether it is the local one. The server
    drops the file's trailing newline; the same config records the file's sha256."""
    same_config = normalise_config(server_config) == normalise_config(scheme.config_xml)
    if same_config:
        return scheme.sha256, True
    return hashlib.sha256(server_config.encode("utf-8")).hexdigest(), False


def _wait_for_export(
    studio: Studio, project_id: int, export_id: int, timeout: float = 600.0
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        info = call(
            "waiting for the export",
            studio.url,
            lambda: studio.client.projects.exports.get(id=project_id, export_pk=export_id),
        )
        if info.status == "completed":
            return
        if info.status == "failed":
            raise NewsclaimsError(f"Label Studio export {export_id} of project {project_id} failed")
        if time.monotonic() > deadline:
            raise NewsclaimsError(f"Label Studio export {export_id} not ready after {timeout:.0f}s")
        time.sleep(1.0)


def _new_export_path(out: Path, slug: str, when: datetime) -> Path:
    """DIR/<slug>-<UTC timestamp>.json, with -2, -3... rather than ever overwriting."""
    stem = f"{slug}-{when:%Y%m%dT%H%M%SZ}"
    candidate, n = out / f"{stem}.json", 1
    while candidate.exists() or candidate.with_name(candidate.stem + ".meta.json").exists():
        n += 1
        candidate = out / f"{stem}-{n}.json"
    return candidate
