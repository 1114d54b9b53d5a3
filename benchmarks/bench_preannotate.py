"""Pre-annotation throughput on one core: articles of 3,000 characters per second.

    .venv/bin/python benchmarks/bench_preannotate.py [N] [MODEL_VERSION]   # prints JSON

`measure(n)` is what benchmarks/run.py calls (through cases.py, in a fresh process).
Two sets of `n` distinct articles (no two with the same article_id), each cut to 3,000
characters at a sentence end: news-style ones assembled from the paragraphs of the
seed and development articles (the figure the goal is about), and synthetic dense
ones where every sentence carries a cue, a quote, a name or a number (about twice the
regions of real news: a worst case).

The goal (issue 13) is about the command as a whole: `process_articles_per_cpu_second`
runs `newsclaims preannotate` on the news-style articles in a child process, start-up,
reading, checking and writing included, and divides by the child's CPU seconds; the
run must write one prediction per article, or the measure fails. The in-process
figures time the rule path alone, after the rules are compiled.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsclaims.core.ids import article_id
from newsclaims.preannotate import MODEL_VERSION, preannotate_articles
from newsclaims.preannotate.entities import PatternEntities, spacy_pipeline
from newsclaims.preannotate.rules import load_rules

ARTICLE_CHARS = 3000
ROOT = Path(__file__).resolve().parents[1]
DEV_DIR = ROOT / "tests" / "fixtures" / "articles" / "dev"

_PEOPLE = ["Maria Lopez", "Daniel Okafor", "Chen Wei", "Ingrid Halvorsen", "Omar Haddad",
           "Priya Raman", "Jonas Becker", "Aiko Tanaka", "Иван Петров", "Sofia Marín"]
_ORGS = ["Northgate Energy Corp.", "the Ministry of Finance", "Harbor Bank",
         "the Justice Department", "Meridian Health Group", "the city council",
         "Brightwater University"]
_PLACES = ["Venezuela", "Canada", "Mexico", "Germany", "Kenya", "Brazil", "Japan"]
_TEMPLATES = [
    "{org} said on Tuesday that it would cut {n} jobs by {year}.",
    "“We are not going to back down,” {person} told reporters in {place}.",
    "Prices rose {pct} percent in {month}, according to a report by {org}.",
    "The company will reportedly spend ${n} million on the project 🚀.",
    "{person}, a spokeswoman for {org}, said the plan was “a mistake” and should be withdrawn.",
    "Sources familiar with the talks say the deal could be signed within {n} days.",
    "{org} posted revenue of ${n} million in {month}, up from ${n2} million a year earlier.",
    "Officials have not confirmed whether the talks took place in {place}.",
    "A study published in {month} found that {pct} percent of households in {place} were "
    "affected.",
    "“The numbers speak for themselves. We have delivered,” said {person}.",
    "Critics argue that the {n}-year programme has failed to reach rural areas.",
    "The {nationality} government denied the allegations, calling them baseless.",
]
_MONTHS = ["January", "March", "May", "August", "October", "December"]
_NATIONALITIES = ["Venezuelan", "Canadian", "Mexican", "German", "Kenyan"]


def _distinct(make: Callable[[], str], n: int) -> list[dict[str, Any]]:
    """`n` articles from `make()` with no article_id twice (a repeat is made again)."""
    articles: dict[str, dict[str, Any]] = {}
    k = 0
    while len(articles) < n:
        text = make()
        articles.setdefault(article_id(text), {"text": text, "article_id": article_id(text)})
        k += 1
        if k > 20 * n + 100:
            raise RuntimeError(f"only {len(articles)} distinct articles in {k} tries")
    return list(articles.values())


def synthetic_articles(n: int, chars: int = ARTICLE_CHARS, seed: int = 6) -> list[dict[str, Any]]:
    """`n` distinct articles of about `chars` characters (cut at a sentence end)."""
    rng = random.Random(seed)

    def make() -> str:
        sentences: list[str] = []
        length = 0
        while length < chars:
            sentence = rng.choice(_TEMPLATES).format(
                org=rng.choice(_ORGS), person=rng.choice(_PEOPLE), place=rng.choice(_PLACES),
                n=rng.randint(2, 900), n2=rng.randint(2, 900), year=rng.randint(2026, 2031),
                pct=rng.randint(1, 60), month=rng.choice(_MONTHS),
                nationality=rng.choice(_NATIONALITIES),
            )
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence)
            length += len(sentence) + 1
        text = " ".join(sentences)
        cut = text.rfind(".", 0, chars) + 1 or chars
        return text[:cut]

    return _distinct(make, n)


def news_articles(n: int, chars: int = ARTICLE_CHARS, seed: int = 13) -> list[dict[str, Any]]:
    """`n` distinct articles of about `chars` characters made of real news-style
    paragraphs (the seed article and the development fixtures, never the held-out
    ones): each a random choice of paragraphs in a random order. (Taking every 7th
    paragraph from a different start gave only as many articles as paragraphs, 43.)"""
    sources = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEV_DIR.glob("*.txt"))
    paragraphs = [
        p.strip() for path in sources
        for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 8
    ]
    rng = random.Random(seed)

    def make() -> str:
        order = rng.sample(paragraphs, len(paragraphs))
        picked: list[str] = []
        while sum(len(p) + 2 for p in picked) < chars:
            picked.append(order[len(picked)])
        text = "\n\n".join(picked)
        cut = text.rfind(".", 0, chars) + 1 or chars
        return text[:cut]

    return _distinct(make, n)


def _rate(articles: list[dict[str, Any]], version: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process, and regions per article. On a shared
    machine the CPU time is the fairer "one core" figure: it leaves out the time the
    process waited for a core."""
    started, cpu = time.perf_counter(), time.process_time()
    predictions = preannotate_articles(articles, version=version)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    regions = sum(1 for p in predictions for item in p["result"] if item["type"] == "labels")
    return seconds, cpu_seconds, regions / len(articles)


