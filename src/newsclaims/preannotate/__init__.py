"""Stage 2, pre-annotation: rule-based attribution and entity suggestions as Label Studio
predictions (`predictions.py`), from versioned rule files (`rules.py`, `rules/`)."""

from newsclaims.preannotate.predictions import (
    MODEL_VERSION,
    model_version,
    preannotate,
    preannotate_articles,
    read_articles,
    write_predictions,
)

__all__ = [
    "MODEL_VERSION",
    "model_version",
    "preannotate",
    "preannotate_articles",
    "read_articles",
    "write_predictions",
]
