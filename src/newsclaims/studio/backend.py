"""`newsclaims backend`: the rule-based pre-annotator as a Label Studio ML backend.

Label Studio asks a connected backend for suggestions whenever a task without them is
opened, so tasks imported any other way than `push` (the UI, cloud storage, a script)
get them too, and a rules change needs no re-push. The protocol is the one Label
Studio 1.23.2 speaks (label_studio/ml/api_connector.py; label-studio-ml-backend's
label_studio_ml/api.py is the reference server), with the server's timeouts:

    GET  /health   -> {"status": "UP", "model_class", "model_version"}            1 s
    POST /setup    {project, schema, ...} -> {"model_version"}                     3 s
    POST /predict  {tasks, project, label_config, params}
                   -> {"results": [one list of predictions per task, in order]}  100 s
    POST /webhook  {action, project, ...} -> 200: the rules do not learn, so events
                   are acknowledged and ignored

Every prediction is checked with the project's own label config (`check_result`, the
validator's rules) before it leaves; a task that cannot be predicted (no text, text
not a string, text too long, time budget spent, a rule bug) gets an empty list, which
Label Studio reads as "no prediction for this task", and one log line saying why.
A malformed request is a 400/413 with {"error": ...}; nothing a task or a request
holds stops the server.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from newsclaims.core.errors import NewsclaimsError, Severity
from newsclaims.core.jsonread import JSONInputError, loads
from newsclaims.core.result_rules import check_result
from newsclaims.core.scheme import Scheme, load_scheme, parse_scheme
from newsclaims.preannotate import MODEL_VERSION, model_version, preannotate

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9090
MAX_TEXT_CHARS = 1_000_000  # ~5 s of rules; a long news article is ~50,000 characters
MAX_BODY_BYTES = 64 * 1024 * 1024  # one /predict request (Label Studio batches tasks)
PREDICT_BUDGET_S = 60.0  # of Label Studio's 100 s; tasks past it get no prediction
TEXT_FIELD = "text"  # the task data field the Text object reads (schemas/task.schema.json)

log = logging.getLogger("newsclaims.backend")


class RequestError(Exception):
    """A request this backend cannot answer: HTTP status and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Batch:
    """The answer to one /predict: a list of predictions per task, and why tasks got none."""

    results: list[list[dict[str, Any]]] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # task index -> reason


def predict_tasks(
    tasks: list[Any],
    scheme: Scheme,
    *,
    version: str = MODEL_VERSION,
    max_text_chars: int = MAX_TEXT_CHARS,
    budget_s: float = PREDICT_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
) -> Batch:
    """One list per task: the rules' prediction, checked against `scheme`, or nothing."""
    batch = Batch()
    deadline = clock() + budget_s
    for index, task in enumerate(tasks):
        if clock() > deadline:
            reason = f"time budget of {budget_s:g} s spent"
            prediction = None
        else:
            prediction, reason = _predict_one(task, scheme, version, max_text_chars)
        batch.results.append([prediction] if prediction is not None else [])
        if prediction is None:
            batch.skipped[index] = reason
    return batch


def _predict_one(
    task: Any, scheme: Scheme, version: str, max_text_chars: int
) -> tuple[dict[str, Any] | None, str]:
    data = task.get("data") if isinstance(task, dict) else None
    text = data.get(TEXT_FIELD) if isinstance(data, dict) else None
    if not isinstance(text, str):
        kind = "no data" if data is None else f"data.{TEXT_FIELD} is {type(text).__name__}"
        return None, f"{kind}, not text"
    if not text.strip():
        return None, f"data.{TEXT_FIELD} is empty"
    if len(text) > max_text_chars:
        return None, f"text of {len(text):,} characters is over {max_text_chars:,}"
    article = {TEXT_FIELD: text, "article_id": data.get("article_id")}
    try:
        prediction = preannotate(article, version=version)
    except NewsclaimsError as exc:  # the rules' own check refused their result
        return None, str(exc)
    except Exception as exc:  # a bug in the rules must not cost the other tasks
        log.exception("rules failed on task %s", task.get("id"))
        return None, f"rules failed: {type(exc).__name__}"
    errors = [p for p in check_result(prediction["result"], text, scheme=scheme)
              if p.severity is Severity.ERROR]
    if errors:
        return None, f"result does not fit the project's label config: {errors[0]}"
    return {k: prediction[k] for k in ("model_version", "score", "result")}, ""


