"""Tokens, quotations and sentences with code-point offsets into the article text.

Offsets are what Label Studio stores, so every span the rules produce is a pair of
indices into the original string; nothing here copies or normalises the text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple, cast

# Abbreviations with a dot that do not end a sentence ("U.S.", "Mr.", "Inc.").
_ABBREVIATION = (
    r"(?:[A-Za-z]\.){2,}"
    r"|(?:Mr|Mrs|Ms|Mx|Dr|Sen|Rep|Gov|Gen|Col|Capt|Adm|Prof|Inc|Corp|Ltd|Co|St|Jr|Sr|No|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Lt|Sgt|Maj|Rev|Hon)\."
)
# The lookahead lets a word that is no abbreviation (most words: no dot within its
# first five characters) skip the forty alternatives above; the tokens are the same
# (checked on ~10,000 texts), the scan about a third faster.
TOKEN_RE = re.compile(
    rf"(?=[A-Za-z]{{1,4}}\.)(?:{_ABBREVIATION})|\w+(?:[’'\-.]\w+)*|n[’']t|\S"
)
_ABBREVIATION_END = re.compile(rf"(?:{_ABBREVIATION})$")
# The quotation and sentence-end patterns below start with the character they consume
# first and check what precedes it afterwards (`"(?<!\w")` is `(?<!\w)"`): Python's re
# can then jump from one candidate character to the next, where a pattern that starts
# with a lookbehind or a repeat is tried at every position of the text (5-7x slower;
# the matches are the same, checked on ~105,000 texts).
#
# A sentence ends after a run of . ! ? … (and closing quotes or brackets) before a space
# and a capital, digit or opening mark; or at a run of line breaks.
_SENTENCE_END = re.compile(
    r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[”\"’)]*(?=\s+[\"“‘(\[A-Z0-9\u00C0-\uFFFF])|(?<=\n)\n*)"
)
# Opening and closing double quotes. A straight quote opens when it is not preceded
# by a word character and closes otherwise.
_QUOTE_RE = re.compile(r"“[^“”\n]*”|\"(?<!\w\")[^\"\n]*\"")
# rules-2026.12 (`two_apostrophe_quotes`): also two apostrophes on each side, as some
# newspapers' archives write quotation marks (''We will,'' she said), and a sentence
# may start with such a mark.
QUOTE_RE_WIDE = re.compile(
    r"“[^“”\"\n]*[”\"]|\"(?<!\w\")[^\"“”\n]*[\"”]|'(?<![\w']')'(?:[^'\n]|'(?!'))+''"
)
SENTENCE_END_WIDE = re.compile(
    r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[”\"’')]*(?=\s+[\"“‘'(\[A-Z0-9\u00C0-\uFFFF])|(?<=\n)\n*)"
)


class Token(NamedTuple):
    """A word or punctuation mark with its offsets. A named tuple, so that an article's
    hundreds of tokens are built in C (`_new_token`) without a Python call each."""

    start: int
    end: int
    text: str
    lower: str


_new_token = functools.partial(tuple.__new__, Token)  # Token from one (s, e, t, l) tuple


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # offset of the opening quotation mark
    end: int  # offset after the closing quotation mark
    width: int = 1  # characters in each mark (2 for '')

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + self.width, self.end - self.width


class Doc:
    """One article's text with its tokens, quotations and sentences, computed once and
    shared by the attribution, outlet-voice and entity rules."""

    __slots__ = ("_tokens", "ends", "lowers", "quotes", "sentences", "starts", "text", "texts")

    def __init__(
        self, text: str, quote_re: re.Pattern[str] = _QUOTE_RE,
        sentence_end: re.Pattern[str] = _SENTENCE_END,
    ) -> None:
        self.text = text
        # Columns by map over the match objects: no Python bytecode per token.
        found = list(TOKEN_RE.finditer(text))
        self.starts = list(map(re.Match.start, found))
        self.ends = list(map(re.Match.end, found))
        self.texts = list(map(re.Match.group, found))
        self.lowers = list(map(str.lower, self.texts))
        self._tokens: list[Token] | None = None
        self.quotes = quotes(text, quote_re)
        self.sentences = sentences(text, self.quotes, sentence_end)

    @property
    def tokens(self) -> list[Token]:
        """Token objects, built on first use: the entity scan reads only the plain
        columns (starts, texts, lowers); the attribution rules index tokens hundreds of
        times per article, which a plain list serves fastest."""
        if self._tokens is None:
            columns = zip(self.starts, self.ends, self.texts, self.lowers, strict=True)
            self._tokens = cast(list[Token], list(map(_new_token, columns)))
        return self._tokens


def quotes(text: str, quote_re: re.Pattern[str] = _QUOTE_RE) -> list[Quote]:
    return [
        Quote(m.start(), m.end(), 2 if text.startswith("''", m.start()) else 1)
        for m in quote_re.finditer(text)
    ]


def sentences(
    text: str, quoted: list[Quote], sentence_end: re.Pattern[str] = _SENTENCE_END
) -> list[tuple[int, int]]:
    """Sentence spans (start, end) without their trailing whitespace; never split
    inside a quotation, so a quoted passage of several sentences stays with its cue."""
    spans: list[tuple[int, int]] = []
    start = 0
    qi = 0
    for m in sentence_end.finditer(text):
        cut = m.end()
        while qi < len(quoted) and quoted[qi].end <= cut:
            qi += 1
        if qi < len(quoted) and quoted[qi].start < cut < quoted[qi].end and "\n" not in m.group():
            continue
        if "\n" not in m.group() and _ABBREVIATION_END.search(text, max(0, cut - 6), cut):
            continue
        spans.append((start, cut))
        start = m.end()
    spans.append((start, len(text)))
    return [trimmed for s, e in spans if (trimmed := trim(text, s, e))]


def trim(text: str, start: int, end: int, chars: str = " \t\n") -> tuple[int, int] | None:
    """The span without leading/trailing `chars`; None when nothing is left."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return (start, end) if start < end else None
