"""Identifiers: the content-hash article id (DESIGN.md) and annotator pseudonyms."""

from __future__ import annotations

import functools
import hashlib
import hmac

ARTICLE_ID_LENGTH = 16


def article_id(text: str) -> str:
    """First 16 hex digits of sha256(text as UTF-8): the task-data contract."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ARTICLE_ID_LENGTH]


@functools.lru_cache(maxsize=1024)
def pseudonym(annotator_key: str, salt: str) -> str:
    """A stable, non-reversible annotator name: keyed hash of the annotator's id.

    The salt comes from configuration and never enters a release, so a pseudonym
    cannot be traced back to an e-mail by hashing guesses. Kept per (id, salt): a
    release names every annotation's annotator, and a team is a few people (20,000
    tasks: 22,000 HMACs for 5 names).
    """
    digest = hmac.new(salt.encode("utf-8"), annotator_key.encode("utf-8"), hashlib.sha256)
    return "annotator-" + digest.hexdigest()[:10]
