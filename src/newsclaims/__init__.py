"""newsclaims: claims and their attribution in news, from raw articles to versioned datasets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsclaims")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "load"]


def __getattr__(name: str):  # lazy: `import newsclaims` stays cheap (no pandas, no pyarrow)
    if name == "load":
        from newsclaims.loader import load

        return load
    raise AttributeError(f"module 'newsclaims' has no attribute {name!r}")
