"""The per-region choices a BRAT corpus does not have, inferred by small fixed rules.

PolNeAR and PARC mark source, cue and content but not our `attribution_type` and
`source_type`, which validation requires. `import brat` fills them with these rules
and marks every such choice as inferred (docs/import-brat.md lists the rules and
how good they are); a reviewer, not these rules, is the authority.

Each function returns `(value, rule)`: the choice and the name of the rule that
chose it, which the import writes next to the choice.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

# Choice values these rules produce (checked against label_config.xml by the importer).
DIRECT_QUOTE, INDIRECT, MIXED = "DIRECT_QUOTE", "INDIRECT", "MIXED"
NAMED_PERSON, NAMED_ORGANIZATION = "NAMED_PERSON", "NAMED_ORGANIZATION"
ANONYMOUS, DOCUMENT = "ANONYMOUS", "DOCUMENT"
INFERRED_VALUES = {
    "attribution_type": (DIRECT_QUOTE, INDIRECT, MIXED),
    "source_type": (NAMED_PERSON, NAMED_ORGANIZATION, ANONYMOUS, DOCUMENT),
}

# --- attribution_type: where the quotation marks are ---------------------------------

_OPENING = frozenset("“„«‹")
_CLOSING = frozenset("”»›")
_STRAIGHT = '"'
_LEADING_THAT = re.compile(r"\s*that\b", re.IGNORECASE)
_MARK = re.compile('[“„«‹”»›"]')
_ALNUM = re.compile(r"[^\W_]")


def attribution_types(text: str, fragments: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """One type per fragment of a content, in order: DIRECT_QUOTE when every word of the
    fragment is inside double quotation marks, MIXED when some are, INDIRECT when none
    are. A quotation mark right outside a fragment counts (our guidelines leave the
    outer marks out, PARC keeps them); a quote still open at the end of a fragment runs
    on into the next fragment (a quotation continued in the next paragraph); a leading
    complementiser "that" is not counted."""
    types = []
    still_open = False
    for number, (start, end) in enumerate(fragments):
        body = text[start:end].replace("''", '" ')  # '' is a double quote in some outlets
        if number == 0 and (match := _LEADING_THAT.match(body)):
            body = " " * match.end() + body[match.end():]
        # A closing mark after the span's final comma or full stop still closes it.
        before, after = text[max(0, start - 2):start], text[end:end + 3].lstrip(",.;:!?")
        quoted, unquoted, still_open = _count_quoted(
            body, opened=still_open or _ends_with_opening(before),
            closed=after[:1] in _CLOSING or after[:1] == _STRAIGHT or after.startswith("''"))
        if quoted and not unquoted:
            types.append((DIRECT_QUOTE, "quote:all-words-quoted"))
        elif quoted:
            types.append((MIXED, "quote:some-words-quoted"))
        else:
            types.append((INDIRECT, "quote:no-quotation-marks"))
    return types


def _ends_with_opening(before: str) -> bool:
    return before[-1:] in _OPENING or before[-1:] == _STRAIGHT or before == "''"


def _count_quoted(body: str, *, opened: bool, closed: bool) -> tuple[int, int, bool]:
    """Letters/digits inside quotation marks, outside them, and whether a quote is still
    open at the end of `body`."""
    segments: list[tuple[int, bool]] = []  # (letters and digits, inside a quote?)
    inside, seen_mark, position = opened, False, 0
    for mark in _MARK.finditer(body):
        ch, letters = mark.group(), len(_ALNUM.findall(body, position, mark.start()))
        opening = ch in _OPENING or (ch == _STRAIGHT and not inside
                                     and _straight_opens(body, mark.start()))
        if not opening and not inside and not seen_mark:
            # a closing mark before any opening one: everything before it was quoted
            segments = [(n, True) for n, _ in segments]
            segments.append((letters, True))
        else:
            segments.append((letters, inside))
        inside, seen_mark, position = opening, True, mark.end()
    segments.append((len(_ALNUM.findall(body, position)), inside))
    if closed and not seen_mark:
        segments = [(n, True) for n, _ in segments]
    quoted = sum(n for n, flag in segments if flag)
    return quoted, sum(n for n, _ in segments) - quoted, inside and not closed


def _straight_opens(body: str, index: int) -> bool:
    """A straight double quote opens when it follows nothing, a space or an opening
    bracket/dash, and closes otherwise."""
    return index == 0 or body[index - 1].isspace() or body[index - 1] in "([{—–-"


# --- source_type: what the noun phrase is --------------------------------------------

SOURCE_WORDS_FILE = Path(__file__).parent / "data" / "source_words.txt"
_IT_PRONOUNS = frozenset(["it", "its"])
_RELATIVES = frozenset(["who", "whom", "whose", "which", "that"])
_INDEFINITE = frozenset(["a", "an", "another", "one", "some", "any"])
# Checked in this order: the first list a word is in gives its category.
_CATEGORIES = ("document", "organization", "title", "anonymous", "quantifiers")
_WORD = re.compile(r"[^\W_](?:[\w’'.&-]*[\w.])?")
_PARENTHETICAL = re.compile(r"\([^()]*\)")
_CLAUSE_BREAK = re.compile(r"[.;:!?()\n—–\"“”]|,(?=[^,]*$)")


@functools.cache
def source_words() -> dict[str, frozenset[str]]:
    """The word lists of data/source_words.txt by name."""
    lists: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in SOURCE_WORDS_FILE.read_text("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = lists.setdefault(line[1:-1], set())
        elif line and current is not None:
            current.update(line.split())
    return {name: frozenset(words) for name, words in lists.items()}


def _words_in(name: str) -> frozenset[str]:
    return source_words()[name]


def source_type(text: str, start: int, end: int) -> tuple[str, str]:
    """The source_type of the SOURCE `text[start:end]` (rules in docs/import-brat.md)."""
    words = _identifying_words(text[start:end])
    if len(words) == 1 and words[0].lower() in _RELATIVES:
        antecedent = _identifying_words(_antecedent(text, start))
        if not antecedent:
            return ANONYMOUS, "relative-pronoun:no-antecedent"
        value, rule = _phrase_type(antecedent)
        return value, f"relative-pronoun:{rule}"
    return _phrase_type(words)


def _identifying_words(phrase: str) -> list[str]:
    """The words that identify the speaker: before a parenthesis, a comma that opens an
    apposition ("Jane Doe, a spokeswoman for ...") or a relative clause."""
    phrase = _PARENTHETICAL.sub(" ", phrase)
    before_comma = phrase.split(",", 1)[0]
    phrase = before_comma if _WORD.search(before_comma) else phrase
    words = [w.removesuffix("’s").removesuffix("'s") for w in _WORD.findall(phrase)]
    for index, word in enumerate(words):
        if word.lower() in _RELATIVES and index:
            return words[:index]  # "officials who spoke ..." -> "officials"
    return [w for w in words if w]


def _antecedent(text: str, start: int) -> str:
    """The words right before a relative pronoun, back to the previous clause break."""
    before = text[max(0, start - 120):start].rstrip(" ,")
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end():] if breaks else before


def _phrase_type(words: list[str]) -> tuple[str, str]:
    if not words:
        return ANONYMOUS, "no-words"
    if len(words) == 1:
        lower = words[0].lower()
        if lower in _words_in("person-pronouns"):
            return NAMED_PERSON, "pronoun:person"
        if lower in _IT_PRONOUNS:
            return NAMED_ORGANIZATION, "pronoun:it"
        if lower in _words_in("group-pronouns"):
            return ANONYMOUS, "pronoun:group"
    head = _head_noun(words)
    if head is not None:
        return _head_type(words, head)
    core = words
    for index, word in enumerate(words):
        if word in _words_in("prepositions"):
            core = words[:index] or words
            break
    if core[-1][0].islower():
        return ANONYMOUS, "head:common-noun"  # "European citizens", "his eyes"
    names = [w for i, w in enumerate(core) if _is_name(w, i)]
    if names:
        return _name_type(names[-1])
    return ANONYMOUS, "no-name"


def _head_noun(words: list[str]) -> int | None:
    """Index of the head: the last noun of the first run of listed common nouns
    ("campaign manager" -> "manager"). A capitalised word after the first one counts
    only as a name part (the Washington *Post*, the Justice *Department*)."""
    head = None
    for index, word in enumerate(words):
        listed = _category(word) is not None and (index == 0 or not word[0].isupper()
                                                  or word.lower() in _words_in("title"))
        if listed:
            head = index
        elif head is not None:
            break
    return head


def _category(word: str) -> str | None:
    lower = word.lower()
    lists = source_words()
    return next((name for name in _CATEGORIES if lower in lists[name]), None)


def _head_type(words: list[str], head: int) -> tuple[str, str]:
    rest = words[head + 1:]
    category = _category(words[head])
    if rest and category != "quantifiers" and _is_name(rest[0], 1):
        # apposition: "spokesman Brian Fallon"
        names = [w for w in rest if _is_name(w, 1)]
        value, rule = _name_type(names[-1])
        return value, f"apposition:{rule}"
    if category == "document":
        return DOCUMENT, "head:document"
    if category == "organization":
        return NAMED_ORGANIZATION, "head:organization"
    indefinite = words[0].lower() in _INDEFINITE
    if category == "title" and not indefinite:
        return NAMED_PERSON, "head:title"
    return ANONYMOUS, f"head:{category}"


def _is_name(word: str, index: int) -> bool:
    """Capitalised (or an acronym) and not a listed common word, determiner or pronoun."""
    lower = word.lower()
    if not word[0].isupper() or lower in _words_in("determiners") | _words_in(
            "person-pronouns"):
        return False
    return not (_category(word) is not None and (index == 0 or lower in _words_in("title")))


def _name_type(last_name: str) -> tuple[str, str]:
    if last_name.lower() in _words_in("document-names"):
        return DOCUMENT, "name:document"  # "the Paris Agreement"
    bare = last_name.replace(".", "")
    if last_name.lower() in _words_in("organization-names") or (
            len(bare) >= 2 and bare.isupper()):
        return NAMED_ORGANIZATION, "name:organization"
    return NAMED_PERSON, "name:person"
