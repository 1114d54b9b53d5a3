"""Stage 4, the export: reading Label Studio's native JSON (`reader.py`), validating it
(`validate.py`) and turning it into canonical records (`convert.py`)."""
