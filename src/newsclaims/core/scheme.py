"""The annotation scheme, read from label_config.xml: the one place label, choice
and relation names come from. Nothing in Python re-types them."""

from __future__ import annotations

import functools
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.reading import read_text
from newsclaims.core.resources import label_config_path

# Which labels a relation may join. The names are checked against the XML when the
# scheme loads, so a renamed label fails loudly here instead of silently in a rule.
RELATION_ENDPOINTS: dict[str, tuple[str, str]] = {
    "source": ("CLAIM", "SOURCE"),
    "cue": ("CLAIM", "CUE"),
}


@dataclass(frozen=True, slots=True)
class ChoiceControl:
    name: str
    values: tuple[str, ...]
    required: bool
    per_region: bool
    applies_to: str | None  # the region label it is shown for (whenLabelValue)


@dataclass(frozen=True)  # no slots: cached_property needs an instance __dict__
class Scheme:
    text_name: str
    labels: dict[str, tuple[str, ...]]  # Labels control name -> label values
    choices: dict[str, ChoiceControl]
    relations: tuple[str, ...]
    config_xml: str

    @functools.cached_property  # asked for every region checked: compute once
    def control_of_label(self) -> dict[str, str]:
        return {label: control for control, values in self.labels.items() for label in values}

    @property
    def all_labels(self) -> tuple[str, ...]:
        return tuple(label for values in self.labels.values() for label in values)

    def choices_for_label(self, label: str) -> list[ChoiceControl]:
        return [c for c in self.choices.values() if c.applies_to == label]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.config_xml.encode("utf-8")).hexdigest()


def parse_scheme(xml_text: str) -> Scheme:
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise NewsclaimsError(f"label config is not valid XML: {exc}") from exc
    texts = [el.get("name") for el in root.iter("Text")]
    if len(texts) != 1 or not texts[0]:
        raise NewsclaimsError("label config must have exactly one named <Text> object")
    labels = {
        el.get("name", ""): tuple(lab.get("value", "") for lab in el.iter("Label"))
        for el in root.iter("Labels")
    }
    choices = {
        el.get("name", ""): ChoiceControl(
            name=el.get("name", ""),
            values=tuple(ch.get("value", "") for ch in el.iter("Choice")),
            required=el.get("required", "false").lower() == "true",
            per_region=el.get("perRegion", "false").lower() == "true",
            applies_to=el.get("whenLabelValue"),
        )
        for el in root.iter("Choices")
    }
    relations = tuple(el.get("value", "") for el in root.iter("Relation"))
    scheme = Scheme(texts[0], labels, choices, relations, xml_text)
    _check_relation_endpoints(scheme)
    return scheme


def _check_relation_endpoints(scheme: Scheme) -> None:
    known = set(scheme.all_labels)
    for relation in scheme.relations:
        if relation not in RELATION_ENDPOINTS:
            raise NewsclaimsError(f"label config relation {relation!r} has no endpoint rule")
        missing = [label for label in RELATION_ENDPOINTS[relation] if label not in known]
        if missing:
            raise NewsclaimsError(f"relation {relation!r} needs labels {missing} in label config")


def load_scheme(path: str | Path | None = None) -> Scheme:
    """Load the scheme from `path` (default: the project's label_config.xml)."""
    if path is None:
        return _default_scheme()
    return _read(Path(path))


@functools.cache
def _default_scheme() -> Scheme:
    return _read(label_config_path())


def _read(path: Path) -> Scheme:
    return parse_scheme(read_text(path, "label config"))
