"""The emulator's ASGI app: auth, latency and fault injection around the area routes.

Area modules each export `routes` (Starlette routes), `init(store)` and `seed(store)`.
Control endpoints under `/_emulator/` (no auth, never faulted) let tests inspect and steer
the emulator: reset, change latency/fault rate, read webhook deliveries, force states.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import automations, contract, environments, misc, replicas
from .config import EmulatorConfig
from .http import ApiError, error_response
from .state import Store

AREAS = (environments, automations, replicas, misc)
# /v1/previews/ authenticates itself (a workspace engine secret, not an API key): misc.py.
PUBLIC_PREFIXES = ("/v1/automations/webhook/", "/v1/previews/", "/_emulator/")


def build_store(config: EmulatorConfig) -> Store:
    store = Store(config)
    for area in AREAS:
        area.init(store)
    if config.seed:
        for area in AREAS:
            area.seed(store)
    return store


class EmulatorMiddleware:
    """Latency, faults and bearer auth, as raw ASGI so a fault can drop the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        store: Store = scope["app"].state.store
        config = store.config
        path: str = scope["path"]
        if path.startswith("/_emulator/"):
            await self.app(scope, receive, send)
            return
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        rule = _take_rule(store, scope["method"], path)
        fault = rule["fault"] if rule else None
        if fault is None and config.fault_rate and random.random() < config.fault_rate:
            fault = random.choice([*config.fault_statuses, "drop"])
        if fault is not None and fault != "drop-after":
            await self._fault(fault, scope, receive, send)
            return
        if not path.startswith(PUBLIC_PREFIXES):
            key = _bearer(scope)
            principal = store.principal_for(key)
            if principal is None:
                detail = "Missing Authorization header." if key is None else "Invalid API key."
                await error_response(401, "Unauthorized", detail)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        if fault == "drop-after":
            await self._drop_after(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _drop_after(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request is served (the API acts), then its answer is lost on the way back."""

        async def swallow(message) -> None:
            return None

        await self.app(scope, receive, swallow)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"100"), (b"x-emulator-fault", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
        raise ConnectionAbortedError("emulator fault injection: answer lost after acting")

    async def _fault(self, choice: int | str, scope: Scope, receive: Receive, send: Send) -> None:
        if choice == "drop":
            # Start a response and break off mid-body: the client sees the connection die.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"100")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
            raise ConnectionAbortedError("emulator fault injection: dropped connection")
        headers = {"X-Emulator-Fault": "1"}
        if choice == 429:
            headers["Retry-After"] = "1"
        messages = {
            429: "Too many requests",
            500: "Internal server error",
            502: "Bad gateway",
            503: "Service unavailable",
        }
        response = error_response(
            int(choice), messages.get(int(choice), "Error"), "Injected fault", headers
        )
        await response(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            if text.lower().startswith("bearer "):
                return text[7:].strip()
            return ""
    return None


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.error, exc.details, exc.headers)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error_response(404, "Not found", f"No route for {request.method} {request.url.path}.")


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return error_response(405, "Method not allowed", None)


# --- control endpoints -------------------------------------------------------------------
async def control_health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


async def control_config(request: Request) -> JSONResponse:
    """GET: current knobs. POST {latency_ms?, fault_rate?, ...}: change them live."""
    config: EmulatorConfig = request.app.state.store.config
    if request.method == "POST":
        body: dict[str, Any] = await request.json()
        for name, value in body.items():
            if not hasattr(config, name) or name in {"org_key", "personal_keys"}:
                return error_response(400, "Unknown setting", name)
            setattr(config, name, type(getattr(config, name))(value))
    public = {k: v for k, v in vars(config).items() if k not in {"org_key", "personal_keys"}}
    return JSONResponse(public)


async def control_reset(request: Request) -> JSONResponse:
    """Throw all state away and start again (seeded if the emulator was)."""
    old: Store = request.app.state.store
    await _shutdown_store(old)
    request.app.state.store = build_store(old.config)
    await _startup_store(request.app.state.store)
    return JSONResponse({"ok": True})


async def control_webhooks(request: Request) -> JSONResponse:
    return JSONResponse({"deliveries": request.app.state.store.deliveries})


FAULTS = ("drop", "drop-after")


def _take_rule(store: Store, method: str, path: str) -> dict | None:
    """The first targeted fault rule matching this request (one use of it, if counted)."""
    for rule in store.fault_rules:
        if rule["method"] in ("*", method) and re.search(rule["path"], path):
            if rule["times"] is not None:
                rule["times"] -= 1
                if rule["times"] <= 0:
                    store.fault_rules.remove(rule)
            return rule
    return None


async def control_faults(request: Request) -> JSONResponse:
    """Targeted faults, for tests of one operation failing at a time.

    POST {"method": "GET", "path": "^/v1/replica/[^/]+$", "fault": 500 | 429 | 502 | 503 |
    "drop" (the connection dies before the API acts) | "drop-after" (the API acts, then the
    answer is lost), "times": n (default: until cleared)}; DELETE clears them; GET lists them.
    """
    store: Store = request.app.state.store
    if request.method == "DELETE":
        store.fault_rules.clear()
    elif request.method == "POST":
        body: dict[str, Any] = await request.json()
        fault = body.get("fault")
        if not (fault in FAULTS or (isinstance(fault, int) and 400 <= fault <= 599)):
            return error_response(400, "Unknown fault", f"{fault!r}: a status, or {FAULTS}")
        try:
            re.compile(str(body.get("path", "")))
        except re.error as exc:
            return error_response(400, "Bad path pattern", str(exc))
        times = body.get("times")
        store.fault_rules.append(
            {
                "method": str(body.get("method", "*")).upper(),
                "path": str(body.get("path", "")),
                "fault": fault,
                "times": int(times) if times is not None else None,
            }
        )
    return JSONResponse({"rules": store.fault_rules})


async def control_connections(request: Request) -> JSONResponse:
    """How many distinct client connections (address and port) have sent API requests, and
    how many requests: `make bench` checks that the portal reuses its connections."""
    clients: dict = request.app.state.api_clients
    return JSONResponse({"connections": len(clients), "requests": sum(clients.values())})


CONTROL_ROUTES = [
    Route("/_emulator/health", control_health),
    Route("/_emulator/connections", control_connections),
    Route("/_emulator/config", control_config, methods=["GET", "POST"]),
    Route("/_emulator/reset", control_reset, methods=["POST"]),
    Route("/_emulator/webhooks", control_webhooks),
    Route("/_emulator/faults", control_faults, methods=["GET", "POST", "DELETE"]),
]


async def _startup_store(store: Store) -> None:
    for area in AREAS:
        start = getattr(area, "startup", None)
        if start is not None:
            await start(store)


async def _shutdown_store(store: Store) -> None:
    for area in AREAS:
        stop = getattr(area, "shutdown", None)
        if stop is not None:
            await stop(store)


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    config = config or EmulatorConfig()
    routes = [*CONTROL_ROUTES, *contract.control_routes]
    for area in AREAS:
        routes.extend(area.routes)
        routes.extend(getattr(area, "control_routes", []))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await _startup_store(app.state.store)
        yield
        await _shutdown_store(app.state.store)

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: _api_error, 404: _not_found, 405: _method_not_allowed},
    )
    app.state.store = build_store(config)
    return EmulatorASGI(app)


class EmulatorASGI:
    """The Starlette app wrapped in the middleware (which needs the app in the scope)."""

    def __init__(self, app: Starlette) -> None:
        self.starlette = app
        self.state = app.state
        self.middleware: ASGIApp = EmulatorMiddleware(app)
        self.state.api_clients = {}  # (host, port) -> requests: /_emulator/connections
        config: EmulatorConfig = app.state.store.config
        if config.contract:
            self.middleware = contract.ContractMiddleware(
                self.middleware, contract.install(config.contract)
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            scope["app"] = self.starlette
            client = scope.get("client")
            if client and not scope["path"].startswith("/_emulator/"):
                clients = self.state.api_clients
                clients[tuple(client)] = clients.get(tuple(client), 0) + 1
        await self.middleware(scope, receive, send)
