"""Rule data for one `model_version`: word lists read from rules/<model_version>/*.yaml
and compiled once (the regexes are the expensive part, and a run reuses them for
every article)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newsclaims.core.errors import NewsclaimsError
from newsclaims.core.scheme import RELATION_ENDPOINTS, Scheme, load_scheme
from newsclaims.preannotate import text as text_module

MODEL_VERSION = "rules-2026.12"
RULES_DIR = Path(__file__).resolve().parent / "rules"
RULE_FILES = ("labels", "cues", "sources", "entities")
# libyaml's parser with the safe constructor: the same data as yaml.safe_load, about 10x
# faster (pure-Python parsing of the rule files was ~0.15 CPU s of every run's start-up).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _build_trie(keys: set[str]) -> dict[str, Any]:
    """A trie of `keys`: character -> subtree ("" marks a key's end)."""
    root: dict[str, Any] = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _emit(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _emit(child)
        for ch, child in sorted(node.items())
        if ch
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _trie(keys: set[str]) -> str:
    """Regex body matching any of `keys`, factored by common prefixes: Python's `re`
    tries a flat alternation of hundreds of words at every position, a trie once."""
    return _emit(_build_trie(keys))


def _alternation(phrases: list[str], *, flags: int = 0) -> re.Pattern[str]:
    """A regex matching any phrase as whole words (the longest that fits), spaces as \\s+.

    It means `(?<![\\w$€£¥₹])(?:TRIE)(?![\\w])`, written so that it starts with a plain
    character class: the first characters of the phrases in either case, and every
    non-ASCII character (case folding can map one of those onto an ASCII letter). `re`
    then jumps from one such character to the next instead of trying the pattern at
    every position; the lookbehinds that follow check the character before it and, in
    the pattern's case mode, that it is the first character of a phrase."""
    fold = bool(flags & re.IGNORECASE)
    keys = {" ".join(p.lower().split() if fold else p.split()) for p in phrases if p.strip()}
    root = _build_trie(keys)
    mode = "(?i:" if fold else "(?:"
    firsts = sorted(ch for ch in root if ch)
    variants = {v for ch in firsts if ch.isascii() for v in (ch, ch.lower(), ch.upper())}
    # Written as the ASCII characters it leaves out: a class holding the range up to
    # U+10FFFF takes re ~10 ms to compile, one of ASCII exclusions ~0.1 ms.
    lead = "^" + "".join(f"\\x{i:02x}" for i in range(128) if chr(i) not in variants)
    branches = "|".join(
        f"(?<={mode}{re.escape(ch)})){mode}{_emit(root[ch])})" for ch in firsts
    )
    body = rf"[{lead}](?<![\w$€£¥₹][\s\S])(?:{branches})(?![\w])"
    return re.compile(body, flags & ~re.IGNORECASE)


@dataclass(frozen=True)
class Rules:
    """Compiled rule data; attribute names say what a list is for."""

    model_version: str
    raw: dict[str, dict[str, Any]]
    scheme: Scheme

    # --- names, by role (labels.yaml) ---
    @functools.cached_property
    def label(self) -> dict[str, str]:
        return self.raw["labels"]["labels"]

    @functools.cached_property
    def choice(self) -> dict[str, dict[str, str]]:
        return self.raw["labels"]["choices"]

    @functools.cached_property
    def entity_label(self) -> dict[str, str]:
        return self.raw["labels"]["entities"]

    @functools.cached_property
    def control_of_label(self) -> dict[str, str]:
        return dict(self.scheme.control_of_label)

    @functools.cached_property
    def relation_for(self) -> dict[str, str]:
        """Relation name by the role of its target label ("source", "cue")."""
        by_endpoints = {ends: name for name, ends in RELATION_ENDPOINTS.items()}
        claim = self.label["claim"]
        return {
            role: by_endpoints[(claim, self.label[role])]
            for role in ("source", "cue")
            if (claim, self.label[role]) in by_endpoints
        }

    # --- switches: behaviour a later version adds (absent = the 2026.11 behaviour) ---
    @functools.cached_property
    def behaviour(self) -> frozenset[str]:
        """Names listed under `behaviour:` in cues.yaml; code checks them by name, so an
        older rule version, which lists none, keeps its output."""
        return frozenset(self.raw["cues"].get("behaviour") or ())

    @functools.cached_property
    def quote_re(self) -> re.Pattern[str]:
        wide = "two_apostrophe_quotes" in self.behaviour
        return text_module.QUOTE_RE_WIDE if wide else text_module._QUOTE_RE

    @functools.cached_property
    def sentence_end_re(self) -> re.Pattern[str]:
        wide = "two_apostrophe_quotes" in self.behaviour
        return text_module.SENTENCE_END_WIDE if wide else text_module._SENTENCE_END

    @functools.cached_property
    def verb_class(self) -> dict[str, str]:
        """lemma -> "speech" (any noun phrase may be its speaker) or "mental" (belief,
        intention, stance: only a name, a pronoun or a known head noun)."""
        return {
            lemma: kind
            for kind, lemmas in (self.raw["cues"].get("verb_classes") or {}).items()
            for lemma in lemmas
        }

    @functools.cached_property
    def particles(self) -> dict[str, list[str]]:
        """lemma -> words that join the cue after the verb ("called for", "pointed out")."""
        return {k: list(v) for k, v in (self.raw["cues"].get("particles") or {}).items()}

    @functools.cached_property
    def noun_forms(self) -> frozenset[str]:
        """Verb forms that are as often nouns ("plans", "reports"): as cues they need the
        speaker test of a mental verb."""
        return frozenset(w.lower() for w in self.raw["cues"].get("noun_forms") or ())

    # --- cues ---
    @functools.cached_property
    def cue_verb_lemma(self) -> dict[str, str]:
        return {
            form.lower(): lemma
            for lemma, forms in self.raw["cues"]["verbs"].items()
            for form in forms
        }

    @functools.cached_property
    def cue_verb_re(self) -> re.Pattern[str]:
        return _alternation(list(self.cue_verb_lemma), flags=re.IGNORECASE)

    @functools.cached_property
    def source_after_re(self) -> re.Pattern[str]:
        return _alternation(self.raw["cues"]["source_after"], flags=re.IGNORECASE)

    @functools.cached_property
    def sourceless_re(self) -> re.Pattern[str]:
        return _alternation(self.raw["cues"]["sourceless"], flags=re.IGNORECASE)

    @functools.cached_property
    def audience_re(self) -> re.Pattern[str]:
        return re.compile(
            r"\s+(?:" + _alternation(self.raw["cues"]["audiences"]).pattern + r")"
        )

    @functools.cached_property
    def adjunct_re(self) -> re.Pattern[str]:
        return re.compile(
            r",?\s+(?:"
            + _alternation(self.raw["cues"]["cue_adjuncts"], flags=0).pattern
            + r")",
            re.IGNORECASE,
        )

    @functools.cached_property
    def audience_lemmas(self) -> frozenset[str]:
        return frozenset(self.raw["cues"]["audience_verbs"])

    @functools.cached_property
    def auxiliaries(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.raw["cues"]["auxiliaries"])

    @functools.cached_property
    def progressive(self) -> frozenset[str]:
        """Forms of "be" that join an -ing cue ("is calling for"); rules-2026.12 on."""
        return frozenset(w.lower() for w in self.raw["cues"].get("progressive") or ())

    @functools.cached_property
    def negations(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.raw["cues"]["negations"])

    @functools.cached_property
    def hedge_re(self) -> re.Pattern[str]:
        return _alternation(self.raw["cues"]["hedges"], flags=re.IGNORECASE)

    @functools.cached_property
    def opinion_re(self) -> re.Pattern[str]:
        words = [w for w in self.raw["cues"]["opinion_markers"] if w[0].isalpha()]
        marks = "".join(
            re.escape(w) for w in self.raw["cues"]["opinion_markers"] if not w[0].isalpha()
        )
        return re.compile(_alternation(words).pattern + (f"|[{marks}]" if marks else ""))

    @functools.cached_property
    def framing_re(self) -> re.Pattern[str]:
        return _alternation(self.raw["cues"]["framing_cues"], flags=re.IGNORECASE)

    @functools.cached_property
    def content_min_words(self) -> int:
        return int(self.raw["cues"]["content_min_words"])

    @functools.cached_property
    def adjunct_starts(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.raw["cues"]["adjunct_starts"])

    @functools.cached_property
    def unattributed_min_words(self) -> int:
        return int(self.raw["cues"]["unattributed_min_words"])

    # --- sources ---
    def _words(self, key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in self.raw["sources"][key])

    @functools.cached_property
    def anonymous_heads(self) -> frozenset[str]:
        return self._words("anonymous_heads")

    @functools.cached_property
    def document_heads(self) -> frozenset[str]:
        return self._words("document_heads")

    @functools.cached_property
    def organization_heads(self) -> frozenset[str]:
        return self._words("organization_heads")

    @functools.cached_property
    def not_sources(self) -> frozenset[str]:
        return self._words("not_sources")

    @functools.cached_property
    def pronouns(self) -> frozenset[str]:
        return self._words("pronouns")

    @functools.cached_property
    def boundaries(self) -> frozenset[str]:
        return self._words("boundaries")

    @functools.cached_property
    def inner_links(self) -> frozenset[str]:
        return self._words("inner_links")

    @functools.cached_property
    def person_heads(self) -> frozenset[str]:
        """Role nouns of people ("senator", "candidate"); rules-2026.12 on."""
        return frozenset(w.lower() for w in self.raw["sources"].get("person_heads") or ())

    @functools.cached_property
    def not_heads(self) -> frozenset[str]:
        """Function words that end no speaker phrase; rules-2026.12 on."""
        return frozenset(w.lower() for w in self.raw["sources"].get("not_heads") or ())

    @functools.cached_property
    def max_source_words(self) -> int:
        return int(self.raw["sources"]["max_words"])

    # --- entities ---
    @functools.cached_property
    def org_names(self) -> frozenset[str]:
        return frozenset(" ".join(p.split()) for p in self.raw["entities"]["gazetteers"]["ORG"])

    @functools.cached_property
    def ent(self) -> dict[str, Any]:
        return self.raw["entities"]


def _check_names(raw: dict[str, dict[str, Any]], scheme: Scheme, where: Path) -> None:
    labels = raw["labels"]
    known = set(scheme.all_labels)
    names = list(labels["labels"].values()) + list(labels["entities"].values())
    names += list(raw["entities"]["gazetteers"]) + list(raw["entities"]["suffix_labels"])
    missing = [n for n in names if n not in known]
    for control, values in labels["choices"].items():
        if control not in scheme.choices:
            missing.append(control)
            continue
        missing += [v for v in values.values() if v not in scheme.choices[control].values]
    if missing:
        raise NewsclaimsError(f"rules in {where} name {missing}, not in label_config.xml")


@functools.cache
def load_rules(model_version: str = MODEL_VERSION) -> Rules:
    """The rules of `model_version`, checked against the scheme (cached per version)."""
    where = RULES_DIR / model_version
    if not where.is_dir():
        have = ", ".join(sorted(p.name for p in RULES_DIR.iterdir() if p.is_dir()))
        raise NewsclaimsError(f"no rules for model_version {model_version!r}; have: {have}")
    raw: dict[str, dict[str, Any]] = {}
    for name in RULE_FILES:
        path = where / f"{name}.yaml"
        try:
            raw[name] = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise NewsclaimsError(f"cannot read rule file {path}: {exc}") from exc
    scheme = load_scheme()
    _check_names(raw, scheme, where)
    return Rules(model_version, raw, scheme)
