"""Copy Label Studio's rows from its SQLite file into a PostgreSQL database, ids kept.

Runs inside Label Studio's own environment, never imported by newsclaims:
    <state>/venv/bin/python labelstudio_move.py SQLITE_FILE DUMP_FILE
with the target named by the environment as Label Studio reads it (DJANGO_DB=default,
POSTGRE_*). Django's own dumpdata/loaddata, through Label Studio's settings and models:

1. the target is migrated if it is not (the source must already be up to date);
2. a target that holds any user or project is refused (nothing is merged);
3. every row of the source is dumped (content types by natural key), except what the
   target's migrations make themselves (content types, permissions, the record of
   async migrations) and the job queue's unmanaged models;
4. the rows are loaded as they are, ids included, with Django's signals muted: Label
   Studio's receivers would otherwise add a second API token per user and count every
   task and annotation twice in the project summaries; loaddata resets the sequences;
5. the rows of every model are counted in both databases.

Prints one line `NEWSCLAIMS-RESULT {json}`: {"counts": {model: [source, target]}} or
{"refused": reason}.
"""

import json
import os
import sys

import label_studio

sys.path.insert(0, os.path.dirname(label_studio.__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.label_studio")

from django.conf import settings

SOURCE_FILE, DUMP_FILE = sys.argv[1], sys.argv[2]
settings.DATABASES["source"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": SOURCE_FILE}

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.models import Model, signals  # noqa: E402

SKIP = ("contenttypes", "auth.permission", "core.asyncmigrationstatus", "django_rq")


def result(**fields: object) -> None:
    print("NEWSCLAIMS-RESULT " + json.dumps(fields), flush=True)


def behind(alias: str) -> bool:
    executor = MigrationExecutor(connections[alias])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def skipped(model: type[Model]) -> bool:
    meta = model._meta
    return (not meta.managed or meta.proxy or meta.app_label in SKIP
            or meta.label_lower in SKIP)


def counts(alias: str) -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.using(alias).count()
            for m in apps.get_models() if not skipped(m)}


def main() -> None:
    if behind("source"):
        result(refused="the SQLite database is behind this Label Studio: start the server "
                       "on it once (newsclaims studio start --sqlite), stop it, move again")
        return
    if behind("default"):
        call_command("migrate", database="default", verbosity=0)
    users = apps.get_model("users", "User")._default_manager.using("default").count()
    projects = apps.get_model("projects", "Project")._default_manager.using("default").count()
    if users or projects:
        result(refused=f"the target database already holds {users} users and {projects} "
                       "projects; move into an empty database")
        return
    installed = {a.label for a in apps.get_app_configs()}
    exclude = [s for s in SKIP if s.split(".")[0] in installed]
    call_command("dumpdata", natural_foreign=True, exclude=exclude, database="source",
                 output=DUMP_FILE, verbosity=0)
    for signal in (signals.pre_save, signals.post_save, signals.m2m_changed,
                   signals.pre_delete, signals.post_delete):
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    call_command("loaddata", DUMP_FILE, database="default", verbosity=0)
    before, after = counts("source"), counts("default")
    result(counts={label: [before[label], after[label]] for label in sorted(before)
                   if before[label] or after[label]})


main()
