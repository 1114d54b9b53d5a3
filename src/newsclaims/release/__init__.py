"""Stage 6, releases: `release.py` orchestrates a release (versions, salt, temporary folder),
`build.py` makes every table in one pass over the export, `tables.py` holds their Arrow
schemas (derived from schemas/record-*.json), then manifest, card, croissant, changelog;
`verify.py` and `loader.py` are what users of a release run.

Kept free of imports so that `newsclaims.load` does not import the release builder."""
