"""Entity suggestions (the `entity` control): a locally installed spaCy pipeline when
there is one, otherwise patterns and gazetteers from rules/<model_version>/entities.yaml.

spaCy is an optional extra and no model is ever downloaded: `spacy_pipeline()` only
loads a package that `spacy.util.get_installed_models()` already lists.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from typing import Any

from newsclaims.preannotate.rules import Rules, _alternation
from newsclaims.preannotate.text import Token, tokens

_POSSESSIVES = ("’s", "'s")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    label: str  # a label of the scheme's `entity` control


@functools.cache
def spacy_pipeline() -> Any | None:
    """The first installed spaCy pipeline with an NER component, or None."""
    if importlib.util.find_spec("spacy") is None:
        return None
    import spacy

    for name in sorted(spacy.util.get_installed_models()):
        nlp = spacy.load(name, exclude=["lemmatizer", "textcat"])
        if "ner" in nlp.pipe_names:
            return nlp
    return None


def backend_name() -> str:
    """"spacy-<pipeline>-<version>" when a pipeline is used, else "patterns"."""
    nlp = spacy_pipeline()
    if nlp is None:
        return "patterns"
    return f"spacy-{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}"


def spacy_entities(text: str, nlp: Any, allowed: set[str]) -> list[Entity]:
    return [
        Entity(e.start_char, e.end_char, e.label_) for e in nlp(text).ents if e.label_ in allowed
    ]


class PatternEntities:
    """Compiled patterns of one rule version (built once, reused for every article)."""

    def __init__(self, rules: Rules) -> None:
        ent = rules.ent
        lab = rules.entity_label
        self.label = lab
        symbols = sorted(ent["currency_symbols"], key=len, reverse=True)
        money_prefix = "|".join(re.escape(s) for s in symbols)
        scales = "|".join(re.escape(s) for s in ent["scales"])
        currencies = "|".join(re.escape(s) for s in ent["currency_words"])
        months = "|".join(re.escape(m) for m in ent["months"])
        number_words = "|".join(ent["number_words"])
        number = rf"(?:{_NUMBER}|(?:{number_words}))"
        units = _alternation(ent["units"]).pattern
        durations = "|".join(ent["durations"])
        approx = "|".join(r"\s+".join(map(re.escape, a.split())) for a in ent["approximators"])
        # Ordered: earlier patterns win where spans overlap.
        self.patterns: list[tuple[str, re.Pattern[str]]] = [
            (lab["money"], re.compile(
                rf"(?:{money_prefix})\s?(?:{_NUMBER})(?:\s+(?:{scales})\b)?"
                rf"|\b(?:{_NUMBER})(?:\s+(?:{scales}))?\s+(?:{currencies})\b")),
            (lab["percent"], re.compile(
                rf"(?:\b(?:{approx})\s+)?\b(?:{_NUMBER})\s?(?:%|percent\b|per cent\b)", re.I)),
            (lab["time"], re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)")),
            (lab["date"], re.compile(
                rf"\bbetween\s+(?:{months}|\d{{4}})(?:\s+\d{{4}})?\s+and\s+(?:{months})?\s*\d{{4}}\b"
                rf"|\bthe\s+\d{{4}}[–-]\d{{2,4}}\s+season\b"
                rf"|(?:\b(?:{approx})\s+)?\b{number}(?:-|\s+)(?:{durations})(?:-old)?\b", re.I)),
            (lab["date"], re.compile(
                rf"\b(?:(?:{months})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s+\d{{4}})?"
                rf"|\d{{1,2}}\s+(?:{months})(?:\s+\d{{4}})?|(?:{months})(?:\s+\d{{4}})?)(?!\w)"
                r"|\b(?:1[89]\d\d|20\d\d)s?\b")),
            (lab["date"], _alternation(ent["weekdays"])),
            (lab["date"], _alternation(ent["relative_dates"], flags=re.IGNORECASE)),
            (lab["quantity"], re.compile(rf"\b{number}(?:\s+(?:{scales}))?\s+{units}", re.I)),
            (lab["ordinal"], re.compile(
                r"\b\d+(?:st|nd|rd|th)\b|" + _alternation(ent["ordinals"], flags=re.I).pattern)),
        ]
        fractions = "|".join(r"[\s-]+".join(map(re.escape, f.split())) for f in ent["fractions"])
        self.patterns.append((lab["cardinal"], re.compile(
            rf"(?:\b(?:{approx})\s+)?\b(?:{fractions})\b(?![\w-])"
            r"|\b\d{1,2}[–-]\d{1,2}\b", re.I)))
        for label, phrases in ent["gazetteers"].items():
            self.patterns.append((label, _alternation(phrases)))
        self.patterns.append(
            (lab["cardinal"], re.compile(
                rf"(?:\b(?:{approx})\s+)?(?<![\w-])(?:{_NUMBER})(?:\s+(?:{scales})\b)?(?![\w%])"
                rf"|\b(?:{number_words})\b", re.I))
        )
        self.titles = _alternation(ent["titles"])
        self.title_end = re.compile(rf"(?:{self.titles.pattern})\s*$")
        self.particles = frozenset(ent["name_particles"])
        self.not_names = frozenset(ent["not_names"])
        self.org_suffixes = frozenset(ent["org_suffixes"])
        self.org_heads_of = frozenset(ent["org_heads_of"])
        self.suffix_label = {
            suffix: label for label, suffixes in ent["suffix_labels"].items() for suffix in suffixes
        }

    def find(self, text: str) -> list[Entity]:
        taken = bytearray(len(text))
        found: list[Entity] = []

        def add(start: int, end: int, label: str) -> None:
            if start < end and not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                found.append(Entity(start, end, label))

        for label, pattern in self.patterns:
            for m in pattern.finditer(text):
                add(m.start(), m.end(), label)
        known: dict[str, str] = {}  # a name's words -> label, for later short mentions
        for line_start, line in _lines(text):
            toks = tokens(line)
            headline = _is_headline(toks)
            for group in self._capitalised_groups(toks, taken, line_start):
                label = self._classify(group, line, headline, known)
                if label is None:
                    continue
                if label == self.label["person"]:
                    known.update((t.text, label) for t in group[-1:])
                elif label == self.label["org"] and len(group) > 1:
                    known.setdefault(group[0].text, label)
                end = group[-1].end
                if group[-1].text.endswith(_POSSESSIVES):
                    end -= 2
                add(line_start + group[0].start, line_start + end, label)
        return sorted(found, key=lambda e: e.start)

    def _capitalised_groups(
        self, toks: list[Token], taken: bytearray, offset: int
    ) -> list[list[Token]]:
        groups: list[list[Token]] = []
        current: list[Token] = []
        for i, tok in enumerate(toks):
            free = not taken[offset + tok.start]
            capital = tok.text[0].isupper() and free
            joins = tok.lower in self.particles or tok.text == "&" or (
                tok.lower == "of" and bool(current) and current[-1].text in self.org_heads_of
            )
            particle = joins and current and i + 1 < len(toks) and toks[i + 1].text[0].isupper()
            if capital or particle:
                current.append(tok)
                continue
            if current:
                groups.append(current)
            current = []
        if current:
            groups.append(current)
        return groups

    def _classify(
        self, group: list[Token], line: str, headline: bool, known: dict[str, str]
    ) -> str | None:
        while group and group[0].text in self.not_names:
            group.pop(0)
        if not group:
            return None
        # Strip a leading title that is part of the group ("Attorney General Pam Bondi").
        titled = bool(self.title_end.search(line[: group[0].start]))
        while len(group) > 1:
            m = self.titles.match(line, group[0].start)
            if not m or m.end() > group[-2].end:
                break
            while group and group[0].start < m.end():
                group.pop(0)
            titled = True
        if not group:
            return None
        last = group[-1].text.removesuffix("’s").removesuffix("'s")
        if last in self.org_suffixes or any(t.text in self.org_heads_of for t in group):
            return self.label["org"] if len(group) > 1 else None
        if last in self.suffix_label and len(group) > 1:
            return self.suffix_label[last]
        if headline:
            return None
        if len(group) == 1:
            word = group[0].text.removesuffix("’s").removesuffix("'s")
            if word in known:
                return known[word]
            if line[: group[0].start].endswith(("the ", "The ")) and group[0].start > 4:
                return self.label["org"]  # "the Ledger", "the Pentagon"
        if titled or len(group) >= 2:
            return self.label["person"]
        return None


def _lines(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


def _is_headline(toks: list[Token]) -> bool:
    words = [t for t in toks if t.text[0].isalpha()]
    if len(words) < 3:
        return True
    capitals = sum(1 for t in words if t.text[0].isupper())
    return capitals / len(words) > 0.6 and toks[-1].text not in ".!?”\""


def find_entities(text: str, rules: Rules) -> list[Entity]:
    nlp = spacy_pipeline()
    if nlp is not None:
        scheme = rules.scheme
        control = scheme.control_of_label[rules.entity_label["person"]]
        return spacy_entities(text, nlp, set(scheme.labels[control]))
    return _pattern_cache(rules).find(text)


_CACHE: dict[str, PatternEntities] = {}


def _pattern_cache(rules: Rules) -> PatternEntities:
    if rules.model_version not in _CACHE:
        _CACHE[rules.model_version] = PatternEntities(rules)
    return _CACHE[rules.model_version]
