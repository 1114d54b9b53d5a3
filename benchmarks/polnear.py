"""A BRAT attribution corpus (PolNeAR's dev split) through the pipeline: import brat ->
validate -> preannotate -> evaluate. Prints the figures docs/import-brat.md and
docs/preannotation.md quote, so anyone with the corpus can reproduce them.

    .venv/bin/python benchmarks/polnear.py PolNeAR/data/dev [--out DIR] [--json]
    .venv/bin/python benchmarks/polnear.py PolNeAR/data/dev --model-version rules-2026.11

The corpus is not in this repository (it has no licence): fetch it yourself
(github.com/networkdynamics/PolNeAR) and point this script at a split folder holding
`text/` and `attributions/`. Use train and dev only; the test split is for one final
evaluation after the rules are frozen, as the corpus README asks. Nothing of the corpus
is written outside --out (default: a temporary folder, removed afterwards).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newsclaims.core.errors import NewsclaimsError
from newsclaims.export.validate import validate
from newsclaims.ingest.brat import import_brat, write_brat_import
from newsclaims.preannotate import MODEL_VERSION, preannotate
from newsclaims.review.evaluate import evaluate, format_table


def run(corpus: Path, out: Path, model_version: str) -> dict[str, Any]:
    started = time.perf_counter()
    imported = import_brat(corpus)
    paths = write_brat_import(imported, out)
    import_seconds = time.perf_counter() - started
    report = validate(paths["gold"])
    predictions, failures = [], []
    started = time.perf_counter()
    for article in imported.articles:
        try:
            predictions.append(preannotate(article, version=model_version))
        except NewsclaimsError as exc:  # a rules bug: count it, score the article as empty
            failures.append(str(exc))
    preannotate_seconds = time.perf_counter() - started
    scores = evaluate(imported.tasks, predictions, attributed_only=True)  # no outlet voice
    scores["problems"] = _by_code(scores["problems"])
    return {
        "corpus": str(corpus),
        "import": {"seconds": round(import_seconds, 2), "counts": dict(sorted(
            imported.counts.items())), "problems": _by_code(imported.problems)},
        "validate": {"counts": report.counts, "problems": _by_code(report.problems)},
        "preannotate": {"model_version": model_version, "articles": len(imported.articles),
                        "failed": failures, "seconds": round(preannotate_seconds, 2)},
        "evaluate": scores,
    }


def _by_code(problems: list[Any]) -> dict[str, int]:
    return dict(sorted(Counter(f"{p.severity} {p.code}" for p in problems).items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a split folder: text/ + attributions/")
    parser.add_argument("--out", type=Path, help="keep articles.jsonl and gold.json here")
    parser.add_argument("--model-version", default=MODEL_VERSION)
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        result = run(args.corpus, args.out or Path(scratch), args.model_version)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    counts = result["import"]["counts"]
    print(f"import brat {result['corpus']}: {result['import']['seconds']} s, "
          f"{counts['tasks']} tasks, {counts['annotations']} annotations, "
          f"{counts['attributions']} attributions, {counts.get('discontinuous_spans', 0)} "
          f"discontinuous spans ({counts.get('discontinuous_fragments', 0)} fragments), "
          f"{counts.get('spans_remapped', 0)} spans remapped, "
          f"{counts.get('spans_trimmed', 0)} trimmed")
    print(f"  import problems: {result['import']['problems']}")
    print(f"validate: {result['validate']['counts']}")
    print(f"  problems: {result['validate']['problems']}")
    pre = result["preannotate"]
    print(f"preannotate {pre['model_version']}: {pre['articles']} articles in {pre['seconds']} s,"
          f" {len(pre['failed'])} failed")
    for failure in pre["failed"]:
        print(f"  {failure}")
    print(format_table(result["evaluate"]))
    print(f"evaluate problems: {result['evaluate']['problems']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
