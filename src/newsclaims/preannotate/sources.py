"""SOURCE noun phrases: find the phrase a cue attaches to and decide its source_type.

The phrase is read off the tokens next to the cue (before "said", after "according
to") and kept only when its head is something that can speak: a name, an unnamed
speaker ("officials"), an organisation or a document. Everything else means the
verb was not a reporting cue ("the goal is to show ...").
"""

from __future__ import annotations

from typing import NamedTuple

from newsclaims.preannotate.rules import Rules
from newsclaims.preannotate.text import Token

_DETERMINERS = frozenset([
    "the", "a", "an", "some", "many", "multiple", "several", "two", "three", "four", "five",
    "six", "seven", "eight", "nine", "ten", "dozens", "other", "another", "one", "both",
    "senior", "top",
])
# Words after the head that make what follows a modifier ("sources familiar with ...").
_POSTMODIFIERS = frozenset(
    ["close", "familiar", "who", "with", "briefed", "involved", "knowledgeable"]
)
_APOSTROPHES = ("'s", "’s")
# First words of an apposition that describes the speaker ("Jane Doe, a spokeswoman").
_APPOSITION_STARTS = frozenset(["a", "an", "the", "its", "his", "her", "their", "our"])


class SourcePhrase(NamedTuple):
    """A speaker's span and source_type (a named tuple: made for every cue tried, and
    built far faster than a frozen dataclass)."""

    start: int
    end: int
    type_key: str  # key of labels.yaml choices.source_type


def _is_word(token: Token) -> bool:
    return token.text[0].isalnum() or token.text[0] in "$€£"


def _head(words: list[Token], rules: Rules) -> Token:
    for i, tok in enumerate(words[1:], start=1):
        if tok.lower in _POSTMODIFIERS or tok.lower in rules.inner_links:
            return words[i - 1]
    return words[-1]


def _is_capitalised(token: Token) -> bool:
    """A name-like word: capitalised, or in a script without case (汉字, العربية)."""
    first = token.text[0]
    return first.isupper() or (first.isalpha() and not first.islower())


def classify(words: list[Token], rules: Rules, previous_type: str | None) -> str | None:
    """source_type key for the phrase `words`, or None when it is no source."""
    if len(words) == 1 and words[0].lower in rules.pronouns:
        if words[0].lower in ("he", "she", "i"):
            return "person"
        return previous_type or "anonymous"
    if words[0].lower in rules.not_sources or all(t.lower in _DETERMINERS for t in words):
        return None
    head = _head(words, rules)
    head_word = head.lower.removesuffix("'s").removesuffix("’s")
    if head_word in rules.document_heads:
        return "document"
    if head_word in rules.anonymous_heads:
        return "anonymous"
    if _is_capitalised(head):
        return "organization" if _looks_like_org(words, rules) else "person"
    if head_word in rules.organization_heads:
        return "organization"
    if head_word in rules.person_heads:  # rules-2026.12 on ("the Ohio senator")
        return "anonymous" if head_word.endswith("s") else "person"
    return None


def _looks_like_org(words: list[Token], rules: Rules) -> bool:
    suffixes = rules.ent["org_suffixes"]
    heads_of = rules.ent["org_heads_of"]
    run: list[Token] = []  # the trailing capitalised run: the name the phrase ends in
    for tok in reversed(words):
        if not (tok.text[0].isupper() or tok.lower in rules.ent["name_particles"]):
            break
        run.insert(0, tok)
    words = run or words
    if any(t.text in suffixes for t in words[1:]) or (
        len(words) == 1 and words[0].text in suffixes
    ):
        return True
    if any(t.text in heads_of for t in words):
        return True
    orgs = rules.org_names
    texts = [t.text for t in words]
    # the whole phrase, or an organisation name at its start or end ("Reuters", "the Fed")
    return any(
        " ".join(texts[:n]) in orgs or " ".join(texts[-n:]) in orgs
        for n in range(1, len(texts) + 1)
    )


