"""Check a result list against label_config.xml before it leaves pre-annotation, with
the project's one validator (`newsclaims.core.result_rules.check_result`): a prediction that
Label Studio would accept but show wrongly is a bug here, never a line written."""

from __future__ import annotations

from typing import Any

from newsclaims.core.errors import Severity
from newsclaims.core.result_rules import check_result
from newsclaims.core.scheme import Scheme


def result_errors(
    result: list[dict[str, Any]], text: str, scheme: Scheme, article_id: str | None = None
) -> list[str]:
    """One line per error in `result` (warnings, e.g. style hints, do not block)."""
    return [
        str(problem)
        for problem in check_result(result, text, scheme=scheme, article_id=article_id)
        if problem.severity is Severity.ERROR
    ]
