"""Identifiers: the content-hash article id (DESIGN.md) and annotator pseudonyms."""

from __future__ import annotations

import hashlib
import hmac

ARTICLE_ID_LENGTH = 16


def article_id(text: str) -> str:
    """First 16 hex digits of sha256(text as UTF-8): the task-data contract."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ARTICLE_ID_LENGTH]


def pseudonym(annotator_key: str, salt: str) -> str:
    """A stable, non-reversible annotator name: keyed hash of the annotator's id.

    The salt comes from configuration and never enters a release, so a pseudonym
    cannot be traced back to an e-mail by hashing guesses.
    """
    digest = hmac.new(salt.encode("utf-8"), annotator_key.encode("utf-8"), hashlib.sha256)
    return "annotator-" + digest.hexdigest()[:10]
