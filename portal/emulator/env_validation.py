"""Request validation shared by the environments and automations areas.

`Fields` reads one JSON object field by field with the spec's rules (types, nullability,
enums, uuid format, bounds) and raises the spec's 400 envelope on the first problem.
`endpoint(...)` pins a route to the status codes the spec documents for its operation: an
`ApiError` with any other status is folded into a documented one, so a handler can never
answer with a code the contract doesn't allow.
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .http import ApiError, json_body, json_object
from .state import Principal

log = logging.getLogger("portal.emulator")

MISSING: Any = object()
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

Handler = Callable[[Request], Awaitable[Response]]


def endpoint(*codes: int) -> Callable[[Handler], Handler]:
    """Declare the operation's documented status codes (beyond 401, which auth answers)."""
    documented = frozenset(codes)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                if exc.status not in documented:
                    folded = next((c for c in (400, 404, 409, 500) if c in documented), 500)
                    log.debug("folding %s into documented %s", exc.status, folded)
                    exc.status = folded
                raise

        return wrapper

    return decorate


def bad(details: str, error: str = "Invalid request body") -> ApiError:
    return ApiError(400, error, details)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def principal(request: Request) -> Principal:
    return request.state.principal


async def body_object(request: Request, *, required: bool = True) -> Fields:
    return Fields(json_object(await json_body(request, required=required)))


class Fields:
    """Typed access to a request body object; every getter returns MISSING when absent."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, required: bool, nullable: bool) -> Any:
        if name not in self.data:
            if required:
                raise bad(f"`{name}` is required.")
            return MISSING
        value = self.data[name]
        if value is None:
            if not nullable:
                raise bad(f"`{name}` must not be null.")
            return None
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        nullable: bool = False,
        non_empty: bool = False,
        max_len: int | None = None,
        pattern: re.Pattern | None = None,
        pattern_hint: str = "",
    ) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, str):
            raise bad(f"`{name}` must be a string.")
        if non_empty and not value.strip():
            raise bad(f"`{name}` must not be empty.")
        if max_len is not None and len(value) > max_len:
            raise bad(f"`{name}` must be at most {max_len} characters.")
        if pattern is not None and not pattern.match(value):
            raise bad(f"`{name}` is invalid{': ' + pattern_hint if pattern_hint else '.'}")
        return value

    def uuid(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if not is_uuid(value):
            raise bad(f"`{name}` must be a UUID.")
        return str(uuid.UUID(value))

    def boolean(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, bool):
            raise bad(f"`{name}` must be a boolean.")
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        nullable: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise bad(f"`{name}` must be an integer.")
        if minimum is not None and value < minimum:
            raise bad(f"`{name}` must be at least {minimum}.")
        if maximum is not None and value > maximum:
            raise bad(f"`{name}` must be at most {maximum}.")
        return value

    def enum(
        self,
        name: str,
        choices: Iterable[str],
        *,
        required: bool = False,
        nullable: bool = False,
    ) -> Any:
        choices = tuple(choices)
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if value not in choices:
            raise bad(f"`{name}` must be one of: {', '.join(choices)}.")
        return value

    def obj(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, dict):
            raise bad(f"`{name}` must be an object.")
        return value

    def array(self, name: str, *, required: bool = False, nullable: bool = False) -> Any:
        value = self._get(name, required, nullable)
        if value is MISSING or value is None:
            return value
        if not isinstance(value, list):
            raise bad(f"`{name}` must be an array.")
        return value


def string_list(value: Any, name: str, *, item_check: Callable[[str], bool] | None = None) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"`{name}` must be an array of strings.")
    if item_check is not None:
        for item in value:
            if not item_check(item):
                raise bad(f"`{name}` contains an invalid value: {item!r}.")
    return list(value)


def string_map(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad(f"`{name}` must be an object of string values.")
    return dict(value)
