"""Which database the local Label Studio runs on, and how to reach a PostgreSQL one.

Three choices, kept in `<state>/database.json` so a later `studio start` (or
`scripts/run`) finds the same data:

- `sqlite` (the default): `data/label_studio.sqlite3`, nothing to run;
- `postgres-private`: a cluster of our own under `<state>/postgres/` (studio/cluster.py);
- `postgresql`: a server of yours, `postgresql://USER@HOST:PORT/NAME`.

A database password never travels on a command line (`ps` shows every process's
arguments to every user): a URL holding one is refused. It comes from a pgpass-format
file (mode 0600: `--password-file`, else $PGPASSFILE or ~/.pgpass, libpq's own rules)
or from $PGPASSWORD, and reaches Label Studio through its environment, which only its
owner can read. The file's path is recorded, the password is not.

SQL is run by Label Studio's own environment (it ships psycopg), so newsclaims needs no
PostgreSQL driver and no `psql` on PATH.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio.paths import StudioPaths
from newsclaims.studio.redact import redact_url

SQLITE = "sqlite"
PRIVATE = "postgres-private"
EXTERNAL = "postgresql"
URL_SHAPE = "postgresql://USER@HOST:PORT/NAME"


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    """One PostgreSQL database and the login for it (the password never in repr)."""

    user: str
    host: str
    port: int
    name: str
    password: str = field(default="", repr=False)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{quote(self.user)}@{host}:{self.port}/{quote(self.name)}"

    def on(self, name: str) -> PostgresTarget:
        """The same server and login, another database."""
        return replace(self, name=name)

    def django_env(self) -> dict[str, str]:
        """What Label Studio's settings read (core/settings/base.py: DJANGO_DB, POSTGRE_*)."""
        return {
            "DJANGO_DB": "default",
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }

    def libpq_env(self) -> dict[str, str]:
        env = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
               "PGDATABASE": self.name}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


@dataclass(frozen=True, slots=True)
class DatabaseChoice:
    kind: str  # SQLITE, PRIVATE or EXTERNAL
    url: str | None = None  # EXTERNAL only; never holds a password
    password_file: Path | None = None  # EXTERNAL only: a pgpass-format file

    @classmethod
    def external(cls, url: str, password_file: str | Path | None = None) -> DatabaseChoice:
        parse_database_url(url)  # refuse a bad URL (or one with a password) now
        pw_file = Path(password_file).expanduser().absolute() if password_file else None
        return cls(EXTERNAL, url, pw_file)

    @property
    def postgres(self) -> bool:
        return self.kind != SQLITE

    def to_json(self) -> dict[str, str]:
        out = {"kind": self.kind}
        if self.url:
            out["url"] = self.url
        if self.password_file:
            out["password_file"] = str(self.password_file)
        return out

    @classmethod
    def from_json(cls, raw: object) -> DatabaseChoice | None:
        if not isinstance(raw, dict) or raw.get("kind") not in (SQLITE, PRIVATE, EXTERNAL):
            return None
        if raw["kind"] == EXTERNAL:
            return cls.external(str(raw.get("url")), raw.get("password_file"))
        return cls(raw["kind"])


SQLITE_CHOICE = DatabaseChoice(SQLITE)
PRIVATE_CHOICE = DatabaseChoice(PRIVATE)


