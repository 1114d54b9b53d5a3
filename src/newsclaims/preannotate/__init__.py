"""Stage 2, pre-annotation: rule-based attribution and entity suggestions as Label Studio
predictions (`predictions.py`), from versioned rule files (`rules.py`, `rules/`), or
attributions from a trained tagger (`tagger.py`, `load_model`)."""

from newsclaims.preannotate.predictions import (
    MODEL_VERSION,
    iter_predictions,
    model_version,
    preannotate,
    preannotate_articles,
    read_articles,
    write_predictions,
)
from newsclaims.preannotate.tagger import load_model

__all__ = [
    "MODEL_VERSION",
    "iter_predictions",
    "load_model",
    "model_version",
    "preannotate",
    "preannotate_articles",
    "read_articles",
    "write_predictions",
]
