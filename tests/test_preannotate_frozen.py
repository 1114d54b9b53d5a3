"""A released rule version never changes its output: `rules-2026.11` and
`rules-2026.12` predictions are locked by digest, so code shared between versions, or
rewritten for speed, cannot move them silently.

`tests/fixtures/frozen/rules-2026.11.json` holds one sha256 per article of the
prediction as canonical JSON (sorted keys). The digests were written once, from
commit 90c59ab, the last commit before rules-2026.12 work touched the shared code;
they are an output lock by design (the one place where expected values come from
the program), never to be regenerated to make a change pass. The articles: the seed,
the development fixtures, articles rotated from their paragraphs, dense template
articles, and hand-written edge cases (quotes, dashes, scripts without case).
The held-out fixtures are not used here, as in the quality tests.

`tests/fixtures/frozen/rules-2026.12.json` locks rules-2026.12 the same way, written
once from commit 2986194 (the merge that made it the default, before any speed work),
over the same articles plus news-style articles of 3,000 characters (the size the
throughput goal is about), the 2026.12 constructions (two-apostrophe quotes, colon
cues, title-case headline verbs, "who said", particles) and scrambles of news
fragments (unbalanced quotes, dashes, scripts without case). Its digest is of the
bytes `write_predictions` writes (orjson, keys in the order the code makes them), so
even the key order is held. Write a new version's lock with
`python tests/test_preannotate_frozen.py VERSION` (it refuses to overwrite one).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import orjson
import pytest

from eval_fixtures import load_articles
from newsclaims.core.ids import article_id
from newsclaims.preannotate import preannotate

ROOT = Path(__file__).resolve().parents[1]
FROZEN = Path(__file__).resolve().parent / "fixtures" / "frozen"
VERSION = "rules-2026.11"
LOCKED = ("rules-2026.11", "rules-2026.12")

_EDGE_CASES = [
    "“We will not back down,” Senator Ana Ruiz told reporters on Monday.",
    '"The numbers speak for themselves," said the Finance Ministry.',
    "Prices rose sharply in March, according to a report by the central bank.",
    "The company will reportedly cut 300 jobs in its Ohio plant.",
    "Its president, Hector Ballantyne, said the study relied on badly placed wells.",
    "The agent, who spoke on condition of anonymity, said a fee was on the table.",
    "“我们已经准备好了,” 王伟 told Reuters on Monday.",
    "Officials have not confirmed whether the talks took place.",
    "In a statement, the council said the bridge would reopen in June — after repairs.",
    "Jane Doe, a spokeswoman for the ministry, said the fees would rise. She added that "
    "the plan, which “nobody liked,” was final, citing a budget gap of $4 million.",
    "Иван Петров said the port in Odesa handled 12 percent more grain in 2025 🚢.",
    "The governor's state-of-the-state address praised the late-night-show hosts.",
]
_TEMPLATES = [
    "{org} said on Tuesday that it would cut {n} jobs by 2029.",
    "“We are not going to back down,” {person} told reporters in {place}.",
    "Prices rose {n} percent in May, according to a report by {org}.",
    "{person}, a spokeswoman for {org}, said the plan was “a mistake” and should go.",
    "Sources familiar with the talks say the deal could be signed within {n} days.",
    "A study published in March found that {n} percent of households in {place} were hit.",
    "“The numbers speak for themselves. We have delivered,” said {person}.",
    "Critics argue that the {n}-year programme has failed to reach rural areas.",
]


def _texts() -> dict[str, str]:
    """Article name -> text; built here, not by the benchmark, so that changing the
    benchmark's generator cannot change what is locked."""
    texts = {"seed": (ROOT / "seeds" / "000_3555f0db28fc0288.txt").read_text("utf-8")}
    dev = load_articles("dev")
    texts.update({f"dev/{a.name}": a.text for a in dev})
    paragraphs = [p.strip() for text in texts.values() for p in text.split("\n\n")
                  if len(p.split()) > 8]
    for i in range(40):
        picked = [paragraphs[(i + 7 * k) % len(paragraphs)] for k in range(4)]
        texts[f"rotated/{i}"] = "\n\n".join(picked)
    rng = random.Random(12)
    people = ["Maria Lopez", "Daniel Okafor", "Chen Wei", "Omar Haddad", "Иван Петров"]
    orgs = ["Harbor Bank", "the Justice Department", "the city council", "Northgate Corp."]
    for i in range(40):
        texts[f"template/{i}"] = " ".join(
            rng.choice(_TEMPLATES).format(
                org=rng.choice(orgs), person=rng.choice(people), n=rng.randint(2, 900),
                place=rng.choice(["Kenya", "Mexico", "Japan"]),
            )
            for _ in range(12)
        )
    texts.update({f"edge/{i}": text for i, text in enumerate(_EDGE_CASES)})
    return texts