def _left_trim(words: list[Token], rules: Rules) -> list[Token]:
    """Drop a leading time or place adjunct: "on Tuesday the ministry" -> "the ministry"."""
    months = set(rules.ent["months"]) | set(rules.ent["weekdays"])
    i = 0
    while i < len(words) and (
        words[i].lower in rules.inner_links or words[i].text in months or words[i].text.isdigit()
        or words[i].lower in ("earlier", "later", "last", "this", "next")
    ):
        i += 1
    if i and i < len(words):
        return words[i:]
    return words


def _walk_back(
    toks: list[Token], index: int, first: int, rules: Rules
) -> tuple[list[Token], int]:
    """The noun-phrase words ending before token `index`, and where the walk stopped."""
    picked: list[Token] = []
    k = index - 1
    while k >= first and len(picked) < rules.max_source_words:
        tok = toks[k]
        if not _is_word(tok) and tok.text not in ("&", "-", "’", "'"):
            break
        if tok.lower in rules.boundaries and not (tok.lower in rules.inner_links and picked):
            break
        picked.append(tok)
        k -= 1
    words = _left_trim(picked[::-1], rules) if picked else []
    while words and words[-1].lower in rules.inner_links:
        words = words[:-1]
    return words, k


def before(
    toks: list[Token], cue_index: int, first: int, rules: Rules, previous_type: str | None,
    *, aside: bool = True,
) -> SourcePhrase | None:
    """The source phrase ending right before token `cue_index` ("Officials say")."""
    words, k = _walk_back(toks, cue_index, first, rules)
    if not words and k > first and toks[k].text == "," and aside:
        return _before_aside(toks, k, first, rules, previous_type)
    if not words:
        return None
    kind = classify(words, rules, previous_type)
    if kind is None:
        return None
    return SourcePhrase(words[0].start, words[-1].end, kind)


def _before_aside(
    toks: list[Token], comma: int, first: int, rules: Rules, previous_type: str | None
) -> SourcePhrase | None:
    """A source followed by an aside in commas (guidelines §6.5: an apposition that
    identifies the speaker is part of the SOURCE, up to the closing comma):
    "Its president, Hector Ballantyne, said" -> "Its president, Hector Ballantyne";
    "Jane Doe, a spokeswoman for the ministry, said" -> all of it;
    "The agent, who spoke on condition of anonymity, said" -> "The agent"."""
    j = comma - 1
    while j > first and toks[j].text != ",":
        j -= 1
    if toks[j].text != "," or j >= comma - 1:
        return None
    inner = toks[j + 1 : comma]
    head = before(toks, j, first, rules, previous_type, aside=False)
    if len(inner) <= 5 and all(
        _is_capitalised(t) or t.lower in rules.ent["name_particles"] for t in inner
    ):
        kind = "organization" if _looks_like_org(inner, rules) else "person"
        role, _ = _walk_back(toks, j, first, rules)  # "Its president", typed or not
        start = role[0].start if role else inner[0].start
        return SourcePhrase(start, inner[-1].end, kind)
    if head is not None and inner[0].lower in _APPOSITION_STARTS and head.type_key in (
        "person", "organization"
    ):
        return SourcePhrase(head.start, inner[-1].end, head.type_key)
    return head


def after(
    toks: list[Token], index: int, last: int, rules: Rules, previous_type: str | None,
    *, inverted: bool = False,
) -> SourcePhrase | None:
    """The source phrase starting at token `index`: "according to a report" or, when
    `inverted`, a short phrase closing the sentence ("“...,” said the minister.")."""
    words: list[Token] = []
    k = index
    limit = 8 if inverted else rules.max_source_words + 4
    while k < last and len(words) <= limit:
        tok = toks[k]
        if not _is_word(tok) and tok.text not in ("&", "-", "’", "'"):
            break
        if tok.lower in ("which", "who", "that", "and", "but"):
            break
        words.append(tok)
        k += 1
    if inverted and (len(words) > limit or (k < last and _is_word(toks[k]))):
        return None
    while words and (words[-1].lower in rules.inner_links or not _is_word(words[-1])):
        words = words[:-1]
    if not words:
        return None
    kind = classify(words, rules, previous_type)
    if kind is None and not inverted and words[0].lower not in rules.not_sources:
        kind = rules.raw["sources"]["fallback_after_type"]
    if kind is None:
        return None
    return SourcePhrase(words[0].start, words[-1].end, kind)
