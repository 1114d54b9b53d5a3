"""newsclaims: claims and their attribution in news, from raw articles to versioned datasets.

One package per pipeline stage: core, ingest, preannotate, studio, export, review,
release (docs/DESIGN.md has the map). The functions most users call are also here,
imported on first use so that `import newsclaims` stays cheap (no pandas, no pyarrow).
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("newsclaims")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

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
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'newsclaims' has no attribute {name!r}")