# rules-2026.12 constructions (invented sentences, as in test_preannotate_broad).
_EDGE_CASES_2026_12 = [
    "The Ohio senator said the bill would pass before the recess.",
    "''We will win this state by ten points,'' she said. ''Nobody doubts it.''",
    "Ms. Vance, who said the audit was flawed, left the meeting early.",
    "Governor Ruiz has called for an independent audit of the port.",
    "The mayor praised the firefighters and said the city would rebuild the depot.",
    "Senator Okafor plans to introduce a new tariff bill in March.",
    "The budget plans for the harbour were published in May.",
    "Lena Ortiz, 41, a nurse from Dayton, said the clinic closed in June.",
    "Ruiz: The port deal will cost jobs\n\nThe port deal was signed on Monday.",
    "Mayor Ruiz Says The Port Deal Will Cost Jobs\n\nThe deal was signed on Monday.",
    "“How tall will the wall be?” Ortiz asked at the hearing.",
    "The minister declared:\n\n“We will rebuild every school by 2028.”",
    "“It is over,” wrote Larry Ruiz, who ran the campaign in 2024.",
    "Sen. Ana Ruiz (D-Ohio) pointed out that the fund is empty, saying it needs $4 million.",
    "Current and former officials said the talks had stalled, and the envoy is calling for "
    "a pause.",
    "If you want to understand the vote, look at the map of the county.",
]
# Fragments that real news and its archives put together in odd ways.
_FRAGMENTS = [
    "said", "says", "told reporters", "according to", "reportedly", "wrote", "called for",
    "asked", "urged", "wants", "plans", "believes", "noted", "warned", "added", "who said",
    "Senator Ana Ruiz", "the ministry", "officials", "he", "she", "they", "it", "Ruiz:",
    "Mr. O'Brien", "U.S.", "Jr.", "the state-of-the-state address", "late-night-show",
    "“", "”", "\"", "''", "‘", "’", "'", ":", ";", ",", ".", "—", "–", "-", "(", ")",
    "?", "!", "…", "\n", "\n\n", " ", "王伟", "我们已经准备好了", "Иван Петров", "قال",
    "🚀", "$4 million", "12%", "2025", "March 3", "in a statement", "that", "which",
    "the Justice Department", "Harbor Bank", "three", "percent", "on Tuesday",
]


def _news_style(paragraphs: list[str], count: int, chars: int = 3000) -> dict[str, str]:
    """`count` articles of about `chars` characters, paragraphs picked at random."""
    rng = random.Random(2612)
    texts = {}
    for i in range(count):
        order = rng.sample(paragraphs, len(paragraphs))
        picked: list[str] = []
        while sum(len(p) + 2 for p in picked) < chars and len(picked) < len(order):
            picked.append(order[len(picked)])
        text = "\n\n".join(picked)
        texts[f"news/{i}"] = text[: text.rfind(".", 0, chars) + 1 or chars]
    return texts


def _texts_2026_12() -> dict[str, str]:
    """The 2026.11 articles, plus news-style, 2026.12 and scrambled ones."""
    texts = _texts()
    paragraphs = [p.strip() for name, text in texts.items() if name.startswith(("seed", "dev/"))
                  for p in text.split("\n\n") if len(p.split()) > 8]
    texts.update(_news_style(paragraphs, 60))
    texts.update({f"edge-2026.12/{i}": t for i, t in enumerate(_EDGE_CASES_2026_12)})
    rng = random.Random(1226)
    for i in range(60):
        texts[f"scrambled/{i}"] = " ".join(rng.choices(_FRAGMENTS, k=rng.randint(5, 120)))
    return texts


def _digest(text: str, version: str) -> str:
    prediction = preannotate({"text": text, "article_id": article_id(text)}, version=version)
    if version == "rules-2026.11":  # as locked at 90c59ab: canonical JSON
        canonical = json.dumps(prediction, ensure_ascii=False, sort_keys=True).encode("utf-8")
    else:  # the bytes write_predictions writes
        canonical = orjson.dumps(prediction, option=orjson.OPT_APPEND_NEWLINE)
    return hashlib.sha256(canonical).hexdigest()


def _locked_texts(version: str) -> dict[str, str]:
    return _texts() if version == "rules-2026.11" else _texts_2026_12()


@pytest.mark.parametrize("version", LOCKED)
def test_a_locked_version_output_is_unchanged(version: str) -> None:
    frozen = json.loads((FROZEN / f"{version}.json").read_text("utf-8"))
    now = {name: _digest(text, version) for name, text in _locked_texts(version).items()}
    assert set(now) == set(frozen), "the locked article set changed"
    changed = sorted(name for name in now if now[name] != frozen[name])
    assert changed == [], f"{version} output changed for: {changed}"


def _write_lock(version: str) -> None:
    """Write the lock of a version that has none yet (never to overwrite one)."""
    path = FROZEN / f"{version}.json"
    if path.exists():
        raise SystemExit(f"{path} exists: a lock is written once, never regenerated")
    digests = {name: _digest(text, version) for name, text in _locked_texts(version).items()}
    path.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_lock(sys.argv[1])
