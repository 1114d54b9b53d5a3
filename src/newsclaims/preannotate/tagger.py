"""The trained attribution tagger: a model file and what it finds in an article.

A linear-chain CRF (CRFsuite, through python-crfsuite) tags each token of a sentence
B-/I-SOURCE, B-/I-CUE, B-/I-CONTENT or O from the features of `features.py`;
`linking.py` turns the tagged spans into attributions. `newsclaims train`
(`newsclaims.review.train`) writes the model; nothing is downloaded.

A model file is one line naming the format, one line of JSON (what the model was
trained with and on, and the sha256 of the CRF bytes), then CRFsuite's own bytes.
Everything is checked before CRFsuite reads a byte, so a damaged or foreign file is
one clear error. Predictions name the model: `tagger-2026.12+<first 12 hex digits of
the file's sha256>`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclaims.core.atomic import atomic_write_bytes
from newsclaims.core.errors import NewsclaimsError
from newsclaims.preannotate.attribution import Attribution
from newsclaims.preannotate.features import FEATURE_SET, FeatureExtractor
from newsclaims.preannotate.rules import Rules, load_rules
from newsclaims.preannotate.text import Doc

TAGGER_VERSION = "tagger-2026.12"
MAGIC = b"newsclaims-tagger\n"
FORMAT = 1
_MAX_HEADER = 1 << 20
# Tag suffix -> role of labels.yaml; the tagger's CONTENT is our CLAIM.
TAG_ROLES = {"SOURCE": "source", "CUE": "cue", "CONTENT": "claim"}
ROLE_TAGS = {role: tag for tag, role in TAG_ROLES.items()}


@dataclass(frozen=True, slots=True)
class TaggedSpan:
    role: str  # "source", "cue" or "claim"
    first: int  # first token (index into the Doc's token columns)
    last: int  # index after the last token
    sentence: int  # index into Doc.sentences


def model_bytes(header: dict[str, Any], crf: bytes) -> bytes:
    """The bytes of a model file (deterministic: keys sorted, no time stamp)."""
    full = {**header, "format": FORMAT, "crf_sha256": hashlib.sha256(crf).hexdigest(),
            "crf_bytes": len(crf)}
    line = json.dumps(full, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return MAGIC + line.encode("ascii") + b"\n" + crf


def write_model(path: str | os.PathLike[str], header: dict[str, Any], crf: bytes) -> str:
    """Write a model file atomically; returns its sha256."""
    data = model_bytes(header, crf)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


class TaggerModel:
    """A loaded, checked model: its header, its CRF, and the rules whose word lists its
    features use."""

    def __init__(self, path: Path, header: dict[str, Any], crf: bytes, sha256: str) -> None:
        import pycrfsuite  # a compiled extension: loaded only when a model is used

        self.path = path
        self.header = header
        self.sha256 = sha256
        self.model_version = f"{TAGGER_VERSION}+{sha256[:12]}"
        self.rules: Rules = load_rules(header["rules_version"])
        self.features = FeatureExtractor(self.rules)
        self._crf = crf  # CRFsuite reads the model in place: the bytes must outlive it
        self._tagger = pycrfsuite.Tagger()
        try:
            self._tagger.open_inmemory(self._crf)
        except (ValueError, OSError) as exc:
            raise NewsclaimsError(f"{path}: CRFsuite cannot read the model ({exc})") from None
        labels = set(self._tagger.labels())
        known = {f"{p}-{tag}" for tag in TAG_ROLES for p in "BI"} | {"O"}
        if not labels <= known:
            raise NewsclaimsError(f"{path}: the model has tags {sorted(labels - known)}, "
                                  f"not those of {TAGGER_VERSION}")

    def tag(self, doc: Doc, ruled: list[Attribution]) -> list[TaggedSpan]:
        """The spans the CRF tags in `doc`, sentence by sentence, in reading order;
        `ruled` is what this model's rules found in `doc` (a feature)."""
        spans: list[TaggedSpan] = []
        for number, sequence in enumerate(self.features.sequences(doc, ruled)):
            tags = self._tagger.tag(sequence.features)
            spans += _spans(tags, sequence.first, number)
        return spans


def _spans(tags: list[str], first: int, sentence: int) -> list[TaggedSpan]:
    """BIO tags -> spans; an I- tag that does not continue a span of its kind opens one."""
    found: list[TaggedSpan] = []
    role: str | None = None
    start = 0
    for k, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        if role is not None and (prefix != "I" or TAG_ROLES[name] != role):
            found.append(TaggedSpan(role, first + start, first + k, sentence))
            role = None
        if prefix in ("B", "I") and role is None:
            role, start = TAG_ROLES[name], k
    return found


def read_model(path: str | os.PathLike[str]) -> TaggerModel:
    """Load and check a model file; a missing, foreign or damaged file is one
    NewsclaimsError naming the file and what is wrong."""
    where = Path(path)
    try:
        data = where.read_bytes()
    except OSError as exc:
        raise NewsclaimsError(f"{where}: cannot read the model: {exc.strerror or exc}") from None
    return _parse(where, data)


@functools.lru_cache(maxsize=4)
def _cached(path: str, size: int, mtime_ns: int) -> TaggerModel:
    return read_model(path)


def load_model(path: str | os.PathLike[str]) -> TaggerModel:
    """`read_model`, cached while the file is unchanged (a batch loads it once)."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise NewsclaimsError(f"{path}: cannot read the model: {exc.strerror or exc}") from None
    return _cached(os.fspath(path), stat.st_size, stat.st_mtime_ns)


def _parse(where: Path, data: bytes) -> TaggerModel:
    if not data.startswith(MAGIC):
        raise NewsclaimsError(f"{where}: not a newsclaims tagger model (train one with "
                              "`newsclaims train`)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    try:
        if end < 0:
            raise ValueError("no header line")
        header = json.loads(data[len(MAGIC) : end])
        if not isinstance(header, dict):
            raise ValueError("the header is not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise NewsclaimsError(f"{where}: damaged model file (header: {exc})") from None
    if header.get("format") != FORMAT:
        raise NewsclaimsError(f"{where}: model format {header.get('format')!r}; this version "
                              f"reads format {FORMAT}")
    if header.get("feature_set") != FEATURE_SET:
        raise NewsclaimsError(f"{where}: trained with features {header.get('feature_set')!r}; "
                              f"this version computes {FEATURE_SET!r} (train the model again)")
    crf = data[end + 1 :]
    if (len(crf) != header.get("crf_bytes")
            or hashlib.sha256(crf).hexdigest() != header.get("crf_sha256")):
        raise NewsclaimsError(f"{where}: damaged model file (the CRF bytes do not match "
                              "the checksum in its header)")
    if not isinstance(header.get("rules_version"), str):
        raise NewsclaimsError(f"{where}: damaged model file (no rules_version)")
    return TaggerModel(where, header, crf, hashlib.sha256(data).hexdigest())
