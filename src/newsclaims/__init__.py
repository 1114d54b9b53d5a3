"""newsclaims: claims and their attribution in news, from raw articles to versioned datasets.

One package per pipeline stage: core, ingest, preannotate, studio, export, review,
release (docs/DESIGN.md has the map). The functions most users call are also here,
imported on first use so that `import newsclaims` stays cheap (no pandas, no pyarrow).
"""

import functools
import importlib
from typing import Any


@functools.cache
def _version() -> str:
    """The installed version, looked up on first use: importlib.metadata (and the email
    package it loads) costs ~0.1 CPU s at start-up, and most commands never print it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsclaims")
    except PackageNotFoundError:  # running from a source tree without an install
        return "0.0.0+unknown"

# Public name -> the module that defines it. Stage packages (ingest, preannotate, ...)
# are reached as subpackages: `newsclaims.ingest.ingest`, `newsclaims.preannotate.preannotate`.
_PUBLIC = {
    "load": "newsclaims.release.loader",
    "validate": "newsclaims.export.validate",
    "agreement": "newsclaims.review.agreement",
    "evaluate": "newsclaims.review.evaluate",
    "verify": "newsclaims.release.verify",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'newsclaims' has no attribute {name!r}")
