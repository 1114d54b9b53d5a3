"""One BRAT annotation file -> one Label Studio `result` list (regions, choices, relations).

An attribution event (`E Attribution:Tt Content:Tc Source:Ts Cue:Tq`) becomes
`source` and `cue` relations from each region of its content; an entity shared by
several events is one region with all their relations. Offsets are moved onto the
normalised text (`MappedText`) and trimmed of surrounding whitespace; a fragment that
cannot be moved is reported, never dropped silently.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from newsclaims.core.errors import Problem, Severity
from newsclaims.core.result_rules import check_result
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme
from newsclaims.ingest.brat_ann import AnnFile, Entity
from newsclaims.ingest.brat_infer import attribution_types, source_type
from newsclaims.ingest.textmap import MappedText

CLAIM, SOURCE = RELATION_ENDPOINTS["source"]
CUE = RELATION_ENDPOINTS["cue"][1]
# BRAT entity label (PolNeAR / PARC role) -> our label.
ROLE_LABELS = {"Content": CLAIM, "Source": SOURCE, "Cue": CUE}
ATTRIBUTION_TYPE, SOURCE_TYPE = "attribution_type", "source_type"
INFERRED_ORIGIN = "prediction"  # Label Studio's origin for machine-made result items

Links = dict[str, dict[str, list[str]]]  # content entity id -> {"source"/"cue": entity ids}


class AnnotationBuilder:
    """Builds the result list of one .ann file; problems and counts accumulate."""

    def __init__(self, mapped: MappedText, scheme: Scheme, where: dict[str, Any]) -> None:
        self.mapped, self.scheme, self.where = mapped, scheme, where
        self.problems: list[Problem] = []
        self.counts: Counter[str] = Counter()
        self.control = scheme.control_of_label[CLAIM]
        self.regions: dict[str, dict[str, Any]] = {}  # region id -> labels item
        self.region_at: dict[tuple[str, int, int], str] = {}
        self.role_of: dict[str, str] = {}  # entity id -> BRAT role it is imported as

    def report(self, severity: Severity, code: str, message: str, line: int | None = None,
               region_id: str | None = None) -> None:
        self.problems.append(Problem(severity, code, message, line=line, region_id=region_id,
                                     **self.where))

    def build(self, ann: AnnFile) -> list[dict[str, Any]]:
        links = self._links(ann)
        self._count_unused(ann)
        regions_of = {eid: self._regions(ann.entities[eid], self.role_of[eid])
                      for eid in self.role_of}
        keep, relations, choices = self._attributions(ann, links, regions_of)
        for eid, role in self.role_of.items():
            kept = [rid for rid in regions_of[eid] if rid in keep]
            if role == "Source" and kept:
                value, rule = source_type(self.mapped.text, self._offsets(kept[0])[0],
                                          self._offsets(kept[-1])[1])
                choices.extend(self._choice(SOURCE_TYPE, rid, value, rule) for rid in kept)
        labels = sorted((self.regions[r] for r in keep), key=lambda i: (
            i["value"]["start"], i["value"]["end"], i["id"]))
        choices, relations = _unique(choices), _unique(relations)
        self.counts.update(f"regions_{i['value']['labels'][0]}" for i in labels)
        self.counts.update(f"relations_{i['labels'][0]}" for i in relations)
        self.counts.update(f"inferred_{i['from_name']}:{i['value']['choices'][0]}"
                           for i in choices)
        self.counts.update(f"rule_{i['from_name']}:{i['meta']['inferred']}" for i in choices)
        result = labels + choices + relations
        self._self_check(result)
        return result

    def _attributions(self, ann: AnnFile, links: Links, regions_of: dict[str, list[str]]
                      ) -> tuple[set[str], list[dict[str, Any]], list[dict[str, Any]]]:
        """Region ids to keep, relations, and attribution_type choices of every content."""
        keep: set[str] = set()
        relations: list[dict[str, Any]] = []
        choices: list[dict[str, Any]] = []
        for content, linked in links.items():
            claims = regions_of[content]
            if not claims:
                continue  # its fragments could not be mapped: reported there
            targets = {kind: [r for eid in linked[kind] for r in regions_of[eid]]
                       for kind in ("source", "cue")}
            if not (targets["source"] or targets["cue"]):
                self.report(Severity.WARNING, "brat-claim-unlinked",
                            f"content {content} lost its source and cue regions; not imported",
                            ann.entities[content].line)
                continue
            keep.update(claims)
            for kind, ids in targets.items():
                keep.update(ids)
                relations.extend(_relation(c, t, kind) for c in claims for t in ids)
            types = attribution_types(self.mapped.text, [self._offsets(r) for r in claims])
            choices.extend(self._choice(ATTRIBUTION_TYPE, rid, value, rule)
                           for rid, (value, rule) in zip(claims, types, strict=True))
        return keep, relations, choices

    # -- events -> links -------------------------------------------------------------

    def _links(self, ann: AnnFile) -> Links:
        links: Links = {}
        for event in ann.events:
            roles: dict[str, list[str]] = {role: [] for role in ROLE_LABELS}
            for role, eid in event.arguments:
                entity = ann.entities.get(eid)
                if entity is None or role not in ROLE_LABELS or entity.label != role:
                    why = ("is no entity of this file" if entity is None else
                           f"is a {entity.label}" if role in ROLE_LABELS else "has an unknown role")
                    self.report(Severity.WARNING, "brat-bad-argument",
                                f"{event.id} argument {role}:{eid} {why}; left out", event.line)
                    continue
                roles[role].append(eid)
            if not roles["Cue"] and roles["Content"] and event.trigger in ann.entities:
                roles["Cue"].append(event.trigger)  # the trigger marks the cue words
                self.counts["triggers_as_cue"] += 1
            if not roles["Content"] or not (roles["Source"] or roles["Cue"]):
                missing = "content" if not roles["Content"] else "source and cue"
                self.report(Severity.WARNING, "brat-event-incomplete",
                            f"attribution {event.id} has no {missing}; not imported", event.line)
                continue
            self.counts["attributions"] += 1
            self.counts["attributions_without_source"] += not roles["Source"]
            for role, ids in roles.items():
                for eid in ids:
                    self.role_of.setdefault(eid, role)
            for content in roles["Content"]:
                entry = links.setdefault(content, {"source": [], "cue": []})
                entry["source"] += [s for s in roles["Source"] if s not in entry["source"]]
                entry["cue"] += [c for c in roles["Cue"] if c not in entry["cue"]]
        return links

    def _count_unused(self, ann: AnnFile) -> None:
        triggers = {event.trigger for event in ann.events}
        referenced = {eid for event in ann.events for _, eid in event.arguments}
        for eid, entity in ann.entities.items():
            if eid in self.role_of or eid in referenced:
                continue  # imported, or its event is reported
            if entity.label in ROLE_LABELS:
                self.report(Severity.WARNING, "brat-entity-unused",
                            f"{entity.label} {eid} is in no complete attribution; not imported",
                            entity.line)
            else:
                kind = "trigger" if eid in triggers else "label"
                self.counts[f"not_imported_{kind}:{entity.label}"] += 1

    # -- entities -> regions ---------------------------------------------------------

    def _regions(self, entity: Entity, role: str) -> list[str]:
        raw, text, label = self.mapped.raw, self.mapped.text, ROLE_LABELS[role]
        if all(0 <= s <= e <= len(raw) for s, e in entity.fragments) and entity.text != " ".join(
                raw[s:e] for s, e in entity.fragments):
            self.report(Severity.WARNING, "brat-text-mismatch", f"{entity.id}: the .ann text "
                        "differs from the text file at its offsets (offsets used)", entity.line)
        if len(entity.fragments) > 1:
            self.counts["discontinuous_spans"] += 1
            self.counts["discontinuous_fragments"] += len(entity.fragments)
        ids = []
        for number, (start, end) in enumerate(entity.fragments, start=1):
            span = self.mapped.span(start, end)
            if span is None:
                why = ("outside the text" if not 0 <= start <= end <= len(raw) else
                       "a boundary inside characters that normalisation (NFC) merges")
                self.report(Severity.ERROR, "brat-span-unmappable",
                            f"{entity.id} fragment {start}..{end}: {why}; not imported",
                            entity.line)
                continue
            new_start, new_end = span
            self.counts["spans_remapped"] += span != (start, end)
            while new_start < new_end and text[new_start].isspace():
                new_start += 1
            while new_end > new_start and text[new_end - 1].isspace():
                new_end -= 1
            if new_start == new_end:
                self.report(Severity.WARNING, "brat-span-blank",
                            f"{entity.id} fragment {start}..{end} is only whitespace; "
                            "not imported", entity.line)
                continue
            self.counts["spans_trimmed"] += (new_start, new_end) != span
            rid = entity.id if len(entity.fragments) == 1 else f"{entity.id}-{number}"
            ids.append(self._region(rid, label, new_start, new_end))
        return ids

    def _region(self, rid: str, label: str, start: int, end: int) -> str:
        """The region id for this span: a new region, or the one already there."""
        existing = self.region_at.get((label, start, end))
        if existing is not None:
            self.counts["regions_merged"] += 1
            return existing
        self.region_at[(label, start, end)] = rid
        self.regions[rid] = {
            "value": {"start": start, "end": end, "text": self.mapped.text[start:end],
                      "labels": [label]},
            "id": rid, "from_name": self.control, "to_name": self.scheme.text_name,
            "type": "labels", "origin": "manual",
        }
        return rid

    def _offsets(self, rid: str) -> tuple[int, int]:
        value = self.regions[rid]["value"]
        return value["start"], value["end"]

    def _choice(self, control: str, rid: str, value: str, rule: str) -> dict[str, Any]:
        region = self.regions[rid]["value"]
        return {
            "value": {"start": region["start"], "end": region["end"], "text": region["text"],
                      "choices": [value]},
            "id": rid, "from_name": control, "to_name": self.scheme.text_name,
            "type": "choices", "origin": INFERRED_ORIGIN, "meta": {"inferred": rule},
        }

    def _self_check(self, result: list[dict[str, Any]]) -> None:
        """What the import writes must pass validation; anything else is a bug here."""
        for problem in check_result(result, self.mapped.text, scheme=self.scheme):
            if problem.severity is Severity.ERROR:
                self.report(Severity.ERROR, "brat-invalid-result",
                            f"import bug, please report: {problem.code}: {problem.message}",
                            region_id=problem.region_id)


def _relation(from_id: str, to_id: str, kind: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right",
            "labels": [kind]}


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items in order, each (id, control / endpoints, label) once."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for item in items:
        key = (item.get("id"), item.get("from_name"), item.get("from_id"), item.get("to_id"),
               str(item.get("labels")))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
