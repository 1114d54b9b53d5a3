"""Synthetic Label Studio exports for benchmarks: N tasks of ~3,000 characters,
~30 regions each across both layers, `source`/`cue` relations, per-region choices,
several annotators. Deterministic for a given seed, written as a stream (never the
whole export in memory) and valid under `newsclaims validate`.

    python benchmarks/synth.py 20000 -o benchmarks/.data/export-20000.json
    python benchmarks/synth.py 20000 --predictions -o benchmarks/.data/export-20000-predictions.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

from newsclaims.core.ids import article_id

PEOPLE = ["Maria Okafor", "Daniel Reyes", "Li Wei", "Priya Natarajan", "Tomás Álvarez",
          "Hannah Becker", "Yusuf Demir", "Aiko Tanaka"]
ORGS = ["the Ministry of Transport", "Northwind Energy", "the Harbour Authority",
        "the Central Statistics Office", "Meridian Bank", "the City Council"]
PLACES = ["Lisbon", "Nairobi", "Osaka", "Quebec", "Valparaíso", "Gdańsk"]
ANONYMOUS = ["officials familiar with the talks", "people close to the board",
             "two senior diplomats", "critics of the plan"]
DOCUMENTS = ["a court filing", "an internal audit", "a study published on Tuesday"]
CUES = ["said", "told reporters", "wrote", "confirmed", "estimated", "warned"]
FILLER = ["the project would be delayed by at least two years",
          "costs had risen sharply since the spring",
          "the agreement would be signed before the end of the quarter",
          "inspectors had found no evidence of wrongdoing",
          "the new rules would affect more than a million households",
          "revenue fell for a third consecutive month",
          "the port expansion had been approved without a public tender"]
BACKGROUND = [
    "The announcement followed weeks of negotiations between the two sides, which had "
    "repeatedly broken down over the question of who would pay for the additional work.",
    "Local residents have long complained about traffic, noise and the lack of consultation, "
    "and several community groups have organised protests outside the offices.",
    "The dispute has drawn attention from regional newspapers and from lawmakers, who asked "
    "for the figures to be published in full before the next budget debate.",
]
SOURCE_TYPES = {"person": "NAMED_PERSON", "org": "NAMED_ORGANIZATION",
                "anon": "ANONYMOUS", "doc": "DOCUMENT"}
TARGET_CHARS = 3000


class _Builder:
    """Appends text and records spans at the offsets where they land."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[str, str, int, int]] = []  # (control, label, start, end)

    def add(self, text: str, control: str | None = None, label: str | None = None) -> int:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        if control:
            self.spans.append((control, label or "", start, self.length))
        return len(self.spans) - 1

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _sentence(rng: random.Random, b: _Builder) -> list[tuple[int, int, int, str, str]]:
    """One attribution sentence: SOURCE CUE that CLAIM (with an entity inside)."""
    kind = rng.choice(list(SOURCE_TYPES))
    source = {"person": PEOPLE, "org": ORGS, "anon": ANONYMOUS, "doc": DOCUMENTS}[kind]
    source_text = rng.choice(source)
    src = b.add(source_text[0].upper() + source_text[1:], "attribution", "SOURCE")
    if kind == "person":
        b.spans.append(("entity", "PERSON", b.spans[src][2], b.spans[src][3]))
    b.add(" ")
    cue = b.add(rng.choice(CUES), "attribution", "CUE")
    b.add(" that ")
    claim_start = b.length
    b.add(", and ".join(rng.sample(FILLER, 2)))
    b.add(" in ")
    b.add(rng.choice(PLACES), "entity", "GPE")
    b.add(f", with {rng.randint(2, 900)} staff involved")
    b.spans.append(("attribution", "CLAIM", claim_start, b.length))
    claim = len(b.spans) - 1
    b.add(". ")
    attribution_type = "INDIRECT"
    return [(claim, src, cue, attribution_type, SOURCE_TYPES[kind])]


def _article(rng: random.Random) -> tuple[str, list[tuple[str, str, int, int]], list]:
    b = _Builder()
    links = []
    while b.length < TARGET_CHARS - 450:
        links += _sentence(rng, b)
        b.add(rng.choice(BACKGROUND) + " ")
        if rng.random() < 0.3:
            b.add("\n\n")
    text = b.text.rstrip()
    return text, b.spans, links


