"""Import a BRAT standoff attribution corpus (PolNeAR's layout) as articles and gold.

`import_brat(directory)` reads `text/*.txt` and `attributions/*.ann` (or both side by
side in one folder) and returns the articles (article.schema.json records) and a
gold export in Label Studio's native JSON: one task per text, one annotation per
.ann file. Content/Source/Cue entities become CLAIM/SOURCE/CUE regions (one region
per fragment of a discontinuous span), each attribution event becomes `source` and
`cue` relations from its content, and `attribution_type`/`source_type` are inferred
(`newsclaims.ingest.brat_infer`) and marked so. Everything not imported is counted
or reported as a Problem. docs/import-brat.md has the decisions and their reasons.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import atomic_open
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.ids import article_id
from newsclaims.core.scheme import Scheme, load_scheme
from newsclaims.ingest.brat_ann import AnnFile, parse_ann
from newsclaims.ingest.brat_infer import INFERRED_VALUES
from newsclaims.ingest.brat_result import AnnotationBuilder
from newsclaims.ingest.ingest import controls_removed, normalise_line
from newsclaims.ingest.readers import split_header
from newsclaims.ingest.textmap import MappedText

ARTICLES_FILE = "articles.jsonl"
GOLD_FILE = "gold.json"
_TEXT_DIR, _ANN_DIR = "text", "attributions"
# Why PolNeAR's other labels are left out (docs/import-brat.md).
_LABEL_REASONS = {
    "Discard": "PolNeAR marks text outside the article's prose with it (embedded posts, "
               "'Read more' lines); it holds no attribution",
    "Discuss": "an annotator's flag for discussion, not an attribution",
}


@dataclass(slots=True)
class BratImport:
    articles: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)  # native export tasks
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class _Source:
    text: Path
    annotations: tuple[tuple[Path, str | None], ...]  # (.ann file, annotator code)


def annotator_id(code: str) -> int:
    """A stable integer user id for an annotator code from a file name: the code is not
    written anywhere, and the same code always gives the same id."""
    return int(hashlib.sha256(f"brat-annotator:{code}".encode()).hexdigest()[:7], 16)


def find_corpus(directory: str | os.PathLike[str]) -> tuple[list[_Source], list[Problem]]:
    """Texts and their .ann files: `text/` + `attributions/` when both exist, else the
    directory itself. `NAME.ann` belongs to `NAME.txt`; `NAME_CODE.ann` too, annotated by
    CODE (PolNeAR names one file per annotator so)."""
    root = Path(directory)
    if not root.is_dir():
        raise NewsclaimsError(f"not a directory: {root}")
    text_dir, ann_dir = root / _TEXT_DIR, root / _ANN_DIR
    if not (text_dir.is_dir() and ann_dir.is_dir()):
        text_dir = ann_dir = root
    texts = {p.stem: p for p in sorted(text_dir.glob("*.txt"))}
    if not texts:
        raise NewsclaimsError(f"no .txt files in {text_dir}")
    owned: dict[str, list[tuple[Path, str | None]]] = {stem: [] for stem in texts}
    problems = []
    for ann in sorted(ann_dir.glob("*.ann")):
        stem, code = ann.stem, None
        if stem not in texts and "_" in stem and stem.rsplit("_", 1)[0] in texts:
            stem, code = stem.rsplit("_", 1)
        if stem not in texts:
            problems.append(Problem(Severity.WARNING, "brat-no-text",
                                    f"no {stem}.txt for this annotation file; not imported",
                                    file=str(ann)))
            continue
        owned[stem].append((ann, code))
    return [_Source(texts[s], tuple(owned[s])) for s in texts], problems


def import_brat(directory: str | os.PathLike[str], *, scheme: Scheme | None = None
                ) -> BratImport:
    """Articles and gold export of a BRAT corpus; bad input becomes problems."""
    scheme = scheme or load_scheme()
    _check_scheme(scheme)
    sources, problems = find_corpus(directory)
    result = BratImport(problems=problems)
    by_article: dict[str, dict[str, Any]] = {}
    for source in sources:
        _import_text(source, scheme, result, by_article)
    result.counts["texts"] = len(sources)
    result.counts["tasks"] = len(result.tasks)
    result.problems.extend(_not_imported(result.counts))
    return result


def _not_imported(counts: Counter[str]) -> list[Problem]:
    """One info line per kind of BRAT content the import leaves out on purpose."""
    problems = []
    for key, n in sorted(counts.items()):
        if key.startswith("not_imported_trigger:"):
            why = "event triggers (each event's Cue is imported instead)"
        elif key.startswith("not_imported_label:"):
            why = _LABEL_REASONS.get(key.split(":", 1)[1], "a label with no CLAIM/SOURCE/CUE "
                                     "meaning")
        elif key.startswith("ignored_"):
            why = "BRAT lines the import does not read"
        else:
            continue
        what = key.split(":", 1)[1] + " entities" if ":" in key else key.removeprefix("ignored_")
        problems.append(Problem(Severity.INFO, "brat-not-imported",
                                f"{n} {what} not imported: {why}"))
    return problems


def _import_text(source: _Source, scheme: Scheme, result: BratImport,
                 by_article: dict[str, dict[str, Any]]) -> None:
    file = str(source.text)
    raw = _read(source.text, result.problems)
    if raw is None:
        return
    mapped = MappedText(raw)
    if not mapped.text.strip():
        result.problems.append(Problem(Severity.ERROR, "brat-empty-text",
                                       "the text is blank; not imported", file=file))
        return
    result.counts["texts_normalised"] += mapped.changed
    if removed := controls_removed({"text": raw}, file=file):
        result.problems.append(removed)  # offsets are moved past them like past a BOM
    aid = article_id(mapped.text)
    task = by_article.get(aid)
    if task is None:
        task = _new_task(len(result.tasks) + 1, mapped.text, aid, source.text.name)
        by_article[aid] = task
        result.tasks.append(task)
        result.articles.append(_article(task["data"], file))
    else:
        result.problems.append(Problem(
            Severity.WARNING, "brat-duplicate-text",
            f"same text as task {task['id']}; its annotations are added there",
            file=file, article_id=aid))
    if not source.annotations:
        result.problems.append(Problem(Severity.INFO, "brat-no-annotations",
                                       "no .ann file for this text: a task without gold",
                                       file=file, article_id=aid))
    for ann_path, annotator in source.annotations:
        content = _read(ann_path, result.problems)
        if content is None:
            continue
        ann, found = parse_ann(content, str(ann_path))
        result.problems.extend(found)
        annotation = _annotation(ann, ann_path, annotator, mapped, scheme, task, result)
        task["annotations"].append(annotation)


def _annotation(ann: AnnFile, path: Path, annotator: str | None, mapped: MappedText,
                scheme: Scheme, task: dict[str, Any], result: BratImport) -> dict[str, Any]:
    where = {"file": str(path), "article_id": task["data"]["article_id"]}
    builder = AnnotationBuilder(mapped, scheme, where)
    items = builder.build(ann)
    result.problems.extend(builder.problems)
    result.counts.update(builder.counts)
    result.counts["annotations"] += 1
    for kind, n in ann.ignored.items():
        result.counts[f"ignored_{kind}"] += n
    return {
        "id": result.counts["annotations"],
        "completed_by": None if annotator is None else annotator_id(annotator),
        "result": items,
        "was_cancelled": False,
        "ground_truth": False,
    }


def _read(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        problems.append(Problem(Severity.ERROR, "brat-unreadable", f"cannot read: {why}",
                                file=str(path)))
    except UnicodeDecodeError as exc:
        problems.append(Problem(Severity.ERROR, "brat-unreadable",
                                f"not UTF-8 (byte {exc.start}); not imported", file=str(path)))
    return None


def _new_task(task_id: int, text: str, aid: str, text_file: str) -> dict[str, Any]:
    """A task whose title is the first line when ingest's title rule takes it as one;
    the title stays in the text too, since annotations may point into it."""
    _, title, _ = split_header(text.split("\n"))
    data = {"text": text, "article_id": aid, "title": normalise_line(title) if title else None}
    return {"id": task_id, "data": data, "annotations": [], "predictions": [],
            "meta": {"text_file": text_file}}


def _article(data: dict[str, Any], file: str) -> dict[str, Any]:
    return {"article_id": data["article_id"], "title": data["title"], "tags": [],
            "source": None, "url": None, "language": None, "published": None,
            "text": data["text"], "origin": {"path": file, "format": "txt"}}


def _check_scheme(scheme: Scheme) -> None:
    """The choices the import infers must exist in label_config.xml."""
    for control, values in INFERRED_VALUES.items():
        known = scheme.choices.get(control)
        missing = [v for v in values if known is None or v not in known.values]
        if missing:
            raise NewsclaimsError(f"label config has no {control} choice {missing}: "
                                  "import brat cannot infer it")


def write_brat_import(result: BratImport, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write OUT/articles.jsonl and OUT/gold.json atomically; their paths."""
    out = Path(out_dir)
    paths = {"articles": out / ARTICLES_FILE, "gold": out / GOLD_FILE}
    try:
        with atomic_open(paths["articles"], "w") as fh:
            for article in result.articles:
                fh.write(json.dumps(article, ensure_ascii=False) + "\n")
        with atomic_open(paths["gold"], "w") as fh:
            json.dump(result.tasks, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    except OSError as exc:
        raise NewsclaimsError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return paths
