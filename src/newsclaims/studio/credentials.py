"""The local server's admin login and API token: generated once with `secrets`, kept in
`<state>/credentials.json` (0600), never printed or shown in a repr."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.studio.paths import StudioPaths, private_umask


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    token: str

    def __repr__(self) -> str:  # never show the secrets in a traceback or a log
        return f"Credentials(email={self.email!r}, password=***, token=***)"


def load_credentials(paths: StudioPaths) -> Credentials | None:
    if not paths.credentials.is_file():
        return None
    try:
        raw = json.loads(paths.credentials.read_text("utf-8"))
        return Credentials(raw["email"], raw["password"], raw["token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NewsclaimsError(f"{paths.credentials} is unreadable ({type(exc).__name__})") from None


def ensure_credentials(paths: StudioPaths) -> Credentials:
    """Generate the admin login and API token once; keep them in a 0600 file."""
    existing = load_credentials(paths)
    if existing is not None:
        return existing
    creds = Credentials(
        email="admin@newsclaims.local",
        password=secrets.token_urlsafe(18),
        token=secrets.token_hex(20),  # Label Studio accepts 6-40 characters
    )
    text = json.dumps({"email": creds.email, "password": creds.password, "token": creds.token})
    with private_umask():
        paths.base.mkdir(parents=True, exist_ok=True)
        atomic_write_text(paths.credentials, text + "\n")
    os.chmod(paths.credentials, 0o600)
    return creds
