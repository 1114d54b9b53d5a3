"""Fixtures of the team tests (tests/conftest.py starts the servers)."""

from __future__ import annotations

from typing import Any

import pytest
from team_helpers import cli_env


@pytest.fixture
def team_env(studio: Any) -> dict[str, str]:
    """The `newsclaims` command's environment for the session's server."""
    return cli_env(studio)
