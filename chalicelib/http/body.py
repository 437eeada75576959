"""Reading what a request carries: JSON bodies within size and nesting limits, url-encoded forms, the
query string and the reader's language."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from chalicelib.errors import DomainError, MalformedRequest, ValidationFailed

if TYPE_CHECKING:
    from pydantic import BaseModel

Schema = TypeVar("Schema", bound="BaseModel")

MAX_BODY_BYTES = 256 * 1024  # the largest legitimate body is a long reply (20,000 characters)
MAX_DEPTH = 32  # no schema nests deeper than a few levels
MAX_FORM_FIELDS = 50


class PayloadTooLarge(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit // 1024} KB.", 413, "payload-too-large", "Too large")


def _as_bytes(raw: bytes | str | None) -> bytes:
    if raw is None:
        return b""
    return raw.encode() if isinstance(raw, str) else raw


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, brackets inside strings ignored; linear
    time, and it never recurses, so a hostile body is measured before the parser meets it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def checked_json_text(raw: bytes | str | None) -> str:
    """The body as text, refused when empty, too large, not UTF-8 or nested too deep."""
    data = _as_bytes(raw)
    if not data:
        raise MalformedRequest("The request needs a JSON body.")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(MAX_BODY_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest("The request body is not UTF-8.") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise MalformedRequest(f"The request body nests deeper than {MAX_DEPTH} levels.")
    return text


def parse_json(raw: bytes | str | None) -> Any:
    text = checked_json_text(raw)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedRequest("The request body is not valid JSON.") from None


def parse_json_body(schema: type[Schema], raw: bytes | str | None) -> Schema:
    """Size and nesting checked first, then the schema in strict JSON mode (one parse, pydantic's)."""
    from chalicelib.validation import validate_json

    return validate_json(schema, checked_json_text(raw))


def form_fields(raw: bytes | str | None) -> dict[str, str]:
    """An url-encoded form body as single values (the last one wins)."""
    data = _as_bytes(raw)
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(MAX_BODY_BYTES)
    text = data.decode("utf-8", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise MalformedRequest("The form has too many fields.") from None
    return dict(pairs)


def query_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not low <= int(raw) <= high:
        raise ValidationFailed(
            f"Query parameter {name} is not valid.",
            [{"field": f"query.{name}", "message": f"must be a whole number from {low} to {high}", "code": "range"}],
        )
    return int(raw)


def query_choice(query: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise ValidationFailed(
            f"Query parameter {name} is not valid.",
            [{"field": f"query.{name}", "message": f"must be one of {', '.join(choices)}", "code": "enum"}],
        )
    return raw
