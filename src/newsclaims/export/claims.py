"""Claims: each CLAIM span with the sources and cues its relations link to it.

`claims_from` makes the `claims` table's rows of a parsed result (the release's
majority merges; DuckDB makes the rest, `release.columnar`), `claim_links` the links
the agreement's attribution triples compare.
"""

from __future__ import annotations

from typing import Any

from newsclaims.core.claim_rules import CLAIM_LABEL
from newsclaims.core.scheme import RELATION_ENDPOINTS


def claims_from(
    spans: list[dict[str, Any]], relations: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per CLAIM span with its first linked source and cue (by start offset)."""
    claims = []
    for span, sources, cues in claim_links(spans, relations):
        source = sources[0] if sources else {}
        cue = cues[0] if cues else {}
        claims.append(
            {
                "claim_id": span["region_id"],
                "claim_text": span["text"],
                "claim_start": span["start"],
                "claim_end": span["end"],
                "attribution_type": span.get("attribution_type"),
                "certainty": span.get("certainty"),
                "source_id": source.get("region_id"),
                "source_text": source.get("text"),
                "source_start": source.get("start"),
                "source_end": source.get("end"),
                "source_type": source.get("source_type"),
                "cue_id": cue.get("region_id"),
                "cue_text": cue.get("text"),
                "cue_start": cue.get("start"),
                "cue_end": cue.get("end"),
                "n_sources": len(sources),
                "n_cues": len(cues),
            }
        )
    return claims


Links = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def claim_links(spans: list[dict[str, Any]], relations: list[dict[str, Any]]) -> list[Links]:
    """Each CLAIM span (in span order) with its linked sources and cues, one row per
    region, ordered by start offset: what `claims_from` and the agreement triples
    read."""
    linked: dict[str, dict[str, list[dict[str, Any]]]] = {}
    if relations:
        by_key = {(s["region_id"], s["label"]): s for s in spans}
        for rel in relations:
            kind = rel["type"]
            if kind not in RELATION_ENDPOINTS:
                continue
            target = by_key.get((rel["to_id"], RELATION_ENDPOINTS[kind][1]))
            if target is not None:
                linked.setdefault(rel["from_id"], {}).setdefault(kind, []).append(target)
    found: list[Links] = []
    for span in spans:
        if span["label"] != CLAIM_LABEL:
            continue
        links = linked.get(span["region_id"])
        if links is None:
            found.append((span, [], []))
        else:
            found.append((span, _distinct_by_start(links.get("source", [])),
                          _distinct_by_start(links.get("cue", []))))
    return found


def _distinct_by_start(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(rows) < 2:
        return rows
    unique = {row["region_id"]: row for row in rows}
    return sorted(unique.values(), key=lambda r: (r["start"], r["end"], r["region_id"]))
