"""Move a SQLite Label Studio to PostgreSQL: every row, with its id, as it is.

Label Studio 1.23.2 offers two ways: its export/import API, or Django's
dumpdata/loaddata. The API gives every task, annotation and prediction a new id and
keeps an annotator only when the import names one that exists; dumpdata/loaddata copies
the rows themselves, so ids, annotators (`completed_by`), their logins and API tokens,
projects and their settings all stay what they were. That is what is done here, with
Label Studio's own models in its own environment (studio/labelstudio_move.py).

What is not carried: rows the target's migrations make (content types, permissions,
the record of async migrations) and the job queue's unmanaged tables. Files stay where
they are: uploads and export files live in the data folder, which the server keeps
using. The SQLite file is left untouched (no longer used once the move succeeded).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio import cluster
from newsclaims.studio.apps import FIRST_START
from newsclaims.studio.database import PRIVATE, DatabaseChoice, save_choice
from newsclaims.studio.paths import StudioPaths, private_umask, secure_state
from newsclaims.studio.redact import redact_url
from newsclaims.studio.server import (
    database_env,
    database_status,
    load_credentials,
    server_env,
    status,
)

_MOVER = Path(__file__).with_name("labelstudio_move.py")
_RESULT = "NEWSCLAIMS-RESULT "
# What the CLI names in its summary (Django's model labels).
SUMMARY = {"tasks.task": "tasks", "tasks.annotation": "annotations",
           "tasks.prediction": "predictions", "users.user": "users",
           "projects.project": "projects"}


@dataclass(frozen=True, slots=True)
class MoveReport:
    counts: dict[str, tuple[int, int]]  # model label -> (rows in SQLite, rows in PostgreSQL)
    database: str  # where the rows went (never a password)


def move_to_postgres(
    paths: StudioPaths, choice: DatabaseChoice, progress: Callable[[str], None] | None = None
) -> MoveReport:
    """Copy the stopped SQLite server's rows into an empty PostgreSQL database, check
    every model's row count, and make PostgreSQL the state's database."""
    say = progress or (lambda _line: None)
    if not choice.postgres:
        raise NewsclaimsError("the move goes to PostgreSQL: --postgres or --database URL")
    if any(p.up for p in status(paths).processes):
        raise NewsclaimsError("Label Studio is running: `newsclaims studio stop` it first, "
                              "so that nothing is written during the move")
    creds = load_credentials(paths)
    if not paths.sqlite.is_file() or creds is None:
        raise NewsclaimsError(f"no SQLite Label Studio to move in {paths.base}")
    if not paths.python.is_file():
        raise NewsclaimsError(f"Label Studio is not installed in {paths.venv}")
    dump = paths.data / "move-to-postgres.json"
    with private_umask():
        user = cluster.cluster_user() if choice.kind == PRIVATE else None
        secure_state(paths, cluster_gid=user.gid if user else None)
        env = {**server_env(paths, creds), **database_env(paths, choice, say)}
        say("copying the rows (about a minute; when the target database is empty, its "
            f"tables are created first: {FIRST_START})")
        try:
            done = subprocess.run(
                [str(paths.python), str(_MOVER), str(paths.sqlite), str(dump)], env=env,
                cwd=paths.base, capture_output=True, text=True, check=False, timeout=3600,
            )
        finally:
            dump.unlink(missing_ok=True)
    found = _result(done)
    if "refused" in found:
        raise NewsclaimsError(str(found["refused"]))
    counts = {label: (int(pair[0]), int(pair[1])) for label, pair in found["counts"].items()}
    unequal = {label: pair for label, pair in counts.items() if pair[0] != pair[1]}
    if unequal:
        raise NewsclaimsError(f"row counts differ after the move (SQLite, PostgreSQL): {unequal}")
    save_choice(paths, choice)
    return MoveReport(counts, database_status(paths, choice)[0])


def _result(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_RESULT):
            return json.loads(line[len(_RESULT):])
    tail = [line for line in done.stderr.strip().splitlines() if line.strip()][-1:]
    raise NewsclaimsError(
        f"the move failed (exit {done.returncode}): {redact_url(tail[0]) if tail else ''}"
    )
