"""Token features for the trained attribution tagger (`tagger.py`).

One sequence per sentence (`Doc.sentences`, which never split a quotation), one
feature list per token. The features need no parser and nothing downloaded: the
word and its shape, prefix and suffix, the words around it, whether it is inside a
quotation, the rules' word lists (cue verbs with their class, source head nouns,
pronouns, auxiliaries, negations) and the region the rules give it (stacking: the
tagger learns where the rules are right and adds the cues no list holds).

The feature set has a name (`FEATURE_SET`) that a model file records; a change to
what this module computes is a new name, so an old model is refused rather than
fed features it was not trained on.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from newsclaims.preannotate.attribution import Attribution
from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.text import Doc

FEATURE_SET = "tokens-2026.12"
_WINDOW = (-3, -2, -1, 1, 2, 3)
_NEAR = (-2, -1, 1, 2)
# Codes of the region the rules put a character in (stacked as a feature).
_RULE_CODES = {"claim": 1, "source": 2, "cue": 3}
_RULE_NAMES = ("O", "claim", "source", "cue")


@dataclass(frozen=True, slots=True)
class Sequence:
    """The tokens first..last (indices into the Doc's token columns) of one sentence
    and one feature list per token."""

    first: int
    last: int
    features: list[list[str]]


def _shape(word: str) -> str:
    """"Xx", "xx", "X.X.", "dd": case and digits with repeats folded (first 6 chars)."""
    out: list[str] = []
    for ch in word[:6]:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


class FeatureExtractor:
    """Features of one rules version's word lists; word-level features are computed
    once per distinct word and reused (an article repeats most of its words)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._lexical: dict[str, list[str]] = {}
        self._word: dict[str, tuple[list[str], list[list[str]]]] = {}

    def lexical(self, lower: str) -> list[str]:
        """What the rules' word lists say about a word (lower case)."""
        found = self._lexical.get(lower)
        if found is not None:
            return found
        rules = self.rules
        found = []
        lemma = rules.cue_verb_lemma.get(lower)
        if lemma is not None:
            found += ["cue", "lem=" + lemma, "vc=" + rules.verb_class.get(lemma, "-")]
        for name, words in (
            ("nf", rules.noun_forms), ("aux", rules.auxiliaries), ("neg", rules.negations),
            ("pron", rules.pronouns), ("anon", rules.anonymous_heads),
            ("doch", rules.document_heads), ("orgh", rules.organization_heads),
            ("perh", rules.person_heads),
        ):
            if lower in words:
                found.append(name)
        self._lexical[lower] = found
        return found

    @staticmethod
    def rule_regions(doc: Doc, ruled: list[Attribution]) -> bytearray:
        """Per character: 0, or the code of the rules' CLAIM/SOURCE/CUE region there."""
        codes = bytearray(len(doc.text) + 1)
        for found in ruled:
            for region in (found.claim, found.source, found.cue):
                if region is not None:
                    code = _RULE_CODES[region.role]
                    codes[region.start : region.end] = bytes([code]) * (region.end - region.start)
        return codes

    def sequences(self, doc: Doc, ruled: list[Attribution]) -> Iterator[Sequence]:
        """One Sequence per sentence that holds a token; `ruled` is what the rules of
        this version find in `doc` (`find_attributions`)."""
        quoted = bytearray(len(doc.text) + 1)
        for q in doc.quotes:
            quoted[q.start : q.end] = b"\x01" * (q.end - q.start)
        codes = self.rule_regions(doc, ruled)
        starts = doc.starts
        for s, e in doc.sentences:
            first, last = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
            if first < last:
                yield Sequence(first, last, self._sentence(doc, first, last, quoted, codes))

    def word(self, text: str, lower: str) -> tuple[list[str], list[list[str]]]:
        """Features of a word of its own, and those it gives a neighbour at each
        distance of `_NEAR` (cached per distinct word)."""
        found = self._word.get(text)
        if found is None:
            shape = _shape(text)
            lex = self.lexical(lower)
            own = ["b", "w=" + lower, "sh=" + shape, "s3=" + lower[-3:], "p3=" + lower[:3], *lex]
            if text[0].isupper():
                own.append("cap")
            near = [[f"{d}{x}" for x in lex] + [f"sh{d}=" + shape] for d in _NEAR]
            found = self._word[text] = (own, near)
        return found

    def _sentence(self, doc: Doc, a: int, b: int, quoted: bytearray,
                  ruled: bytearray) -> list[list[str]]:
        starts, lowers = doc.starts, doc.lowers
        words = [self.word(doc.texts[i], lowers[i]) for i in range(a, b)]
        rule = [_RULE_NAMES[ruled[starts[i]]] for i in range(a, b)]
        cues = [i for i in range(a, b) if "cue" in self.lexical(lowers[i])]
        has_quote = any(quoted[starts[i]] for i in range(a, b))
        n = b - a
        out = []
        for i in range(a, b):
            k = i - a
            low = lowers[i]
            f = [*words[k][0], "r=" + rule[k]]
            if k == 0:
                f.append("BOS")
            if k == n - 1:
                f.append("EOS")
            if quoted[starts[i]]:
                f.append("inq")
            if has_quote:
                f.append("sq")
            for d in _WINDOW:
                f.append(f"w{d}=" + (lowers[i + d] if 0 <= k + d < n else "<>"))
            for slot, d in enumerate(_NEAR):
                if 0 <= k + d < n:
                    f += words[k + d][1][slot]
            if k > 0:
                f.append("bg-=" + lowers[i - 1] + "|" + low)
                f.append("r-1=" + rule[k - 1])
            if k < n - 1:
                f.append("bg+=" + low + "|" + lowers[i + 1])
                f.append("r+1=" + rule[k + 1])
            p = bisect.bisect_left(cues, i)
            if p > 0:
                f += ["cueL", f"cueLd={min(i - cues[p - 1], 6)}"]
            right = p + 1 if p < len(cues) and cues[p] == i else p
            if right < len(cues):
                f += ["cueR", f"cueRd={min(cues[right] - i, 6)}"]
            out.append(f)
        return out
