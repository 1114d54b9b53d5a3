"""Read one BRAT standoff `.ann` file: text-bound entities (T) and events (E).

Only what attribution corpora use is read; every other line is counted (notes `#`,
attributes `A`/`M`, normalisations `N`, relations `R`) or, if it is not BRAT at all,
reported. BRAT writes the covered text after the offsets; a span across a line
break spills onto the next lines of the file, which are joined back to it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from newsclaims.core.errors import Problem, Severity

_ENTITY = re.compile(r"(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t?(.*)")
_EVENT = re.compile(r"(E\d+)\t(\S+?):(\S+)((?: \S+:\S+)*)\s*")
_COUNTED = {"#": "notes", "A": "attributes", "M": "attributes", "N": "normalisations",
            "R": "relations", "*": "equivalences"}
_ROLE_NUMBER = re.compile(r"\d+$")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    text: str  # as written in the .ann file (fragments joined by a space)
    line: int


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    trigger_label: str
    trigger: str  # entity id
    arguments: tuple[tuple[str, str], ...]  # (role without its number, entity id)
    line: int


@dataclass(slots=True)
class AnnFile:
    entities: dict[str, Entity] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)  # line kinds not imported


def parse_ann(content: str, file: str) -> tuple[AnnFile, list[Problem]]:
    """Entities and events of one .ann file; a line that is not BRAT is a warning."""
    ann = AnnFile()
    problems: list[Problem] = []
    pending: tuple[re.Match[str], int, list[str]] | None = None  # entity still collecting text

    def flush() -> None:
        if pending is not None:
            match, number, text = pending
            _add_entity(ann, match, number, "\n".join(text), file, problems)

    for number, line in enumerate(content.split("\n"), start=1):
        line = line.removesuffix("\r")
        entity = _ENTITY.fullmatch(line)
        event = None if entity else _EVENT.fullmatch(line)
        kind = line[:1]
        if entity or event or (kind in _COUNTED and "\t" in line):
            flush()
            pending = None
        if entity:
            pending = (entity, number, [entity.group(4)])
        elif event:
            ann.events.append(_event(event, number))
        elif kind in _COUNTED and "\t" in line:
            ann.ignored[_COUNTED[kind]] += 1
        elif pending is not None:
            pending[2].append(line)  # the covered text continues on this line
        elif line.strip():
            problems.append(Problem(Severity.WARNING, "brat-bad-line",
                                    f"not a BRAT standoff line: {line[:60]!r}", file=file,
                                    line=number))
    flush()
    return ann, problems


def _add_entity(ann: AnnFile, match: re.Match[str], number: int, text: str, file: str,
                problems: list[Problem]) -> None:
    fragments = tuple(
        (int(a), int(b)) for a, b in (part.split() for part in match.group(3).split(";"))
    )
    if match.group(1) in ann.entities:
        problems.append(Problem(Severity.WARNING, "brat-bad-line",
                                f"entity {match.group(1)} defined twice; the last one kept",
                                file=file, line=number))
    # Blank lines that only separated a spilled text from the next entry are not text.
    ann.entities[match.group(1)] = Entity(match.group(1), match.group(2), fragments,
                                          text.rstrip("\n"), number)


def _event(match: re.Match[str], number: int) -> Event:
    arguments = tuple(
        (_ROLE_NUMBER.sub("", role), target)
        for role, target in (part.split(":", 1) for part in match.group(4).split())
    )
    return Event(match.group(1), match.group(2), match.group(3), arguments, number)
