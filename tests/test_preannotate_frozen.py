"""A released rule version never changes its output: `rules-2026.11` predictions are
locked by digest, so code shared with newer versions cannot move them silently.

`tests/fixtures/frozen/rules-2026.11.json` holds one sha256 per article of the
prediction as canonical JSON (sorted keys). The digests were written once, from
commit 90c59ab, the last commit before rules-2026.12 work touched the shared code;
they are an output lock by design (the one place where expected values come from
the program), never to be regenerated to make a change pass. The articles: the seed,
the development fixtures, articles rotated from their paragraphs, dense template
articles, and hand-written edge cases (quotes, dashes, scripts without case).
The held-out fixtures are not used here, as in the quality tests.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from eval_fixtures import load_articles
from newsclaims.core.ids import article_id
from newsclaims.preannotate import preannotate

ROOT = Path(__file__).resolve().parents[1]
FROZEN = Path(__file__).resolve().parent / "fixtures" / "frozen"
VERSION = "rules-2026.11"

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


def _digest(text: str) -> str:
    prediction = preannotate({"text": text, "article_id": article_id(text)}, version=VERSION)
    canonical = json.dumps(prediction, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_rules_2026_11_output_is_unchanged() -> None:
    frozen = json.loads((FROZEN / f"{VERSION}.json").read_text("utf-8"))
    now = {name: _digest(text) for name, text in _texts().items()}
    assert set(now) == set(frozen), "the locked article set changed"
    changed = sorted(name for name in now if now[name] != frozen[name])
    assert changed == [], f"{VERSION} output changed for: {changed}"