def unsupported(project: Scheme, ours: Scheme) -> list[str]:
    """What our predictions use that the project's label config lacks."""
    missing = [] if project.text_name == ours.text_name else [f"Text {ours.text_name!r}"]
    for control, labels in ours.labels.items():
        missing += [f"{control}={v}" for v in labels if v not in project.labels.get(control, ())]
    for name, choice in ours.choices.items():
        known = project.choices[name].values if name in project.choices else ()
        missing += [f"{name}={v}" for v in choice.values if v not in known]
    missing += [f"relation={v}" for v in ours.relations if v not in project.relations]
    return missing


@functools.lru_cache(maxsize=16)
def project_scheme(label_config: str) -> Scheme:
    """The scheme of a project's label config (parsed once per distinct config)."""
    return parse_scheme(label_config)


def create_app(
    *,
    version: str = MODEL_VERSION,
    max_text_chars: int = MAX_TEXT_CHARS,
    max_body_bytes: int = MAX_BODY_BYTES,
    budget_s: float = PREDICT_BUDGET_S,
) -> Starlette:
    """The ASGI app. The rules are loaded (and compiled) before it answers."""
    ours = load_scheme()
    stamp = model_version(version)
    preannotate({TEXT_FIELD: "Warm-up, officials said."}, version=version)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "UP", "model_class": "newsclaims-rules",
                             "model_version": stamp})

    async def setup(request: Request) -> JSONResponse:
        body = await _json_object(request, max_body_bytes)
        scheme = _scheme_of(body.get("schema"), "schema")
        missing = unsupported(scheme, ours)
        if missing:
            raise RequestError(422, f"the project's label config lacks {', '.join(missing)}")
        return JSONResponse({"model_version": stamp})

    async def predict(request: Request) -> JSONResponse:
        body = await _json_object(request, max_body_bytes)
        tasks = body.get("tasks")
        if not isinstance(tasks, list):
            raise RequestError(400, "'tasks' must be a list")
        config = body.get("label_config")
        scheme = ours if config is None else _scheme_of(config, "label_config")
        started = time.perf_counter()
        batch = await run_in_threadpool(
            predict_tasks, tasks, scheme, version=version,
            max_text_chars=max_text_chars, budget_s=budget_s,
        )
        for index, reason in batch.skipped.items():
            task = tasks[index]
            log.warning("task %s: no prediction: %s",
                        task.get("id") if isinstance(task, dict) else f"#{index}", reason)
        log.info("predicted %d of %d tasks in %.3f s", len(tasks) - len(batch.skipped),
                 len(tasks), time.perf_counter() - started)
        return JSONResponse({"results": batch.results})

    async def webhook(request: Request) -> JSONResponse:
        body = await _json_object(request, max_body_bytes)
        return JSONResponse({"status": "ignored", "action": body.get("action")})

    async def request_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestError)
        log.warning("%s %s: %s", request.method, request.url.path, exc.message)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    routes = [
        Route("/", health, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/setup", setup, methods=["POST"]),
        Route("/predict", predict, methods=["POST"]),
        Route("/webhook", webhook, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={RequestError: request_error})


async def _json_object(request: Request, limit: int) -> dict[str, Any]:
    """The request body as a JSON object, read no further than `limit` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"request body over {limit:,} bytes")
        chunks.append(chunk)
    try:
        body = loads(b"".join(chunks))
    except JSONInputError as exc:
        raise RequestError(400, f"body is not JSON: {exc.message}") from None
    if not isinstance(body, dict):
        raise RequestError(400, "body must be a JSON object")
    return body


def _scheme_of(label_config: Any, field_name: str) -> Scheme:
    if not isinstance(label_config, str):
        raise RequestError(400, f"{field_name!r} must be the label config XML")
    try:
        return project_scheme(label_config)
    except NewsclaimsError as exc:
        raise RequestError(422, f"{field_name}: {exc}") from None


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run the backend until interrupted (one process; predictions run in threads)."""
    import uvicorn  # only when serving

    from newsclaims.studio.server import port_in_use

    if port_in_use(port, host):
        raise NewsclaimsError(f"port {port} on {host} is in use: choose another with --port")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
