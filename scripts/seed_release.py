"""Build dataset vX.Y.Z from the reviewed seed gold, through a real Label Studio.

The gold is written by surface text (dataset/gold/*.yaml). This script ingests the
seed articles, pushes them (no suggestions) into a fresh project on the local
server, records each gold file as an annotation through the API, pulls the native
export into dataset/annotations/, and releases it. The server must be running
(`newsclaims studio start`), or LABEL_STUDIO_URL/LABEL_STUDIO_API_KEY set.

    .venv/bin/python scripts/seed_release.py --version 0.1.0

With --from-export, an export already pulled (dataset/annotations/*.json) is released
again without the server, e.g. when the release format changes and the data does not:

    .venv/bin/python scripts/seed_release.py --version 0.2.0 \
        --from-export dataset/annotations/newsclaims-gold-...Z.json --notes "..."
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from newsclaims.core.errors import NewsclaimsError
from newsclaims.ingest.ingest import ingest
from newsclaims.release.release import release
from newsclaims.review.surface import load_surface_gold, to_result
from newsclaims.studio.client import connect, existing_article_ids
from newsclaims.studio.pull import pull
from newsclaims.studio.push import push

ROOT = Path(__file__).resolve().parents[1]


def build(version: str, *, seeds: Path, gold_dir: Path, dataset_dir: Path) -> Path:
    ingested = ingest([seeds])
    if ingested.problems:
        raise NewsclaimsError(f"ingest reported problems: {ingested.problems[0]}")
    texts = {a["article_id"]: a["text"] for a in ingested.articles}
    golds = [load_surface_gold(p) for p in sorted(gold_dir.glob("*.yaml"))]
    missing = [g["article_id"] for g in golds if g.get("article_id") not in texts]
    if missing:
        raise NewsclaimsError(f"gold for articles not in {seeds}: {missing}")

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    project = f"newsclaims-gold-{version}-{stamp}"
    studio = connect()
    pushed = push(ingested.articles, project_title=project, suggest=False, studio=studio)
    if pushed.project_id is None or pushed.failed:
        raise NewsclaimsError(f"push failed: {pushed.problems[:1]}")
    task_ids = existing_article_ids(studio, pushed.project_id)
    for gold in golds:
        aid = gold["article_id"]
        result = to_result(gold, texts[aid])
        studio.client.annotations.create(id=task_ids[aid][0], result=result)

    pulled = pull(dataset_dir / "annotations", project_title=project, studio=studio)
    return release_export(pulled.path, version, dataset_dir=dataset_dir,
                          notes=f"Seed gold ({len(golds)} article(s)) from "
                          f"{gold_dir.relative_to(ROOT)}.")


def release_export(export: Path, version: str, *, dataset_dir: Path, notes: str) -> Path:
    made = release(export, version=version, dataset_dir=dataset_dir, notes=notes)
    for problem in made.problems:
        print(problem, file=sys.stderr)
    if not made.ok:
        raise NewsclaimsError(f"release {version} refused")
    return made.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--gold", type=Path, default=ROOT / "dataset" / "gold")
    parser.add_argument("--dataset-dir", type=Path, default=ROOT / "dataset")
    parser.add_argument("--from-export", type=Path,
                        help="release this pulled export again (no Label Studio)")
    parser.add_argument("--notes", help="release notes for --from-export")
    args = parser.parse_args()
    try:
        if args.from_export:
            if not args.notes:
                parser.error("--from-export needs --notes (why this release exists)")
            path = release_export(args.from_export, args.version, dataset_dir=args.dataset_dir,
                                  notes=args.notes)
        else:
            path = build(args.version, seeds=args.seeds, gold_dir=args.gold,
                         dataset_dir=args.dataset_dir)
    except NewsclaimsError as exc:
        sys.exit(f"error: {exc}")
    print(f"released {path}")


if __name__ == "__main__":
    main()
