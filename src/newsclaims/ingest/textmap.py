"""Normalise a text that already has offsets pointing into it, and move the offsets.

Gold annotations made elsewhere (BRAT standoff) point into the raw text. The task
contract wants NFC with `\\n` newlines, and both change lengths: NFC composes
`e` + U+0301 into one code point, `\\r\\n` becomes one `\\n`, a BOM and control
characters (ingest's `CONTROLS`) disappear.
`MappedText` does exactly that much (no whitespace folding: every other character
stays where it was relative to its neighbours) and maps each raw offset to the
normalised text, or to None where the offset falls inside something
normalisation merged (between a letter and its combining accent).

NFC can be applied piece by piece: a piece starting with an ASCII character never
combines with what precedes it (ASCII characters are starters, decompose to
themselves and are no second element of any composition), so the text is cut
before each ASCII character, and only the rare pieces that NFC changes need an
offset map of their own.
"""

from __future__ import annotations

import re
import unicodedata

from newsclaims.ingest.ingest import CONTROLS

# The line breaks ingest turns into \n (newsclaims.ingest.ingest._LINE_BREAKS; \r\n first).
LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x1c-\x1e\x85\u2028\u2029]")
BOM = "\ufeff"
_DROPPED = re.compile(f"{BOM}|{CONTROLS.pattern}")  # characters normalisation removes
_ASCII_START = re.compile(r"[\x00-\x7f][^\x00-\x7f]*|[^\x00-\x7f]+")


def normalise(text: str) -> str:
    """NFC, every line break as \\n, no BOM or control character: what `MappedText`
    produces, without a map."""
    return unicodedata.normalize("NFC", LINE_BREAKS.sub("\n", _DROPPED.sub("", text)))


class MappedText:
    """A raw text, its normalised form, and raw offset -> normalised offset."""

    __slots__ = ("_map", "changed", "raw", "text")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        breaks_text, to_breaks = _map_line_breaks(raw)
        self.text, to_nfc = _map_nfc(breaks_text)
        self.changed = self.text != raw
        self._map: list[int | None] | None = None
        if self.changed:
            self._map = [None if b is None else to_nfc[b] for b in to_breaks]

    def offset(self, raw_offset: int) -> int | None:
        """Where raw offset `raw_offset` is in the normalised text; None if nowhere."""
        if not 0 <= raw_offset <= len(self.raw):
            return None
        return raw_offset if self._map is None else self._map[raw_offset]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The normalised span of raw `start..end`, or None when it cannot be mapped:
        an end outside the text, or a boundary inside something NFC merged (checked by
        comparing the mapped slice with the normalised raw slice)."""
        if not 0 <= start <= end <= len(self.raw):
            return None
        new_start, new_end = self.offset(start), self.offset(end)
        if new_start is None or new_end is None:
            return None
        if self._map is not None and self.text[new_start:new_end] != normalise(
                self.raw[start:end]):
            return None
        return new_start, new_end


def _map_line_breaks(raw: str) -> tuple[str, list[int | None]]:
    """`raw` with line breaks as \\n, BOMs and control characters removed; raw offset ->
    new offset."""
    if _DROPPED.search(raw) is None and LINE_BREAKS.search(raw.replace("\n", "")) is None:
        return raw, list(range(len(raw) + 1))
    out: list[str] = []
    mapping: list[int | None] = []
    size = 0
    i = 0
    while i < len(raw):
        mapping.append(size)
        ch = raw[i]
        if _DROPPED.fullmatch(ch):
            i += 1
            continue
        if ch == "\r":  # \r\n (dropped characters between them go first) is one \n
            after = i + 1
            while after < len(raw) and _DROPPED.fullmatch(raw[after]):
                after += 1
            if raw.startswith("\n", after):
                mapping.extend([size] * (after - i))  # inside the pair: before the \n
                i = after
        out.append("\n" if LINE_BREAKS.fullmatch(ch) else ch)
        size += 1
        i += 1
    mapping.append(size)
    return "".join(out), mapping


def _map_nfc(text: str) -> tuple[str, list[int | None]]:
    """NFC of `text`, and old offset -> new offset (None inside a merged sequence)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1))
    out: list[str] = []
    mapping: list[int | None] = []
    size = 0
    for match in _ASCII_START.finditer(text):
        piece = match.group()
        normal = unicodedata.normalize("NFC", piece)
        if normal == piece:
            mapping.extend(range(size, size + len(piece)))
        else:
            mapping.extend(size + inner if inner is not None else None
                           for inner in _piece_offsets(piece, normal)[:-1])
        out.append(normal)
        size += len(normal)
    mapping.append(size)
    return "".join(out), mapping


def _piece_offsets(piece: str, normal: str) -> list[int | None]:
    """Offsets 0..len(piece) of one piece NFC changed: k maps to len(NFC(piece[:k]))
    when cutting there does not change the normalisation, else None."""
    offsets: list[int | None] = []
    for k in range(len(piece) + 1):
        head = unicodedata.normalize("NFC", piece[:k])
        tail = unicodedata.normalize("NFC", piece[k:])
        offsets.append(len(head) if head + tail == normal else None)
    return offsets
