"""The pseudonym salt of a dataset: annotators appear in releases only as salted
pseudonyms of their Label Studio user id, so the salt must stay the same from release
to release; whoever holds it and the user ids can recompute them (docs/release.md,
Privacy).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from newsclaims.core.errors import NewsclaimsError

SALT_ENV = "NEWSCLAIMS_ANNOTATOR_SALT"
SALT_FILE = ".annotator-salt"


def resolve_salt(root: Path, salt: str | None) -> str:
    """The pseudonym salt: given, else $NEWSCLAIMS_ANNOTATOR_SALT, else the dataset's
    salt file (created 0600 on first use and kept, so pseudonyms stay stable)."""
    if salt:
        return salt
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    path = root / SALT_FILE
    if not path.exists():
        return _store_salt(root, secrets.token_hex(32))
    return _read_salt(path)


def _store_salt(root: Path, value: str) -> str:
    """Create the salt file holding `value` unless it exists; return the file's salt."""
    path = root / SALT_FILE
    # Written whole into a private temporary file, then linked into place: a full disk
    # leaves no empty salt file, and of two releases creating it at once one wins.
    fd, tmp = tempfile.mkstemp(prefix=f"{SALT_FILE}.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_salt(path)


def _read_salt(path: Path) -> str:
    value = path.read_text("utf-8").strip()
    if not value:
        raise NewsclaimsError(f"{path} is empty; delete it or set {SALT_ENV}")
    return value
