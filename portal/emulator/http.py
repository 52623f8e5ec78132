"""Small helpers every emulator route uses: the error envelope, JSON bodies, ids, times."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class ApiError(Exception):
    """Raised by a route; rendered as the spec's `{error, details}` envelope."""

    def __init__(
        self, status: int, error: str, details: str | None = None, headers: dict | None = None
    ):
        self.status = status
        self.error = error
        self.details = details
        self.headers = headers or {}
        super().__init__(error)


def error_response(
    status: int, error: str, details: str | None = None, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse({"error": error, "details": details}, status_code=status, headers=headers)


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


async def json_body(request: Request, *, required: bool = True) -> Any:
    raw = await request.body()
    if not raw:
        if required:
            raise ApiError(400, "Invalid request body", "A JSON body is required.")
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Invalid request body", "The body is not valid JSON.") from None


def json_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid request body", "The body must be a JSON object.")
    return body


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime | None) -> str | None:
    """RFC 3339 with milliseconds and a Z, as the API writes its timestamps."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def query_int(
    request: Request, name: str, default: int, minimum: int = 1, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "Invalid query parameter", f"{name} must be an integer.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ApiError(400, "Invalid query parameter", f"{name} must be {bound}.")
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in {"true", "1"}:
        return True
    if raw.lower() in {"false", "0"}:
        return False
    raise ApiError(400, "Invalid query parameter", f"{name} must be true or false.")


def paginate(items: list, page: int, limit: int) -> tuple[list, dict]:
    total = len(items)
    pages = max(1, -(-total // limit)) if limit else 1
    start = (page - 1) * limit
    return items[start : start + limit], {
        "total": total,
        "page": page,
        "limit": limit,
        "totalPages": pages,
    }
