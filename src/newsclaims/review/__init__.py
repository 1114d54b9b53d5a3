"""Stage 5, review: the gold annotation of a task (`gold.py`), agreement between annotators
(`agreement.py`), adjudication (`adjudicate.py`), evaluation of suggestions against gold
(`evaluate.py`), span matching shared by both (`matching.py`), surface-form gold (`surface.py`)."""