def load_choice(paths: StudioPaths) -> DatabaseChoice | None:
    try:
        raw = json.loads(paths.database_choice.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return DatabaseChoice.from_json(raw)


def save_choice(paths: StudioPaths, choice: DatabaseChoice) -> None:
    atomic_write_text(paths.database_choice, json.dumps(choice.to_json()) + "\n")


def parse_database_url(url: str) -> PostgresTarget:
    """`postgresql://USER@HOST:PORT/NAME` -> a target without password; anything else,
    and a URL that holds a password, is refused (the message never shows it)."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError:
        raise NewsclaimsError(f"not a database URL: {shown} (expected {URL_SHAPE})") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise NewsclaimsError(f"not a PostgreSQL URL: {shown} (expected {URL_SHAPE})")
    if parts.password is not None:
        raise NewsclaimsError(
            f"{shown}: a password in the URL would show in `ps` and in shell history; "
            "give it through PGPASSWORD or a pgpass file (mode 0600: --password-file, "
            "PGPASSFILE or ~/.pgpass)"
        )
    user, name = unquote(parts.username or ""), unquote(parts.path.lstrip("/"))
    if not (user and parts.hostname and name):
        raise NewsclaimsError(f"{shown} lacks a user, host or database name ({URL_SHAPE})")
    if parts.query or parts.fragment:
        raise NewsclaimsError(
            f"{shown}: options in the URL are not passed on; set PGSSLMODE etc. instead"
        )
    return PostgresTarget(user, parts.hostname, port, name)


def with_password(
    target: PostgresTarget, password_file: Path | None = None, environ: dict[str, str] | None = None
) -> PostgresTarget:
    """The target with its password: from `password_file`, else $PGPASSWORD, else
    $PGPASSFILE or ~/.pgpass (libpq's order). None found: no password (trust or a
    server that needs none); the connection check then says what the server wants."""
    env = os.environ if environ is None else environ
    if password_file is not None:
        found = read_pgpass(password_file, target)
        if found is None:
            raise NewsclaimsError(f"{password_file} has no line for {target.url}")
        return replace(target, password=found)
    if env.get("PGPASSWORD"):
        return replace(target, password=env["PGPASSWORD"])
    default = Path(env.get("PGPASSFILE") or Path.home() / ".pgpass")
    found = read_pgpass(default, target) if default.is_file() else None
    return replace(target, password=found or "")


def read_pgpass(path: Path, target: PostgresTarget) -> str | None:
    """The password of the first line of a pgpass file that matches `target`
    (`host:port:database:user:password`, `*` matches anything, `\\:` is a colon).
    Like libpq, a file others can read is not used: here that is an error."""
    try:
        mode = path.stat().st_mode
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise NewsclaimsError(f"cannot read the password file {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise NewsclaimsError(
            f"{path} can be read by other users (mode {mode & 0o777:o}): chmod 600 it"
        )
    wanted = (target.host, str(target.port), target.name, target.user)
    for line in lines:
        fields = _pgpass_fields(line)
        if len(fields) == 5 and all(f in ("*", w) for f, w in zip(fields, wanted, strict=False)):
            return fields[4]
    return None


def _pgpass_fields(line: str) -> list[str]:
    if not line.strip() or line.lstrip().startswith("#"):
        return []
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":" and len(fields) < 4:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*fields, "".join(current)]


def pgpass_line(target: PostgresTarget) -> str:
    """A pgpass line for `target`'s user on its host, any port and database."""
    def esc(value: str) -> str:
        return value.replace("\\", "\\\\").replace(":", "\\:")

    return f"{esc(target.host)}:*:*:{esc(target.user)}:{esc(target.password)}\n"


# Runs in Label Studio's environment: statements (JSON list) on stdin, rows (JSON) out;
# a database error is its first line on stderr and exit 3 (libpq reads the PG* env).
_SQL_RUNNER = """
import json, sys
import psycopg
try:
    with psycopg.connect(autocommit=True, connect_timeout=10) as conn:
        rows = []
        for sql in json.load(sys.stdin):
            cur = conn.execute(sql)
            rows.append(cur.fetchall() if cur.description else [])
except psycopg.Error as exc:
    print(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
          file=sys.stderr)
    sys.exit(3)
print(json.dumps(rows, default=str))
"""


def run_sql(python: Path, target: PostgresTarget, statements: list[str]) -> list[list[list[Any]]]:
    """Run `statements` on `target` one by one (autocommit); the rows of each."""
    env = {**os.environ, **target.libpq_env()}  # other PG* settings (PGSSLMODE) apply
    done = subprocess.run(
        [str(python), "-c", _SQL_RUNNER], input=json.dumps(statements), env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        raise NewsclaimsError(f"PostgreSQL {target.url}: {redact_url(why)}")
    return json.loads(done.stdout)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_database(python: Path, target: PostgresTarget) -> bool:
    """Create `target`'s database on its server unless it exists; True when created."""
    admin = target.on("postgres")
    exists = f"SELECT 1 FROM pg_database WHERE datname = {quote_literal(target.name)}"
    if run_sql(python, admin, [exists])[0]:
        return False
    run_sql(python, admin, [f"CREATE DATABASE {quote_ident(target.name)}"])
    return True
