"""Attribution triples (CLAIM, SOURCE, CUE) found by rules, sentence by sentence.

Three cue shapes, as in PARC: a reporting verb with its speaker before it ("X said
...", "“...,” X told reporters") or after it ("“...,” said X"); a phrase that puts
the source after it ("according to X"); and a sourceless adverb ("reportedly").
The CLAIM is the reported content next to the cue; a quotation makes it
DIRECT_QUOTE, a paraphrase holding a quotation MIXED, otherwise INDIRECT.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Protocol

from newsclaims.preannotate import sources
from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.text import Doc, Quote, trim

_TRAILING = " \t\n,;:.!?—–-"
_PARTICIPLE_CLAUSE = re.compile(r",[”\"]?\s+(?:\w+ing|as|while|because|but)\b|\s+[—–]\s+")
_QUOTE_MARKS = "“”\""
_NOUN_MARKERS = frozenset(
    ["the", "a", "an", "its", "their", "his", "her", "our", "this", "that", "these", "those"]
)
_LEADING_LINK = re.compile(r"(?:and|but|that|or)\s+")
_CJK = re.compile("[\u3040-\u9fff]")  # kana and CJK ideographs, written without spaces


# Region and Attribution are plain (not frozen) slotted dataclasses: frozen ones set
# each field through object.__setattr__, ~1.5 us per object and ~150 objects an
# article (~4% of a run). Nothing changes one after it is made (`replace` makes a new
# one), and they hold a dict, so they were never hashable either.
@dataclass(slots=True)
class Region:
    start: int
    end: int
    role: str  # key of labels.yaml `labels`
    choices: dict[str, str] = field(default_factory=dict)  # choice control -> value key
    score: float = 0.5


@dataclass(slots=True)
class Attribution:
    claim: Region
    source: Region | None
    cue: Region  # every rule starts from a cue
    extra_cues: tuple[Region, ...] = ()  # framing cues ("In a statement, X said ...")
    rule: str = ""  # the cue rule that made it ("verb", "after", "adverb"), named in warnings


class CueMatch(Protocol):
    """What the verb rule reads of its cue: a regex match, or a token found by look-up."""

    def start(self) -> int: ...

    def end(self) -> int: ...

    def group(self) -> str: ...


@dataclass
class _Sentence:
    start: int
    end: int
    first: int  # index of its first token in the article's token list
    last: int  # index after its last token
    quotes: list[Quote]


def _content_end(text: str, start: int, end: int) -> int:
    """End of the reported clause starting at `start`: before a participle or dash
    clause that belongs to the reporter (", citing ...", " — signaling ...")."""
    m = _PARTICIPLE_CLAUSE.search(text, start, end)
    return m.start() if m and m.start() > start else end


def _words(span: str) -> int:
    """Word count; a run of CJK characters (written without spaces) counts one word
    per two characters, so a quoted Chinese sentence is not mistaken for one word."""
    return len(span.split()) + len(_CJK.findall(span)) // 2


def claim_certainty(text: str, start: int, end: int, rules: Rules) -> str:
    """Key of labels.yaml certainty: hedged when a hedge word sits in the claim."""
    return "hedged" if rules.hedge_re.search(text, start, end) else "asserted"


def _claim(
    text: str, start: int, end: int, quoted: list[Quote], rules: Rules, min_words: int = 2
) -> Region | None:
    """A CLAIM over text[start:end]: DIRECT_QUOTE when it is one quotation, MIXED when
    it holds one, INDIRECT otherwise; certainty from the hedge word list."""
    span = trim(text, start, end, _TRAILING)
    if span is None:
        return None
    s, e = span
    if lead := _LEADING_LINK.match(text, s, e):
        s = lead.end()
    inside = [q for q in quoted if q.start < e and q.end > s]
    kind = "indirect"
    if inside:
        q = inside[0]
        if len(inside) == 1 and q.start <= s and q.end >= e:
            inner = trim(text, *q.inner, _TRAILING)
            if inner is None:
                return None
            s, e = inner
            kind = "direct"
        else:
            kind = "mixed"
    if _words(text[s:e]) < (2 if kind == "direct" else min_words):
        return None
    return Region(
        s, e, "claim", {"attribution_type": kind, "certainty": claim_certainty(text, s, e, rules)},
        score=0.7 if kind == "direct" else 0.5,
    )


class _Finder:
    def __init__(self, doc: Doc, rules: Rules) -> None:
        self.text = doc.text
        self.doc = doc
        self.rules = rules
        self.toks = doc.tokens
        self.starts = doc.starts
        self.quotes = doc.quotes
        self.quote_starts = [q.start for q in self.quotes]
        self.previous_type: str | None = None
        self.last_source: Region | None = None
        self.taken = bytearray(len(doc.text) + 1)  # 1 under cues and sources already used

    def _index(self, offset: int) -> int:
        return bisect.bisect_left(self.starts, offset)

    def _at_token_start(self, offset: int) -> bool:
        i = self._index(offset)
        return i < len(self.starts) and self.starts[i] == offset

    def _in_quote(self, offset: int, sent: _Sentence) -> bool:
        return any(q.start < offset < q.end for q in sent.quotes)

    def _free(self, start: int, end: int) -> bool:
        return self.taken.find(1, start, end) < 0

    def _take(self, region: Region) -> None:
        self.taken[region.start : region.end] = b"\x01" * (region.end - region.start)

    def _candidates(self) -> list[tuple[int, str, CueMatch]]:
        """Every cue candidate of the article, by position (one scan per pattern)."""
        cues: list[tuple[int, str, CueMatch]] = []
        for kind, pattern in (
            ("after", self.rules.source_after_re),
            ("verb", self.rules.cue_verb_re),
            ("adverb", self.rules.sourceless_re),
        ):
            cues += [(m.start(), kind, m) for m in pattern.finditer(self.text)]
        cues.sort(key=lambda c: c[0])
        return cues

    def run(self) -> list[Attribution]:
        found: list[Attribution] = []
        cues = self._candidates()
        cue_starts = [c[0] for c in cues]
        for s, e in self.doc.sentences:
            first = bisect.bisect_left(cue_starts, s)
            here = cues[first : bisect.bisect_left(cue_starts, e, first)]
            if here:  # most sentences hold no cue candidate: nothing to build for them
                found += self._sentence(s, e, here)
        return found

    def _sentence(
        self, s: int, e: int, cues: list[tuple[int, str, CueMatch]]
    ) -> list[Attribution]:
        """The attributions of the sentence text[s:e] from its cue candidates."""
        lo = bisect.bisect_left(self.quote_starts, s)
        hi = bisect.bisect_left(self.quote_starts, e, lo)
        inside = [q for q in self.quotes[lo:hi] if q.end <= e]
        sent = _Sentence(s, e, self._index(s), self._index(e), inside)
        here: list[Attribution] = []
        for _, kind, m in cues:
            if m.end() > e or self._in_quote(m.start(), sent) or not self._free(
                m.start(), m.end()
            ):
                continue
            if kind == "verb" and not self._at_token_start(m.start()):
                continue  # "state" inside "state-of-the-state": no word of its own
            made = getattr(self, f"_{kind}")(m, sent)
            if made is not None:
                # Built directly: dataclasses.replace was ~5% of the rules' time.
                here.append(Attribution(made.claim, made.source, made.cue, made.extra_cues, kind))
                self._take(made.cue)
                if made.source is not None:
                    self._take(made.source)
                    self.previous_type = made.source.choices["source_type"]
        framing = self.rules.framing_re.match(self.text, s, e) if here else None
        if framing and here[0].cue.start > framing.end():
            cue = Region(framing.start(), framing.end(), "cue", score=0.5)
            here[0] = replace(here[0], extra_cues=(cue,))
        return here

    # --- "according to X" ---
    def _after(self, m: re.Match[str], sent: _Sentence) -> Attribution | None:
        i = self._index(m.end())
        phrase = sources.after(self.toks, i, sent.last, self.rules, self.previous_type)
        if phrase is None:
            return None
        if m.start() == sent.start:  # "According to X, CLAIM."
            comma = self.text.find(",", phrase.end, sent.end)
            if comma < 0:
                return None
            claim = _claim(self.text, comma + 1, sent.end, sent.quotes, self.rules)
        else:  # "CLAIM, according to X."
            claim = _claim(self.text, sent.start, m.start(), sent.quotes, self.rules)
        return self._triple(claim, phrase, m.start(), m.end())

    # --- "reportedly" ---
    def _adverb(self, m: re.Match[str], sent: _Sentence) -> Attribution | None:
        left = max(
            self.text.rfind(mark, sent.start, m.start()) for mark in (",", "—", "–", ";", ":")
        )
        start = sent.start if left < 0 else left + 1
        end = _content_end(self.text, m.end(), sent.end)
        claim = _claim(self.text, start, end, sent.quotes, self.rules)
        if claim is None:
            return None
        cue = Region(m.start(), m.end(), "cue", score=0.6)
        return Attribution(claim, None, cue)

    # --- "X said ...", "“...,” said X" ---
    def _verb(self, m: CueMatch, sent: _Sentence) -> Attribution | None:
        rules, toks = self.rules, self.toks
        if not m.group().islower():  # "The United States": a name, not the verb
            return None
        verb = self._index(m.start())
        lemma = rules.cue_verb_lemma[m.group().lower()]
        first = verb
        while first - 1 >= sent.first and (
            toks[first - 1].lower in rules.auxiliaries
            or toks[first - 1].lower in rules.negations
            or (toks[first - 1].lower.endswith("ly") and toks[first - 1].text.islower())
        ):
            first -= 1
        if any(toks[k].lower in rules.negations for k in range(first, verb)):
            return None
        if first > sent.first and toks[first - 1].lower in _NOUN_MARKERS:
            return None  # "the report", "its findings": a noun, not a reporting verb
        cue_start, cue_end = toks[first].start, m.end()
        # The sentence may end in characters that are no token (e.g. "\x1f", a space
        # to re but not to `trim`): then no token follows the verb.
        if m.end() < sent.end and verb + 1 < len(toks) and toks[verb + 1].lower in ("by", "of"):
            return None  # "a report by", "claims of": a noun
        if lemma in rules.audience_lemmas:
            cue_end = self._audience_end(verb + 1, cue_end, sent)
        if adjunct := rules.adjunct_re.match(self.text, cue_end):
            cue_end = adjunct.end()

        phrase = sources.before(toks, first, sent.first, rules, self.previous_type)
        if phrase is None and (chained := self._chained(first, sent)) is not None:
            # "X has described ..., citing Y": the participle reuses X as source.
            claim = self._content_after(cue_end, sent)
            return self._triple(claim, chained, cue_start, cue_end)
        inverted = first > sent.first and toks[first - 1].text in (",", "”", "\"")
        if phrase is None and inverted:  # "“...,” said the minister."
            phrase = sources.after(
                toks, self._index(cue_end), sent.last, rules, self.previous_type, inverted=True
            )
            if phrase is not None:
                claim = _claim(self.text, sent.start, cue_start, sent.quotes, rules)
                return self._triple(claim, phrase, cue_start, cue_end)
        if phrase is None:
            return None
        lead = self.text[sent.start : phrase.start].rstrip()
        after = self._content_after(cue_end, sent)
        if (lead.endswith(("”", "\"")) and _words(lead) >= 2) or (
            _words(lead) >= 3 and lead.endswith(",") and not self._is_content(after)
        ):
            # "“...,” X told reporters." / "CLAIM, X said on Tuesday."
            claim = _claim(self.text, sent.start, phrase.start, sent.quotes, rules)
        else:
            claim = after
        return self._triple(claim, phrase, cue_start, cue_end)

    def _audience_end(self, index: int, cue_end: int, sent: _Sentence) -> int:
        """End of the cue over the addressee of "told": "told reporters", "told the
        Ledger", "told a local radio station" (up to "that", a time adjunct or a stop)."""
        if a := self.rules.audience_re.match(self.text, cue_end):
            return a.end()
        if index >= sent.last:
            return cue_end
        named = self.toks[index].text[0].isupper()  # "told Reuters", "told CNN"
        if not named and self.toks[index].lower not in ("the", "a", "an"):
            return cue_end
        end = cue_end
        for tok in self.toks[index : min(index + 5, sent.last)]:
            if not tok.text[0].isalnum() or tok.lower in self.rules.adjunct_starts or tok.lower in (
                "that", "about", "he", "she", "they", "it", "we", "to", "not"
            ) or (named and not tok.text[0].isupper()):
                break
            end = tok.end
        return end

    def _chained(self, first: int, sent: _Sentence) -> Region | None:
        """The sentence's previous source when the verb at `first` continues it."""
        toks, last = self.toks, self.last_source
        chained = (
            last is not None
            and sent.start <= last.start < sent.end
            and first > sent.first
            and (
                toks[first - 1].lower in ("and", "but")
                or (toks[first].lower.endswith("ing") and toks[first - 1].text in (",", "”", "\""))
            )
        )
        return last if chained else None

    def _is_content(self, claim: Region | None) -> bool:
        """True unless `claim` is missing or only a time/place adjunct ("on Tuesday")."""
        if claim is None:
            return False
        first = self.text[claim.start : claim.end].split()[0].lower()
        return first not in self.rules.adjunct_starts

    def _content_after(self, cue_end: int, sent: _Sentence) -> Region | None:
        """The reported clause after a cue, skipping a time adjunct and "that"."""
        i = self._index(cue_end)
        start = cue_end
        for k in range(i, min(i + 7, sent.last)):
            tok = self.toks[k]
            if tok.lower == "that":
                start = tok.end
                break
            if not (tok.text[0].isalnum() or tok.text == ","):
                break
        while start < sent.end and self.text[start] in " ,:\n":
            start += 1
        if start < sent.end and self.text[start] in "“\"":
            q = next((q for q in sent.quotes if q.start == start), None)
            if q is not None:
                return _claim(self.text, q.start, q.end, sent.quotes, self.rules)
        end = _content_end(self.text, start, sent.end)
        return _claim(
            self.text, start, end, sent.quotes, self.rules, self.rules.content_min_words
        )

    def _triple(
        self, claim: Region | None, phrase: sources.SourcePhrase | Region,
        cue_start: int, cue_end: int,
    ) -> Attribution | None:
        if claim is None:
            return None
        if isinstance(phrase, Region):
            source = phrase
        else:
            source = Region(
                phrase.start, phrase.end, "source", {"source_type": phrase.type_key}, score=0.6
            )
        self.last_source = source
        return Attribution(claim, source, Region(cue_start, cue_end, "cue", score=0.7))


def find_attributions(doc: Doc | str, rules: Rules) -> list[Attribution]:
    """Every attribution the rules find in the article, in reading order."""
    if not isinstance(doc, Doc):
        doc = Doc(doc, rules.quote_re, rules.sentence_end_re)
    if "broad_cues" in rules.behaviour:
        from newsclaims.preannotate.broad import BroadFinder  # it builds on _Finder

        return BroadFinder(doc, rules).run()
    return _Finder(doc, rules).run()
