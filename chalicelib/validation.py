"""Request bodies are parsed by pydantic schemas; failures become field errors that never echo input."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from chalicelib.errors import MalformedRequest, ValidationFailed

Schema = TypeVar("Schema", bound=BaseModel)

Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,4}_[A-Za-z0-9_-]{16,64}$")]


class RequestBody(BaseModel):
    """Base of every request schema: unknown fields are refused, strings are trimmed. Validators are
    built on first use (`defer_build`): a cold start builds only the schemas its request needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True)


def parse_json(raw: bytes | str | None) -> Any:
    if raw is None or raw in (b"", ""):
        raise MalformedRequest("The request needs a JSON body.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The request body is not valid JSON.") from None


def parse_body(schema: type[Schema], raw: bytes | str | None) -> Schema:
    return validate(schema, parse_json(raw))


def validate(schema: type[Schema], data: Any) -> Schema:
    try:
        return schema.model_validate(data)
    except PydanticValidationError as error:
        raise ValidationFailed(f"{error.error_count()} field(s) are not valid.", field_errors(error)) from None


def field_errors(error: PydanticValidationError) -> list[dict[str, Any]]:
    """Location, message and code of each error; the rejected value is deliberately left out."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "(body)",
            "message": item["msg"],
            "code": item["type"],
        }
        for item in error.errors(include_input=False, include_url=False, include_context=False)
    ]
