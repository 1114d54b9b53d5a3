"""`newsclaims train`: a local attribution tagger from a gold export.

The gold is a native Label Studio export: what `pull` writes (a release's source
export) or what `import brat` writes (OUT/gold.json, given as OUT/ or the file). Each
task's gold is chosen as a release chooses it (`review.gold.choose_gold`); its
CLAIM/SOURCE/CUE regions become BIO tags over the tokens of each sentence, and a
linear-chain CRF (CRFsuite, L-BFGS) learns them from the features of
`preannotate.features`. The model file (`preannotate.tagger`) is written atomically.

Training is deterministic: the same export and options give the same model bytes
(tasks in file order, no random start, no time stamp in the file). A model trained
on a corpus without a licence (PolNeAR) must not be redistributed: it is written
where the user says, never into the repository.
"""

from __future__ import annotations

import bisect
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import sha256_file
from newsclaims.core.errors import NewsclaimsError, Problem, Severity, Where
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.export.reader import iter_tasks
from newsclaims.export.result_rows import parse_result
from newsclaims.preannotate.attribution import find_attributions
from newsclaims.preannotate.features import FEATURE_SET, FeatureExtractor
from newsclaims.preannotate.rules import MODEL_VERSION, load_rules
from newsclaims.preannotate.tagger import ROLE_TAGS, TAGGER_VERSION, write_model
from newsclaims.preannotate.text import Doc
from newsclaims.review.gold import choose_gold

GOLD_FILE = "gold.json"  # what `import brat` writes into its output folder
# CRFsuite L-BFGS settings (chosen on PolNeAR train/dev, docs/preannotation.md).
MAX_ITERATIONS = 150
DEFAULTS = {"c1": 0.05, "c2": 0.01, "max_iterations": MAX_ITERATIONS, "min_freq": 1}


@dataclass(slots=True)
class TrainReport:
    gold: str
    model: str
    model_version: str
    sha256: str
    counts: Counter[str] = field(default_factory=Counter)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def gold_path(path: str | os.PathLike[str]) -> Path:
    """The export file: `path` itself, or `path`/gold.json for an `import brat` folder."""
    where = Path(path)
    return where / GOLD_FILE if where.is_dir() else where


def gold_tags(doc: Doc, spans: list[dict[str, Any]], tag_of: dict[str, str]) -> list[str]:
    """BIO tag per token: a token takes the label of the span it overlaps (the last one
    listed when spans of two labels share it)."""
    tags = ["O"] * len(doc.starts)
    for span in spans:
        tag = tag_of.get(span["label"])
        if tag is None:
            continue
        i = bisect.bisect_right(doc.ends, span["start"])
        prefix = "B"
        while i < len(doc.starts) and doc.starts[i] < span["end"]:
            tags[i] = f"{prefix}-{tag}"
            prefix = "I"
            i += 1
    return tags


def train_tagger(
    gold: str | os.PathLike[str], output: str | os.PathLike[str], *,
    rules_version: str = MODEL_VERSION, scheme: Scheme | None = None, **params: Any,
) -> TrainReport:
    """Train a tagger on the gold of `gold` and write it to `output`. Raises
    NewsclaimsError when the export cannot be read or holds nothing to learn from."""
    import pycrfsuite  # compiled extension, needed only here and when tagging

    scheme = scheme or load_scheme()
    settings = {**DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise NewsclaimsError(f"unknown training options {sorted(unknown)}")
    source = gold_path(gold)
    rules = load_rules(rules_version)
    tag_of = {rules.label[role]: tag for role, tag in ROLE_TAGS.items()}
    features = FeatureExtractor(rules)
    trainer = pycrfsuite.Trainer(verbose=False)
    report = TrainReport(str(source), str(output), "", "", params=settings)
    started, cpu = time.perf_counter(), time.process_time()
    for task in iter_tasks(source):
        _add_task(task, trainer, features, rules, tag_of, scheme, report)
    report.seconds["features_cpu"] = round(time.process_time() - cpu, 2)
    if not any(report.counts[f"spans_{tag}"] for tag in ROLE_TAGS.values()):
        raise NewsclaimsError(f"{source}: no CLAIM, SOURCE or CUE region in the gold; "
                              "nothing to learn from")
    trainer.set_params({"c1": float(settings["c1"]), "c2": float(settings["c2"]),
                        "max_iterations": int(settings["max_iterations"]),
                        "feature.minfreq": float(settings["min_freq"])})
    with tempfile.TemporaryDirectory(prefix="newsclaims-train-") as scratch:
        crf_path = Path(scratch) / "model.crfsuite"
        trainer.train(str(crf_path))
        crf = crf_path.read_bytes()
    header = {
        "tagger": TAGGER_VERSION, "feature_set": FEATURE_SET, "rules_version": rules_version,
        "params": settings, "gold_sha256": sha256_file(source),
        "trained_on": dict(sorted(report.counts.items())),
    }
    report.sha256 = write_model(output, header, crf)
    report.model_version = f"{TAGGER_VERSION}+{report.sha256[:12]}"
    report.seconds["cpu"] = round(time.process_time() - cpu, 2)
    report.seconds["wall"] = round(time.perf_counter() - started, 2)
    return report


def _add_task(task: dict[str, Any], trainer: Any, features: FeatureExtractor, rules: Any,
              tag_of: dict[str, str], scheme: Scheme, report: TrainReport) -> None:
    raw = task.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    text = data.get("text")
    where: Where = {"task_id": task.get("id"), "article_id": data.get("article_id")}
    if not isinstance(text, str) or not text.strip():
        report.problems.append(Problem(Severity.WARNING, "train-task-no-text",
                                       "task has no text; not used", **where))
        return
    choice = choose_gold(task, scheme, copy_result=False)
    if choice.policy == "none":
        report.counts["tasks_without_gold"] += 1
        return
    parsed = parse_result(choice.result, text, scheme=scheme)
    for problem in parsed.problems:
        report.problems.append(Problem(Severity.WARNING, "train-region-unread",
                                       f"gold region not used: {problem.message}",
                                       **(where | {"region_id": problem.region_id})))
    doc = Doc(text, rules.quote_re, rules.sentence_end_re)
    tags = gold_tags(doc, parsed.spans, tag_of)
    for sequence in features.sequences(doc, find_attributions(doc, rules)):
        trainer.append(sequence.features, tags[sequence.first : sequence.last])
        report.counts["sequences"] += 1
        report.counts["tokens"] += sequence.last - sequence.first
    report.counts["articles"] += 1
    report.counts.update(f"spans_{tag_of[s['label']]}" for s in parsed.spans
                         if s["label"] in tag_of)

