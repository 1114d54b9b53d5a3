"""Tokens, quotations and sentences with code-point offsets into the article text.

Offsets are what Label Studio stores, so every span the rules produce is a pair of
indices into the original string; nothing here copies or normalises the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations with a dot that do not end a sentence ("U.S.", "Mr.", "Inc.").
_ABBREVIATION = (
    r"(?:[A-Za-z]\.){2,}"
    r"|(?:Mr|Mrs|Ms|Mx|Dr|Sen|Rep|Gov|Gen|Col|Capt|Adm|Prof|Inc|Corp|Ltd|Co|St|Jr|Sr|No|vs"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Lt|Sgt|Maj|Rev|Hon)\."
)
TOKEN_RE = re.compile(rf"{_ABBREVIATION}|\w+(?:[’'\-.]\w+)*|n[’']t|\S")
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


class Token:
    """A word or punctuation mark with its offsets (a plain slotted class: an article
    has hundreds, and a frozen dataclass costs several times more to build)."""

    __slots__ = ("end", "lower", "start", "text")

    def __init__(self, start: int, end: int, text: str, lower: str | None = None) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.lower = text.lower() if lower is None else lower

    def __repr__(self) -> str:
        return f"Token({self.start}, {self.end}, {self.text!r})"


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # offset of the opening quotation mark
    end: int  # offset after the closing quotation mark
    width: int = 1  # characters in each mark (2 for '')

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + self.width, self.end - self.width


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    stop = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, stop)]


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
            self._tokens = [Token(s, e, t, low) for s, e, t, low in columns]
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
