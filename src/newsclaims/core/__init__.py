"""What every stage shares: the `Problem` type and exit codes, content-hash ids, atomic
writes, offsets, the JSON Schemas and the annotation scheme (label_config.xml), article
input checks and the per-result rules. Imports nothing from the other stages."""
