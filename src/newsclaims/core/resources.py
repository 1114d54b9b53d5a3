"""Where label_config.xml, schemas/ and the annotation guidelines live: the repository
root in a checkout, package data in an installed wheel. One lookup so no module guesses paths."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/newsclaims
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]  # src/newsclaims -> repository root


def _root() -> Path:
    if (_CHECKOUT_ROOT / "label_config.xml").is_file():
        return _CHECKOUT_ROOT
    return _PACKAGE_DIR / "_resources"


def label_config_path() -> Path:
    return _root() / "label_config.xml"


def schemas_dir() -> Path:
    return _root() / "schemas"


def guidelines_path() -> Path:
    """docs/guidelines.md: the source of the project's instructions in Label Studio."""
    root = _root()
    return root / ("docs/guidelines.md" if root == _CHECKOUT_ROOT else "guidelines.md")
