"""Problems found in data, and the one error type for "the command could not run".

Every stage reports data problems as `Problem` values (severity, stable code, place)
instead of raising, so a run can list all of them; `NewsclaimsError` is for the
cases where nothing sensible can be done (unreadable file, unreachable server),
and the CLI turns it into one line and exit code 2.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, TypedDict


class ExitCode(IntEnum):
    OK = 0
    DATA_PROBLEMS = 1
    CANNOT_RUN = 2


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class NewsclaimsError(Exception):
    """The command could not run: one clear line, exit code 2."""


class Where(TypedDict, total=False):
    """Where a problem is, gathered once and passed on as `Problem(..., **where)`."""

    file: str | None
    line: int | None
    task_id: int | None
    article_id: str | None
    annotation_id: int | None
    region_id: str | None


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    task_id: int | None = None
    article_id: str | None = None
    annotation_id: int | None = None
    region_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        for name in ("task_id", "article_id", "annotation_id", "region_id"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name.removesuffix('_id')}={value}")
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.location
        return f"{self.severity} {self.code} {where}: {self.message}" if where else (
            f"{self.severity} {self.code}: {self.message}"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        if not data["extra"]:
            del data["extra"]
        return {k: v for k, v in data.items() if v is not None}


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


def summarize(problems: list[Problem]) -> dict[str, int]:
    counts = {str(s): 0 for s in Severity}
    for p in problems:
        counts[str(p.severity)] += 1
    return counts
