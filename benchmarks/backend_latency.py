"""`newsclaims backend` latency: one /predict of a typical article over HTTP, as Label
Studio sends it (one task, the project's label config), on this machine.

    .venv/bin/python benchmarks/backend_latency.py [N]     # prints JSON

The server runs in a thread of this process (uvicorn, as `newsclaims backend` runs it)
and is warmed up by one request before the clock starts. The article is the seed's
body (2,804 characters); the goal is an answer within 1 s (#13).
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from newsclaims.core.scheme import load_scheme
from newsclaims.studio.backend import create_app

ROOT = Path(__file__).resolve().parents[1]


def measure(n: int = 50) -> dict[str, float]:
    seed = next(iter((ROOT / "seeds").glob("*.txt"))).read_text("utf-8")
    text = seed.replace("\r", "").split("\n\n", 2)[-1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    body = {"tasks": [{"id": 1, "data": {"text": text}}], "project": "1.1",
            "label_config": load_scheme().config_xml, "params": {}}
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        client.post("/predict", json=body).raise_for_status()
        for _ in range(n):
            started = time.perf_counter()
            client.post("/predict", json=body).raise_for_status()
            times.append(time.perf_counter() - started)
    server.should_exit = True
    thread.join()
    times.sort()
    return {"requests": n, "text_chars": len(text),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(0.95 * (n - 1))] * 1000, 1),
            "max_ms": round(times[-1] * 1000, 1)}


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 50)))
