"""The trained tagger on PolNeAR: train on train, score on dev, beside the rules.

    .venv/bin/python benchmarks/polnear_tagger.py PolNeAR/data/train PolNeAR/data/dev \\
        [--model MODEL] [--keep-model MODEL] [--max-iterations N] [--json]

Imports both splits (`import_brat`), trains a model on train (`train_tagger`; or uses
--model), pre-annotates dev with the model and with the rules, and scores both with
the counting of #12 (below), then scores both on the fictional articles and the seed
(`evaluate`, overlap one-to-one, as docs/preannotation.md's regression tables).
Prints training time and the tagger's throughput (dev articles per CPU second, in
process). Nothing of the corpus is written outside a temporary folder; a model kept
with --keep-model is trained on PolNeAR and must not be redistributed (no licence).
Never point this at PolNeAR's test split.

#12's counting (as docs/preannotation.md, "Real news"): the first annotation of each
text; a gold entity (all fragments of a discontinuous span) is found when a predicted
span of its label overlaps it; a predicted SOURCE or CUE is correct when it overlaps a
gold span of its label; a predicted CLAIM counts for precision only when linked to a
SOURCE or CUE; an attribution (content + cue, and source where the gold has one) is
recovered when a predicted CLAIM overlapping the content is linked to a CUE
overlapping the cue and, if the gold has a source, to a SOURCE overlapping it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from newsclaims.export.reader import read_export
from newsclaims.export.result_rows import parse_result
from newsclaims.ingest.brat import import_brat, write_brat_import
from newsclaims.preannotate import MODEL_VERSION, preannotate_articles
from newsclaims.preannotate.tagger import load_model
from newsclaims.review.evaluate import evaluate
from newsclaims.review.train import train_tagger

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
LABELS = ("CUE", "SOURCE", "CLAIM")
Frags = list[tuple[int, int]]


def _entity(region_id: str) -> str:
    """BRAT entity of an imported region: fragment ids are `T4-1`, `T4-2`, …"""
    return region_id.rsplit("-", 1)[0]


def _hits(start: int, end: int, frags: Frags) -> bool:
    return any(start < e and s < end for s, e in frags)


class IssueCounts:
    """#12's counting, added up article by article."""

    def __init__(self) -> None:
        self.n: Counter[Any] = Counter()

    def add(self, task: dict[str, Any], prediction: dict[str, Any]) -> None:
        text = task["data"]["text"]
        gold = parse_result(task["annotations"][0]["result"], text)
        entities: dict[str, dict[str, Frags]] = defaultdict(lambda: defaultdict(list))
        for span in gold.spans:
            entities[span["label"]][_entity(span["region_id"])].append((span["start"],
                                                                         span["end"]))
        links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for rel in gold.relations:
            if rel["from_label"] == "CLAIM":
                links[_entity(rel["from_id"])][rel["to_label"]].add(_entity(rel["to_id"]))
        regions = {item["id"]: (item["value"]["labels"][0], item["value"]["start"],
                                item["value"]["end"])
                   for item in prediction["result"] if item["type"] == "labels"}
        linked: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        for item in prediction["result"]:
            if item["type"] == "relation":
                label, s, e = regions[item["to_id"]]
                linked[item["from_id"]][label].append((s, e))
        self._spans(entities, regions, linked)
        self._attributions(entities, links, regions, linked)

    def _spans(self, entities: Any, regions: dict[str, Any], linked: Any) -> None:
        for label in LABELS:
            predicted = [(rid, s, e) for rid, (lab, s, e) in regions.items() if lab == label]
            for frags in entities[label].values():
                self.n[label, "gold"] += 1
                self.n[label, "found"] += any(_hits(s, e, frags) for _, s, e in predicted)
            every = [f for frags in entities[label].values() for f in frags]
            for rid, s, e in predicted:
                if label == "CLAIM" and not linked.get(rid):
                    continue
                self.n[label, "predicted"] += 1
                self.n[label, "correct"] += _hits(s, e, every)

    def _attributions(self, entities: Any, links: Any, regions: dict[str, Any],
                      linked: Any) -> None:
        claims = [(rid, s, e) for rid, (lab, s, e) in regions.items() if lab == "CLAIM"]
        for content, roles in links.items():
            source = [f for sid in roles["SOURCE"] for f in entities["SOURCE"][sid]]
            for cue_id in roles["CUE"]:
                cue = entities["CUE"][cue_id]
                self.n["attributions"] += 1
                self.n["recovered"] += any(
                    _hits(s, e, entities["CLAIM"][content])
                    and any(_hits(a, b, cue) for a, b in linked[rid]["CUE"])
                    and (not source or any(_hits(a, b, source) for a, b in linked[rid]["SOURCE"]))
                    for rid, s, e in claims)

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for label in LABELS:
            n = self.n
            p = n[label, "correct"] / n[label, "predicted"] if n[label, "predicted"] else 0.0
            r = n[label, "found"] / n[label, "gold"] if n[label, "gold"] else 0.0
            out[label] = {"precision": round(p, 3), "recall": round(r, 3),
                          "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                          "gold": n[label, "gold"], "predicted": n[label, "predicted"]}
        out["attribution_recall"] = round(self.n["recovered"] / max(1, self.n["attributions"]),
                                          3)
        out["attributions"] = self.n["attributions"]
        return out


def issue_scores(tasks: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> dict:
    by_article = {p["article_id"]: p for p in predictions}
    counts = IssueCounts()
    for task in tasks:
        if task["annotations"]:
            counts.add(task, by_article.get(task["data"]["article_id"], {"result": []}))
    return counts.report()


def _predict(articles: list[dict[str, Any]], model: Any) -> tuple[list[dict], float]:
    started = time.process_time()
    predictions = preannotate_articles(articles, version=MODEL_VERSION, model=model,
                                       problems=[])
    return predictions, time.process_time() - started


def _fixture_scores(model: Any) -> dict[str, Any]:
    """overlap (one-to-one) P/R/F1 and triple accuracy on the fictional articles."""
    out: dict[str, Any] = {}
    for split in ("dev", "heldout"):
        tasks = read_export(FIXTURES / f"gold-{split}.json")
        for name, used in (("tagger", model), ("rules", None)):
            predictions, _ = _predict([t["data"] for t in tasks], used)
            report = evaluate(tasks, predictions)
            out[f"{split} {name}"] = {
                **{label: [round(report["labels"][label]["overlap"][k] or 0.0, 2)
                           for k in ("precision", "recall", "f1")] for label in LABELS},
                "triples": round(report["triples"]["accuracy"] or 0.0, 2)}
    return out


def run(train_dir: Path, dev_dir: Path, model_path: Path | None, keep: Path | None,
        iterations: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="polnear-tagger-") as scratch:
        if model_path is None:
            write_brat_import(import_brat(train_dir), Path(scratch) / "train")
            model_path = keep or Path(scratch) / "model.bin"
            trained = train_tagger(Path(scratch) / "train", model_path,
                                   max_iterations=iterations)
            result["training"] = {"seconds": trained.seconds, "counts": dict(trained.counts),
                                  "params": trained.params}
        model = load_model(model_path)
        result["model_version"] = model.model_version
        dev = import_brat(dev_dir)
        tagged, cpu = _predict(dev.articles, model)
        ruled, rules_cpu = _predict(dev.articles, None)
    result["dev"] = {"tagger": issue_scores(dev.tasks, tagged),
                     "rules": issue_scores(dev.tasks, ruled)}
    result["throughput"] = {"articles": len(dev.articles),
                            "tagger_articles_per_cpu_second": round(len(dev.articles) / cpu, 1),
                            "rules_articles_per_cpu_second": round(len(dev.articles) / rules_cpu,
                                                                   1)}
    result["fixtures"] = _fixture_scores(model)
    return result


def _print(result: dict[str, Any]) -> None:
    if "training" in result:
        t = result["training"]
        print(f"trained on {t['counts']['articles']} articles, {t['counts']['tokens']} tokens: "
              f"{t['seconds']}")
    print(f"model {result['model_version']}; throughput {result['throughput']}")
    print(f"{'PolNeAR dev':<12}" + "".join(f"{label:>20}" for label in LABELS)
          + "   attribution recall")
    for name, scores in result["dev"].items():
        cells = "".join(f"{s['precision']:>8.3f}/{s['recall']:.3f}/{s['f1']:.3f}"
                        for s in (scores[label] for label in LABELS))
        print(f"{name:<12}{cells}   {scores['attribution_recall']:.3f}")
    print("fictional articles (overlap one-to-one P/R/F1, triples):")
    for name, scores in result["fixtures"].items():
        print(f"  {name:<16}" + "  ".join(f"{label} {scores[label]}" for label in LABELS)
              + f"  triples {scores['triples']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train", type=Path, help="PolNeAR train split folder")
    parser.add_argument("dev", type=Path, help="PolNeAR dev split folder")
    parser.add_argument("--model", type=Path, help="use this model instead of training one")
    parser.add_argument("--keep-model", type=Path, help="write the trained model here")
    parser.add_argument("--max-iterations", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.train, args.dev, args.model, args.keep_model, args.max_iterations)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
