"""The server's state without a server: found from a subfolder, closed to other users,
passwords out of printed URLs and off the command line, database choices and pgpass."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio import server
from newsclaims.studio.database import (
    PRIVATE_CHOICE,
    DatabaseChoice,
    PostgresTarget,
    parse_database_url,
    pgpass_line,
    read_pgpass,
    with_password,
)
from newsclaims.studio.paths import find_state_dir, secure_state, studio_paths
from newsclaims.studio.redact import redact_url
from state_checks import open_entries

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in (server.ENV_DIR, server.ENV_URL, server.ENV_API_KEY)}
    return subprocess.run([NEWSCLAIMS, *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_state_is_found_from_a_subfolder_like_git(tmp_path, monkeypatch):
    state = tmp_path / "project" / ".labelstudio"
    deep = tmp_path / "project" / "docs" / "sub"
    state.mkdir(parents=True)
    deep.mkdir(parents=True)
    assert find_state_dir(deep) == state
    assert find_state_dir(tmp_path) is None
    monkeypatch.delenv(server.ENV_DIR, raising=False)
    monkeypatch.chdir(deep)
    assert studio_paths().base == state
    monkeypatch.setenv(server.ENV_DIR, str(tmp_path / "elsewhere"))
    assert studio_paths().base == tmp_path / "elsewhere"  # the variable wins
    assert studio_paths(tmp_path / "given").base == tmp_path / "given"  # the argument more


def test_status_from_a_subfolder_names_the_state_it_read(tmp_path):
    state = tmp_path / "project" / ".labelstudio"
    state.mkdir(parents=True)
    (tmp_path / "project" / "docs").mkdir()
    done = _run(["studio", "status"], tmp_path / "project" / "docs")
    assert done.returncode == 1
    assert f"state: {state}\n" in done.stdout
    nothing = _run(["studio", "status"], tmp_path)
    assert nothing.returncode == 1 and "(none yet)" in nothing.stdout


def test_pull_without_a_running_server_points_at_the_state(tmp_path):
    (tmp_path / "project" / ".labelstudio").mkdir(parents=True)
    (tmp_path / "project" / "docs").mkdir()
    done = _run(["pull", "-o", "out"], tmp_path / "project" / "docs")
    assert done.returncode == 2
    assert f"state in {tmp_path / 'project' / '.labelstudio'}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    lost = _run(["pull", "-o", "out"], tmp_path)
    assert lost.returncode == 2 and "no .labelstudio/ in" in lost.stderr


@pytest.mark.parametrize(("url", "shown"), [
    ("http://user:hunter2@example.test:8080/x", "http://user:***@example.test:8080/x"),
    ("https://u:p@ss:w@host/", "https://u:***@host/"),
    ("postgresql://lead:s3cret@db.local:5432/ls", "postgresql://lead:***@db.local:5432/ls"),
    ("at http://a:b@h and https://c:d@i:1 too", "at http://a:***@h and https://c:***@i:1 too"),
    ("http://example.test:8080/path?mail=a@b", "http://example.test:8080/path?mail=a@b"),
    ("postgresql://lead@db.local:5432/ls", "postgresql://lead@db.local:5432/ls"),
])
def test_passwords_in_urls_are_redacted(url, shown):
    assert redact_url(url) == shown


def test_a_password_in_label_studio_url_is_never_printed(tmp_path):
    url = "http://annotator:hunter2-secret@127.0.0.1:9"  # nothing listens there
    done = _run(["pull", "-o", "out"], tmp_path, LABEL_STUDIO_URL=url,
                LABEL_STUDIO_API_KEY="k" * 40)
    assert done.returncode == 2
    assert "hunter2" not in done.stdout + done.stderr
    assert "annotator:***@127.0.0.1:9" in done.stderr


def test_a_non_ascii_api_key_is_one_line_and_exit_2(tmp_path):
    for key in ("tökén-" + "x" * 20, "key\nwith-newline"):
        done = _run(["pull", "-o", "out"], tmp_path, LABEL_STUDIO_URL="http://127.0.0.1:9",
                    LABEL_STUDIO_API_KEY=key)
        assert done.returncode == 2, done
        assert len(done.stderr.strip().splitlines()) == 1
        assert "LABEL_STUDIO_API_KEY" in done.stderr and "Traceback" not in done.stderr
    odd = _run(["pull", "-o", "out"], tmp_path, LABEL_STUDIO_URL="127.0.0.1:8080",
               LABEL_STUDIO_API_KEY="k" * 40)
    assert odd.returncode == 2 and "http://" in odd.stderr


def test_a_database_url_with_a_password_is_refused_before_anything_runs(tmp_path):
    done = _run(["studio", "start", "--database", "postgresql://lead:s3cret@db.local/ls"],
                tmp_path)
    assert done.returncode == 2
    assert "s3cret" not in done.stdout + done.stderr
    assert "PGPASSWORD" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / ".labelstudio").exists()


@pytest.mark.parametrize("url", [
    "mysql://lead@db/ls", "postgresql://db.local/ls", "postgresql://lead@db.local",
    "postgresql://lead@db.local:notaport/ls", "postgresql://lead@db/ls?sslmode=disable",
])
def test_database_urls_that_cannot_be_used_are_refused(url):
    with pytest.raises(NewsclaimsError):
        parse_database_url(url)


def test_a_database_url_is_read_into_a_target():
    target = parse_database_url("postgresql://lead@db.local:6543/label%20studio")
    assert (target.user, target.host, target.port, target.name) == (
        "lead", "db.local", 6543, "label studio")
    assert parse_database_url("postgres://lead@db.local/ls").port == 5432
    assert target.url == "postgresql://lead@db.local:6543/label%20studio"


def test_the_password_comes_from_a_private_pgpass_file_or_the_environment(tmp_path):
    target = PostgresTarget("lead", "db.local", 5432, "ls")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text("# comment\nother:*:*:lead:wrong\n"
                      "db.local:5432:ls:lead:pa\\:ss\\\\word\n*:*:*:*:fallback\n")
    pgpass.chmod(0o600)
    assert read_pgpass(pgpass, target) == "pa:ss\\word"
    assert read_pgpass(pgpass, target.on("other")) == "fallback"
    assert with_password(target, pgpass).password == "pa:ss\\word"
    assert with_password(target, environ={"PGPASSWORD": "from-env"}).password == "from-env"
    assert with_password(target, environ={"PGPASSFILE": str(pgpass)}).password == "pa:ss\\word"
    line = pgpass_line(PostgresTarget("new:role", "127.0.0.1", 0, "*", "p:w\\x"))
    written = tmp_path / "written"
    written.write_text(line)
    written.chmod(0o600)
    assert read_pgpass(written, PostgresTarget("new:role", "127.0.0.1", 1, "db")) == "p:w\\x"
    pgpass.chmod(0o644)
    with pytest.raises(NewsclaimsError, match="chmod 600"):
        read_pgpass(pgpass, target)
    assert "pa:ss" not in repr(with_password(target, environ={"PGPASSWORD": "pa:ss"}))


def test_the_database_choice_is_kept_without_its_password(tmp_path):
    pgpass = tmp_path / "pgpass"
    choice = DatabaseChoice.external("postgresql://lead@db.local:5432/ls", pgpass)
    assert DatabaseChoice.from_json(choice.to_json()) == choice
    assert DatabaseChoice.from_json(PRIVATE_CHOICE.to_json()) == PRIVATE_CHOICE
    assert DatabaseChoice.from_json({"kind": "oracle"}) is None


def test_several_app_processes_need_postgresql(tmp_path):
    with pytest.raises(NewsclaimsError, match="need PostgreSQL"):
        server.start(studio_paths(tmp_path / "s"), processes=2, install=False)


def test_state_left_open_is_closed(tmp_path):
    base = tmp_path / ".labelstudio"
    for folder in ("data/media/upload", "data/export", "venv/bin"):
        (base / folder).mkdir(parents=True)
    for name in ("credentials.json", "data/label_studio.sqlite3", "data/export/e.json",
                 "data/media/upload/a.txt", "venv/bin/python"):
        (base / name).write_text("x")
        (base / name).chmod(0o644)
    (base / "venv" / "bin" / "python").chmod(0o755)
    for folder in (base, base / "data", base / "data" / "media"):
        folder.chmod(0o755)
    assert open_entries(base)
    secure_state(studio_paths(base))
    assert open_entries(base) == []
    assert stat.S_IMODE((base / "venv" / "bin" / "python").stat().st_mode) == 0o755
