"""Stage 3, Label Studio: the local server's life cycle (`server.py`, with `apps.py`
for its app processes, `paths.py` for its state folder, `credentials.py` for its admin
login, `database.py` and `cluster.py` for PostgreSQL, `move.py` for moving a SQLite
server there), the SDK client (`client.py`), `push.py` (articles and suggestions in)
and `pull.py` (snapshot export out). `redact.py` keeps passwords out of every URL shown.

Kept free of imports so that `newsclaims studio status` does not load the SDK."""