def _result(rng: random.Random, task_no: int, text: str, spans, links) -> list[dict]:
    ids = [f"t{task_no}r{i}" for i in range(len(spans))]
    result: list[dict] = []
    for region_id, (control, label, start, end) in zip(ids, spans, strict=True):
        result.append({
            "id": region_id, "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
        })
    for claim, src, cue, attribution_type, source_type in links:
        for region, name, value in ((claim, "attribution_type", attribution_type),
                                    (claim, "certainty", rng.choice(["ASSERTED", "HEDGED"])),
                                    (src, "source_type", source_type)):
            _, _, start, end = spans[region]
            result.append({
                "id": ids[region], "from_name": name, "to_name": "text", "type": "choices",
                "value": {"start": start, "end": end, "text": text[start:end], "choices": [value]},
            })
        for target, relation in ((src, "source"), (cue, "cue")):
            result.append({"from_id": ids[claim], "to_id": ids[target], "type": "relation",
                           "direction": "right", "labels": [relation]})
    return result


def tasks(n: int, *, seed: int = 13, annotators: int = 5,
          double_annotated: float = 0.1) -> Iterator[dict]:
    """Yield `n` native-export tasks, deterministic for `seed`."""
    rng = random.Random(seed)
    annotation_id = 0
    for task_no in range(1, n + 1):
        text, spans, links = _article(rng)
        count = 2 if rng.random() < double_annotated else 1
        users = rng.sample(range(1, annotators + 1), count)
        annotations = []
        for user in users:
            annotation_id += 1
            annotations.append({
                "id": annotation_id, "completed_by": user,
                "result": _result(rng, task_no, text, spans, links),
                "was_cancelled": False, "ground_truth": False,
                "created_at": "2026-11-01T10:00:00.000000Z",
                "updated_at": "2026-11-01T10:05:00.000000Z",
                "lead_time": round(rng.uniform(60, 900), 3),
            })
        yield {
            "id": task_no,
            "data": {"text": text, "article_id": article_id(text),
                     "title": f"Synthetic article {task_no}", "tags": ["synthetic"],
                     "language": "en"},
            "annotations": annotations, "predictions": [],
            "created_at": "2026-11-01T09:00:00.000000Z",
            "updated_at": "2026-11-01T10:05:00.000000Z",
        }


def with_predictions(stream: Iterator[dict]) -> Iterator[dict]:
    """Each task with the rule pre-annotation of its text, as a snapshot with full
    predictions exports it (what `studio pull` saves from a pre-annotated project)."""
    from newsclaims.preannotate.predictions import preannotate

    for task in stream:
        found = preannotate(task["data"])
        task["predictions"] = [{
            "id": 1_000_000 + task["id"], "result": found["result"],
            "model_version": found["model_version"], "created_ago": "4 weeks",
            "score": found["score"], "cluster": None, "neighbors": None, "mislabeling": 0.0,
            "created_at": "2026-11-01T09:00:01.000000Z",
            "updated_at": "2026-11-01T09:00:01.000000Z",
            "model": None, "model_run": None, "task": task["id"], "project": 1}]
        yield task


def write_export(path: Path, n: int, *, seed: int = 13, predictions: bool = False) -> Path:
    """Stream `n` tasks into `path` as one JSON list laid out as Label Studio writes its
    native export (what `newsclaims studio pull` saves): the whole list on one line,
    `json.JSONEncoder(ensure_ascii=False)` with its default ", " and ": " separators.
    A reader that finds each task's end from the layout (a task per line) would be
    measured on a file no user has. With `predictions`, every task carries its rule
    pre-annotation (`with_predictions`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    stream = tasks(n, seed=seed)
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for i, task in enumerate(with_predictions(stream) if predictions else stream):
            fh.write(", " if i else "")
            fh.write(json.dumps(task, ensure_ascii=False))
        fh.write("]")
    tmp.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--predictions", action="store_true",
                        help="attach each task's rule pre-annotation, as a pulled export has")
    args = parser.parse_args()
    write_export(args.output, args.n, seed=args.seed, predictions=args.predictions)


if __name__ == "__main__":
    main()
