"""Is a first line that ends with a full stop a headline or the first paragraph?

Scraped and corpus texts often give the headline as the first line with a final
period ("Mayor Ruiz: bridge repairs will finish in May." — PolNeAR adds one to
every title), so "does not end like a sentence" alone misses most of them. A first
paragraph can be one short sentence too, so the line must also read like a headline:
a kicker or speaker before a colon ("Poll:", "Mayor Ruiz:"), or a single short
sentence in headline grammar — Title Case, or without the auxiliaries, past tenses,
pronoun subjects and articles that running prose is full of. docs/ingest.md gives the
rule and what it was measured on.
"""

from __future__ import annotations

import re

HEADLINE_MAX_WORDS = 15  # 96% of PolNeAR train headlines; ledes run ~28 words
KICKER_HEADLINE_MAX_WORDS = 25

_FULL_STOP_END = re.compile(r"[.;]['\"’”»)]*$")
# A sentence boundary: end punctuation (closing quotes allowed), space, a capital or digit.
_BOUNDARY = re.compile(r"(\S*)[.!?]['\"’”»)]*\s+['\"‘“(]*[A-Z0-9]")
_ABBREVIATION = re.compile(
    r"(?:^|[^\w.])(?:[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]|Mr|Mrs|Ms|Dr|Sen|Sens|Rep|Reps|Gov|Gen|Lt"
    r"|Col|Sgt|Rev|Prof|St|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|Mt|Ft)$")
# "Kasich:", "The Latest:", "Mayor Ana Ruiz:" — at most four capitalised words, a colon.
_KICKER = re.compile(r"^(?:[A-Z0-9][\w.’'&-]*\s){0,3}[A-Z0-9][\w.’'&-]+:\s")
_PROSE_WORD = re.compile(
    r"\b(?:is|are|was|were|has|have|had|been|will|would|could|should|according|said|told)\b")
_PRONOUN_START = re.compile(r"^(?:It|He|She|They|We|I|You|This|That|There|These|Those)\b")
_ARTICLE = re.compile(r"\b(?:the|a|an)\b", re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:[a-z]\w*[^e\W]ed|[a-z]\w*ied|won|chose|fell|rose|went|came|ran|met|left|lost|led"
    r"|held|sent|spent|paid|made|took|gave|saw|got|found|thought|felt|kept|began|became"
    r"|brought|bought|wrote|spoke|broke|drew|grew|knew|threw|flew|struck|stood|sat|sought"
    r"|taught|fought|did)\b")
_NOT_PAST = frozenset(["need", "speed", "feed", "seed", "shed", "breed", "greed", "creed",
                       "proceed", "exceed", "succeed", "indeed", "embed", "hundred", "sacred",
                       "naked", "wicked", "rugged", "beloved"])
_WORD = re.compile(r"[A-Za-z][\w’'-]*")
_MINOR_WORDS = frozenset(["a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as",
                          "at", "by", "in", "of", "on", "to", "up", "via", "with", "from", "into",
                          "over", "vs", "is", "be", "than", "off", "out", "per", "if"])


def is_headline_with_full_stop(line: str) -> bool:
    """True for a line ending in "." or ";" that reads as a headline, not as prose."""
    line = line.strip()
    if not _FULL_STOP_END.search(line) or not _one_sentence(line):
        return False
    words = len(line.split())
    if _KICKER.search(line):
        return words <= KICKER_HEADLINE_MAX_WORDS
    if words > HEADLINE_MAX_WORDS or _PROSE_WORD.search(line) or _PRONOUN_START.search(line):
        return False
    return _title_case(line) or (len(_ARTICLE.findall(line)) <= 1 and not _has_past_tense(line))


def _one_sentence(line: str) -> bool:
    """No sentence boundary inside (after "U.S.", "Mr.", an initial: not a boundary)."""
    return all(_ABBREVIATION.search(m.group(1)) for m in _BOUNDARY.finditer(line))


def _title_case(line: str) -> bool:
    """At least 60% of the words after the first, minor words aside, are capitalised."""
    words = [w for w in _WORD.findall(line)[1:] if w.lower() not in _MINOR_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _has_past_tense(line: str) -> bool:
    return any(m.group() not in _NOT_PAST for m in _PAST.finditer(line))
