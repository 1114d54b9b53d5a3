"""Credentials out of printed URLs: `http://user:secret@host` is shown as `http://user:***@host`.

One helper for every URL the CLI prints (server URLs, database URLs, whole error lines),
so a `LABEL_STUDIO_URL` or a database URL that carries a password never reaches a
terminal or a log.
"""

from __future__ import annotations

import re

# scheme://user:password@ -- the password runs from the first ':' of the user info to
# the last '@' before the host (an unencoded password may itself hold '@' or ':').
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/?#@]*):[^\s/?#]*@")


def redact_url(text: str) -> str:
    """`text` (a URL, or a line holding URLs) with every password in a URL's user
    info replaced by `***`."""
    return _USERINFO.sub(r"\g<head>:***@", text)
