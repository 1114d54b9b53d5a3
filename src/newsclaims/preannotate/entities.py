"""Entity suggestions (the `entity` control): a locally installed spaCy pipeline when
there is one, otherwise patterns and gazetteers from rules/<model_version>/entities.yaml.

spaCy is an optional extra and no model is ever downloaded: `spacy_pipeline()` only
loads a package that `spacy.util.get_installed_models()` already lists.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import re
from collections.abc import Callable
from itertools import compress, islice
from typing import Any, NamedTuple, TypeVar, cast

from newsclaims.preannotate.rules import Rules, _alternation, _trie
from newsclaims.preannotate.text import Doc, Token

_POSSESSIVES = ("’s", "'s")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDS_REMEMBERED = 200_000  # distinct words a _Memo keeps (then it starts afresh)
_ASCII_WORD = re.compile("[A-Za-z0-9]")  # characters that certainly continue a token
_T = TypeVar("_T")


class _Memo(dict[str, _T]):
    """A function of a token's text, remembered per distinct word. `map(memo.__getitem__,
    words)` runs in C and calls Python only for a word not seen before, so the scans
    below visit only the tokens that pass a test (about 1 in 5) instead of testing each."""

    def __init__(self, function: Callable[[str], _T]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, word: str) -> _T:
        if len(self) >= _WORDS_REMEMBERED:
            self.clear()
        value = self[word] = self.function(word)
        return value


class Entity(NamedTuple):
    """An entity suggestion (a named tuple: ~50 an article, built far faster than a
    frozen dataclass)."""

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
        def words(key: str, fold: bool = True) -> str:  # a word list as a regex trie
            return _trie({" ".join(w.lower().split() if fold else w.split()) for w in ent[key]})

        money_prefix = words("currency_symbols", fold=False)
        scales, currencies = words("scales"), words("currency_words")
        months, durations = words("months", fold=False), words("durations")
        number = rf"(?:{_NUMBER}|{words('number_words')})"
        approx = rf"(?:\b{words('approximators')}\s+)?"
        fractions = words("fractions").replace(r"\s+", r"[\s-]+")
        gazetteer = {
            " ".join(phrase.split()): label
            for label, phrases in ent["gazetteers"].items()
            for phrase in phrases
        }
        self.gazetteer = {k.replace(" ", ""): v for k, v in gazetteer.items()}
        def firsts(*keys: str) -> frozenset[str]:  # first words of the lists' phrases
            return frozenset(phrase.split()[0].lower() for key in keys for phrase in ent[key])

        # One scan, alternatives in priority order: at a given start the first wins,
        # and the leftmost match wins overall ("$50 million" over "50 million"). Each
        # with the words a match of it can start with, other than a digit.
        alternatives: list[tuple[str, str, frozenset[str]]] = [
            (lab["money"], rf"(?:{money_prefix})\s?(?:{_NUMBER})(?:\s+(?i:{scales})\b)?"
                           rf"|\b(?:{_NUMBER})(?:\s+(?i:{scales}))?\s+(?i:{currencies})\b",
             firsts("currency_symbols")),
            (lab["percent"], rf"(?i:{approx}\b(?:{_NUMBER})\s?(?:%|percent\b|per cent\b))",
             firsts("approximators")),
            (lab["time"], r"\b\d{1,2}(?::\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)", frozenset()),
            (lab["date"],
             rf"\b(?i:between)\s+(?:{months}|\d{{4}})(?:\s+\d{{4}})?\s+and\s+(?:{months})?\s*"
             rf"\d{{4}}\b|\b(?i:the)\s+\d{{4}}[–-]\d{{2,4}}\s+season\b"
             rf"|(?i:{approx}\b{number}(?:-|\s+)(?:{durations})(?:-old)?\b)",
             firsts("approximators", "number_words") | {"between", "the"}),
            (lab["quantity"], rf"(?i:\b{number}(?:\s+(?:{scales}))?\s+{words('units', False)}\b)",
             firsts("number_words")),
            (lab["date"],
             rf"\b(?:(?:{months})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s+\d{{4}})?"
             rf"|\d{{1,2}}\s+(?:{months})(?:\s+\d{{4}})?|(?:{months})(?:\s+\d{{4}})?)(?!\w)"
             r"|\b(?:1[89]\d\d|20\d\d)s?\b"
             rf"|\b{words('weekdays', False)}\b|(?i:\b{words('relative_dates')}\b)",
             firsts("months", "weekdays", "relative_dates")),
            (lab["ordinal"], rf"\b\d+(?:st|nd|rd|th)\b|(?i:\b{words('ordinals')}\b)",
             firsts("ordinals")),
            (lab["cardinal"],
             rf"(?i:{approx}\b(?:{fractions})\b(?![\w-]))|\b\d{{1,2}}[–-]\d{{1,2}}\b",
             firsts("approximators", "fractions")),
            ("gazetteer", rf"(?<![\w$€£¥₹])(?:{_trie(set(gazetteer))})(?![\w])",
             frozenset(phrase.split()[0].lower() for phrase in gazetteer)),
            (lab["cardinal"], rf"(?i:{approx}(?<![\w-])(?:{_NUMBER})(?:\s+(?:{scales})\b)?"
                              rf"(?![\w%])|\b{words('number_words')}\b)",
             firsts("approximators", "number_words")),
        ]
        self.group_label = {f"g{i}": label for i, (label, _, _) in enumerate(alternatives)}
        self.master = re.compile(
            "|".join(f"(?P<g{i}>{body})" for i, (_, body, _) in enumerate(alternatives))
        )
        # Each alternative on its own too (~13 ms to compile, less than the master), for
        # a token that only a few of them can start at.
        self.alternatives = [(re.compile(body), label) for label, body, _ in alternatives]
        self.firsts = [first for _, _, first in alternatives]
        # Words an entity can start with: the scan tries the regex only at these tokens
        # (and at digits and currency symbols), not at every character of the text.
        self.start_words = frozenset().union(*self.firsts)
        self.by_word = _Memo(self._alternatives_for)
        self.titles = _alternation(ent["titles"])
        self.title_end = re.compile(rf"(?:{self.titles.pattern})\s*$")
        self.particles = frozenset(ent["name_particles"])
        self.not_names = frozenset(ent["not_names"])
        self.org_suffixes = frozenset(ent["org_suffixes"])
        self.org_heads_of = frozenset(ent["org_heads_of"])
        self.suffix_label = {
            suffix: label for label, suffixes in ent["suffix_labels"].items() for suffix in suffixes
        }
        self.may_start = _Memo(self._may_start)
        self.may_name = _Memo(self._may_name)

    def _alternatives_for(self, word: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        """The alternatives that can match at a token `word` (lower case, not starting
        with a digit), with their labels: a match starts with one of the alternative's
        first words, so that word is a prefix of the token ("the", "the’s", "five-year"),
        or the token a prefix of it that the text can continue without continuing the
        token ("us" of "us$"; never "a" of "about", where the token would have been
        "about"). "the" and "a", a third of the tokens tried and nearly always no
        entity, try two alternatives and one instead of ten."""
        return tuple(
            alternative for alternative, firsts in zip(self.alternatives, self.firsts, strict=True)
            if any(word.startswith(first) or (
                first.startswith(word) and not _ASCII_WORD.match(first, len(word))
            ) for first in firsts)
        )

    def match_at(self, text: str, start: int, word: str) -> tuple[re.Match[str], str] | None:
        """What master matches at the token `word` (lower case) at `start`, and its
        label. Master takes the first of its alternatives that matches there (nothing
        follows the alternation), so trying in order only those that can start there
        finds the same match."""
        if word[0].isdigit():
            m = self.master.match(text, start)
            return None if m is None else (m, self.group_label[cast(str, m.lastgroup)])
        for pattern, label in self.by_word[word]:
            m = pattern.match(text, start)
            if m is not None:
                return m, label
        return None

    def _may_start(self, word: str) -> bool:
        """The pattern scan tries its regex at a token starting with a digit or a start
        word (also as "X's" or "X-…"), not at every character of the text."""
        lower, start_words = word.lower(), self.start_words
        return (
            word[0].isdigit()
            or lower in start_words
            or (lower.endswith(_POSSESSIVES) and lower[:-2] in start_words)
            or ("-" in word and lower.split("-", 1)[0] in start_words)
        )

    def _may_name(self, word: str) -> bool:
        """Capitalised (or in a script without case), or a word that may join the parts
        of a name ("de", "&", "of"): every other token ends a capitalised group."""
        first, lower = word[0], word.lower()
        return (
            first.isupper() or (first.isalpha() and not first.islower())
            or lower in self.particles or word == "&" or lower == "of"
        )

    def find(self, doc: Doc) -> list[Entity]:
        text = doc.text
        taken = bytearray(len(text))
        found: list[Entity] = []

        def add(start: int, end: int, label: str) -> None:
            if start < end and taken.find(1, start, end) < 0:
                taken[start:end] = b"\x01" * (end - start)
                found.append(Entity(start, end, label))

        covered = 0
        starts, lowers = doc.starts, doc.lowers
        for i in compress(range(len(starts)), map(self.may_start.__getitem__, doc.texts)):
            start = starts[i]
            if start < covered:
                continue
            matched = self.match_at(text, start, lowers[i])
            if matched is None:
                continue
            m, label = matched
            if label == "gazetteer":
                label = self.gazetteer["".join(m.group().split())]
            add(m.start(), m.end(), label)
            covered = m.end()
        known: dict[str, str] = {}  # a name's words -> label, for later short mentions
        headlines = _headline_lines(text)
        line_starts = [start for start, _ in headlines]
        for group in self._capitalised_groups(doc, taken):
            line = bisect.bisect_right(line_starts, group[0].start) - 1
            classified = self._classify(group, text, headlines[line][1], known)
            if classified is None:
                continue
            if classified == self.label["person"]:
                known.update((t.text, classified) for t in group[-1:])
            elif classified == self.label["org"] and len(group) > 1:
                known.setdefault(group[0].text, classified)
            end = group[-1].end
            if group[-1].text.endswith(_POSSESSIVES):
                end -= 2
            add(group[0].start, end, classified)
        return sorted(found, key=lambda e: e.start)

    def _capitalised_groups(self, doc: Doc, taken: bytearray) -> list[list[Token]]:
        """Runs of adjacent capitalised tokens (with joining words between them), not
        across a line break; only tokens that `may_name` are visited, a gap ends a run."""
        groups: list[list[Token]] = []
        current: list[Token] = []
        text, texts, lowers, starts = doc.text, doc.texts, doc.lowers, doc.starts
        n = len(texts)
        previous = -1
        for i in compress(range(n), map(self.may_name.__getitem__, texts)):
            if current and i != previous + 1:
                groups.append(current)  # a token between them that is no part of a name
                current = []
            previous = i
            word, lower, start = texts[i], lowers[i], starts[i]
            if current and text.find("\n", current[-1].end, start) >= 0:
                groups.append(current)  # a name never runs across a line break
                current = []
            first = word[0]
            capital = (first.isupper() or (first.isalpha() and not first.islower())) and not (
                taken[start]
            )
            joins = lower in self.particles or word == "&" or (
                lower == "of" and bool(current) and current[-1].text in self.org_heads_of
            )
            particle = joins and current and i + 1 < n and texts[i + 1][0].isupper()
            if capital or particle:
                current.append(doc.tokens[i])
                continue
            if current:
                groups.append(current)
            current = []
        if current:
            groups.append(current)
        return groups

    def _classify(
        self, group: list[Token], text: str, headline: bool, known: dict[str, str]
    ) -> str | None:
        while group and group[0].text in self.not_names:
            group.pop(0)
        if not group:
            return None
        # Strip a leading title that is part of the group ("Attorney General Pam Bondi").
        titled = bool(self.title_end.search(text, max(0, group[0].start - 40), group[0].start))
        while len(group) > 1:
            m = self.titles.match(text, group[0].start)
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
            if text.startswith(("the ", "The "), group[0].start - 4) and group[0].start > 4:
                return self.label["org"]  # "the Ledger", "the Pentagon"
        if titled or len(group) >= 2:
            return self.label["person"]
        return None


def _headline_lines(text: str) -> list[tuple[int, bool]]:
    """(start, is a heading) per line: a short or mostly Title Case line without a
    closing stop is a heading, where capitalisation says nothing about names."""
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, _is_heading(line)))
        start += len(line) + 1
    return out


def _is_heading(line: str) -> bool:
    """A line of fewer than three words, or one without a closing stop whose words are
    mostly capitalised. A line with a stop needs only its first three words counted
    (most lines of an article are paragraphs that end in one)."""
    words = (w for w in line.split() if w[0].isalpha())
    if line.rstrip().endswith((".", "!", "?", "”", '"')):
        return sum(1 for _ in islice(words, 3)) < 3
    alpha = list(words)
    capitals = sum(1 for w in alpha if w[0].isupper())
    return len(alpha) < 3 or capitals / len(alpha) > 0.6


def find_entities(doc: Doc | str, rules: Rules) -> list[Entity]:
    doc = doc if isinstance(doc, Doc) else Doc(doc)
    nlp = spacy_pipeline()
    if nlp is not None:
        scheme = rules.scheme
        control = scheme.control_of_label[rules.entity_label["person"]]
        return spacy_entities(doc.text, nlp, set(scheme.labels[control]))
    return _pattern_cache(rules).find(doc)


_CACHE: dict[str, PatternEntities] = {}


def _pattern_cache(rules: Rules) -> PatternEntities:
    if rules.model_version not in _CACHE:
        _CACHE[rules.model_version] = PatternEntities(rules)
    return _CACHE[rules.model_version]
