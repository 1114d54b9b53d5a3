"""Stage 3, Label Studio: the local server's life cycle (`server.py`), the SDK client
(`client.py`), `push.py` (articles and suggestions in) and `pull.py` (snapshot export out).

Kept free of imports so that `newsclaims studio status` does not load the SDK."""
