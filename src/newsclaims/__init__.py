"""newsclaims: claims and their attribution in news, from raw articles to versioned datasets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsclaims")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
