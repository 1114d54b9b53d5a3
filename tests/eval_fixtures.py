"""The gold-annotated fictional articles under tests/fixtures/articles, as exports.

Pre-annotation is measured against these (docs/preannotation.md): `dev/` may be looked
at while writing rules, `heldout/` may not. Each article is a pair:

- `NAME.txt`: the task text exactly as `push` would send it (no trailing newline);
- `NAME.yaml`: `meta` (title, source, published, tags, language) plus surface gold
  (`article_id`, `spans`, `relations`) in the format of `newsclaims.review.surface`.

`gold_export("dev")` turns a split into a native Label Studio export (a list of
tasks) for `newsclaims evaluate`; `write_gold_export` writes it as a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newsclaims.core.atomic import atomic_write_text
from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.ids import article_id
from newsclaims.review.surface import check_gold, to_export_task, to_result

ARTICLES_DIR = Path(__file__).resolve().parent / "fixtures" / "articles"
SPLITS = ("dev", "heldout")
META_KEYS = ("title", "source", "published", "tags", "language")


@dataclass(frozen=True)
class FixtureArticle:
    """One article of a split: its text, its metadata and its surface gold."""

    name: str
    split: str
    text: str
    meta: dict[str, Any]
    gold: dict[str, Any]  # what newsclaims.review.surface reads: article_id, spans, relations, path

    @property
    def article_id(self) -> str:
        return article_id(self.text)

    def record(self) -> dict[str, Any]:
        """Task data: text, article_id and the metadata (published kept as an ISO string)."""
        meta = {key: self.meta[key] for key in META_KEYS if key in self.meta}
        return {"text": self.text, "article_id": self.article_id, **meta}


def split_dir(split: str) -> Path:
    if split not in SPLITS:
        raise NewsclaimsError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    return ARTICLES_DIR / split


def load_articles(split: str) -> list[FixtureArticle]:
    """Every article of `split`, sorted by file name (so task ids are stable)."""
    articles = []
    for text_path in sorted(split_dir(split).glob("*.txt")):
        gold_path = text_path.with_suffix(".yaml")
        raw = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("meta"), dict):
            raise NewsclaimsError(f"{gold_path}: needs a `meta` mapping and surface gold")
        meta = raw.pop("meta")
        gold = {**raw, "path": str(gold_path)}
        check_gold(gold)
        articles.append(
            FixtureArticle(
                name=text_path.stem,
                split=split,
                text=text_path.read_text(encoding="utf-8"),
                meta=meta,
                gold=gold,
            )
        )
    return articles


def gold_export(split: str) -> list[dict[str, Any]]:
    """A native Label Studio export of `split`: one task per article, its gold as the annotation."""
    tasks = []
    for number, article in enumerate(load_articles(split), start=1):
        result = to_result(article.gold, article.text)
        tasks.append(to_export_task(article.record(), result, task_id=number, annotation_id=number))
    return tasks


def export_path(split: str) -> Path:
    """Where the committed export of `split` lives (kept equal to `gold_export` by a test)."""
    return ARTICLES_DIR / f"gold-{split_dir(split).name}.json"


def export_json(split: str) -> str:
    """The export as JSON text: a list with one task per line (readable diffs, small files)."""
    lines = [json.dumps(task, ensure_ascii=False) for task in gold_export(split)]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def write_gold_export(split: str, path: str | Path | None = None) -> Path:
    """Write the export of `split` (default: `export_path(split)`) atomically."""
    path = Path(path) if path is not None else export_path(split)
    atomic_write_text(path, export_json(split))
    return path
