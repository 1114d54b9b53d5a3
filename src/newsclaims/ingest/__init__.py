"""Stage 1, ingest: raw files (txt, jsonl/json, csv, html) -> normalised articles with
content-hash ids (`ingest.py`), one reader per format (`readers.py`), tag lines (`tags.py`)."""

from newsclaims.ingest.ingest import ingest, write_articles

__all__ = ["ingest", "write_articles"]