def whole_process(articles: list[dict[str, Any]], version: str) -> dict[str, Any]:
    """Run `newsclaims preannotate` on `articles` in a child process; its CPU seconds
    (user + system, start-up included) and wall seconds. Fails unless it exits 0
    having written one prediction per article."""
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "articles.jsonl", Path(tmp) / "predictions.jsonl"
        source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                          encoding="utf-8")
        command = [sys.executable, "-c", "from newsclaims.cli import main; main()",
                   "preannotate", str(source), "-o", str(out), "--model-version", version]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        written = len(out.read_bytes().splitlines()) if out.exists() else 0
    if done.returncode != 0 or written != len(articles):
        raise RuntimeError(f"preannotate exit {done.returncode}, wrote {written} of "
                           f"{len(articles)}: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu}


def measure(
    n: int = 500, chars: int = ARTICLE_CHARS, repeat: int = 3, version: str = MODEL_VERSION
) -> dict[str, Any]:
    """Pre-annotate `n` news-style articles, then `n` denser synthetic ones, in this
    process (one core), then the news-style ones with the CLI in a child process;
    `process_articles_per_cpu_second` is the figure the goal is about."""
    rules = load_rules(version)
    PatternEntities(rules)  # compile outside the timed part, as a real run does once
    news, dense = news_articles(n, chars), synthetic_articles(n, chars)
    preannotate_articles(news[:5], version=version)  # warm the caches (rules, schemas)
    # Best of `repeat` passes, as timeit does: on a shared machine the slower passes
    # measure the neighbours; the median is reported too.
    process_runs = [whole_process(news, version) for _ in range(repeat)]
    news_runs = [_rate(news, version) for _ in range(repeat)]
    dense_runs = [_rate(dense, version) for _ in range(repeat)]
    process = min(process_runs, key=lambda r: r["cpu_seconds"])
    news_seconds, news_cpu, news_regions = min(news_runs)
    dense_seconds, dense_cpu, dense_regions = min(dense_runs)
    return {
        "repeat": repeat,
        "process_articles_per_cpu_second": round(n / process["cpu_seconds"], 1),
        "process_articles_per_second": round(n / process["seconds"], 1),
        "process_cpu_seconds": round(process["cpu_seconds"], 3),
        "median_articles_per_second": round(n / statistics.median(r[0] for r in news_runs), 1),
        "articles": n,
        "mean_chars": round(sum(len(a["text"]) for a in news) / n),
        "preannotate_seconds": round(news_seconds, 4),
        "articles_per_second": round(n / news_seconds, 1),
        "articles_per_cpu_second": round(n / news_cpu, 1),
        "regions_per_article": round(news_regions, 1),
        "dense_articles_per_second": round(n / dense_seconds, 1),
        "dense_articles_per_cpu_second": round(n / dense_cpu, 1),
        "dense_regions_per_article": round(dense_regions, 1),
        "entity_backend": "spacy" if spacy_pipeline() is not None else "patterns",
        "model_version": version,
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    print(json.dumps(measure(count, version=sys.argv[2] if len(sys.argv) > 2 else MODEL_VERSION)))
