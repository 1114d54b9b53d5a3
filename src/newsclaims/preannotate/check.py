"""Check a result list against the scheme before it leaves pre-annotation.

Uses `newsclaims.validate.check_result` when that module provides it (the project's
one validator); until then a local check of the same contract: known names, choices
allowed for their region's label, offsets that round-trip to the text, relations
between existing regions with the scheme's endpoint labels.
"""

from __future__ import annotations

import importlib
from typing import Any

from newsclaims.scheme import RELATION_ENDPOINTS, Scheme


def result_errors(result: list[dict[str, Any]], text: str, scheme: Scheme) -> list[str]:
    """One line per error in `result` (empty when Label Studio would show it right)."""
    try:
        validate = importlib.import_module("newsclaims.validate")
    except ImportError:
        validate = None
    check_result = getattr(validate, "check_result", None)
    if check_result is not None:
        return [str(p) for p in check_result(result, text, scheme=scheme)
                if str(getattr(p, "severity", "error")) == "error"]
    return local_errors(result, text, scheme)


def local_errors(result: list[dict[str, Any]], text: str, scheme: Scheme) -> list[str]:
    errors: list[str] = []
    label_of: dict[str, str] = {}
    for item in result:
        if item.get("type") != "labels":
            continue
        rid, value = item["id"], item["value"]
        start, end, (label,) = value["start"], value["end"], value["labels"]
        if scheme.control_of_label.get(label) != item["from_name"]:
            errors.append(f"region {rid}: label {label!r} is not in control {item['from_name']!r}")
        if not (0 <= start < end <= len(text)) or text[start:end] != value["text"]:
            errors.append(f"region {rid}: offsets {start}-{end} do not give its text")
        if rid in label_of:
            errors.append(f"region {rid}: duplicate region id")
        label_of[rid] = label
    for item in result:
        if item.get("type") == "choices":
            control = scheme.choices.get(item["from_name"])
            rid = item["id"]
            if control is None or not set(item["value"]["choices"]) <= set(control.values):
                errors.append(f"region {rid}: choice {item['value']['choices']} not in scheme")
            elif control.applies_to not in (None, label_of.get(rid)):
                errors.append(f"region {rid}: {control.name} does not apply to its label")
        elif item.get("type") == "relation":
            (name,) = item["labels"]
            ends = RELATION_ENDPOINTS.get(name)
            found = (label_of.get(item["from_id"]), label_of.get(item["to_id"]))
            if name not in scheme.relations or ends != found:
                errors.append(f"relation {name!r} {item['from_id']}->{item['to_id']}: "
                              f"joins {found}, needs {ends}")
    for rid, label in label_of.items():
        for control in scheme.choices_for_label(label):
            if control.required and not any(
                i.get("type") == "choices" and i["id"] == rid and i["from_name"] == control.name
                for i in result
            ):
                errors.append(f"region {rid}: required choice {control.name} missing")
    return errors
