"""Request bodies are parsed by pydantic schemas; failures become field errors that never echo input.

The rules every schema follows:
- strict types: JSON bodies are validated in pydantic's strict JSON mode, so "30" or true is never taken
  for a number (forms, whose values are all text, are validated in lax mode);
- unknown fields are refused, strings trimmed;
- text that can end up in a mail header or a one-line place (names, subjects) refuses control
  characters; longer text allows only tab and line breaks;
- in a PATCH (`PatchBody`), an absent field means "unchanged" and `null` means "clear it", accepted only for
  fields listed in `CLEARABLE`; any other null is a field error, never stored.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from chalicelib.errors import MalformedRequest, ValidationFailed

Schema = TypeVar("Schema", bound=BaseModel)

_LINE_BREAKS_AND_TAB = frozenset("\t\n\r")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf") and char != "\u200d"  # ZWJ joins emoji


def single_line(value: str) -> str:
    if any(_is_control(c) for c in value):
        raise PydanticCustomError("control_characters", "must be one line without control characters")
    return value


def plain_text(value: str) -> str:
    if any(_is_control(c) and c not in _LINE_BREAKS_AND_TAB for c in value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value


# Constraints to add to a str type: `Annotated[str, StringConstraints(...), SingleLine]`.
SingleLine = AfterValidator(single_line)  # names, subjects: they end up in mail headers
PlainText = AfterValidator(plain_text)  # messages, notes, comments


def deliverable_email(value: str) -> str:
    """See chalicelib.mail.addresses.check: the address normalised, or a ValueError saying why not."""
    from chalicelib.mail.addresses import AddressRefused, check

    try:
        return check(value).normalized
    except AddressRefused as error:
        raise ValueError(str(error)) from None


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), AfterValidator(deliverable_email)
]
# Finding stored data by address (export, erase): looser, so an address stored before validation tightened is found.
EmailLookup = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(single_line)
]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,4}_[A-Za-z0-9_-]{16,64}$")]


def integral(value: Any) -> Any:
    """JSON Schema counts 30.0 as an integer; pydantic's strict mode would not. Strings and booleans stay refused."""
    return int(value) if type(value) is float and value.is_integer() else value


# Whole numbers in request bodies: strict (never from strings or booleans) but 30.0 is 30, as JSON Schema says.
Integer = Annotated[int, BeforeValidator(integral)]
Tier = Annotated[Literal[1, 2], BeforeValidator(integral)]


class RequestBody(BaseModel):
    """Base of every request schema: strict, unknown fields refused, strings trimmed. Validators are built
    on first use (`defer_build`): a cold start builds only the schemas its request needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, defer_build=True, strict=True)


def _patch_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The document says what the validator enforces: only clearable fields take null, and at least one
    field must be given."""
    clearable: frozenset[str] = getattr(model, "CLEARABLE", frozenset())
    for name, definition in schema.get("properties", {}).items():
        options = definition.get("anyOf")
        if name not in clearable and options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            definition.pop("anyOf")
            definition.pop("default", None)
            definition.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
    schema["minProperties"] = 1 + len(getattr(model, "REQUIRED_ALONGSIDE", ()))


class PatchBody(RequestBody):
    """A partial update: absent = unchanged, null = clear (only `CLEARABLE` fields), at least one field."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()
    REQUIRED_ALONGSIDE: ClassVar[tuple[str, ...]] = ()  # keys that name the thing patched, not a change

    model_config = ConfigDict(json_schema_extra=_patch_schema)

    @model_validator(mode="before")
    @classmethod
    def _nulls_only_where_clearing_makes_sense(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refused = sorted(
                k for k, v in data.items() if v is None and k in cls.model_fields and k not in cls.CLEARABLE
            )
            if refused:
                raise PydanticCustomError("null_not_allowed", "may not be null", {"fields": refused})
            if not set(data) - set(cls.REQUIRED_ALONGSIDE):
                raise PydanticCustomError("no_change", "give at least one field to change")
        return data


def non_null(*names: str) -> Any:
    """A json_schema_extra that says the named optional fields take a value, never null."""

    def edit(schema: dict[str, Any]) -> None:
        for name in names:
            definition = schema.get("properties", {}).get(name, {})
            options = [o for o in definition.pop("anyOf", []) if o != {"type": "null"}]
            definition.pop("default", None)
            if options:
                definition.update(options[0] if len(options) == 1 else {"anyOf": options})

    return edit


def refuse_nulls(data: Any, names: tuple[str, ...]) -> None:
    """The validator's side of `non_null`: a null for one of `names` is a field error."""
    if isinstance(data, dict):
        refused = sorted(name for name in names if name in data and data[name] is None)
        if refused:
            raise PydanticCustomError("null_not_allowed", "may not be null", {"fields": refused})


def parse_json(raw: bytes | str | None) -> Any:
    from chalicelib.http.body import parse_json as parse

    return parse(raw)


def validate(schema: type[Schema], data: Any, *, strict: bool | None = None) -> Schema:
    """Validate already-parsed data (`strict=False` for forms, whose values are all text)."""
    try:
        return schema.model_validate(data, strict=strict)
    except PydanticValidationError as error:
        raise ValidationFailed(f"{error.error_count()} field(s) are not valid.", field_errors(error)) from None


def validate_json(schema: type[Schema], text: str | bytes) -> Schema:
    """Validate a JSON text in pydantic's strict JSON mode (dates from strings, never numbers from strings)."""
    try:
        return schema.model_validate_json(text)
    except PydanticValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors(include_url=False)):
            raise MalformedRequest("The request body is not valid JSON.") from None
        raise ValidationFailed(f"{error.error_count()} field(s) are not valid.", field_errors(error)) from None


def field_errors(error: PydanticValidationError) -> list[dict[str, Any]]:
    """Location, message and code of each error; the rejected value is deliberately left out."""
    found: list[dict[str, Any]] = []
    for item in error.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in item["loc"] if part not in ("function-after", "function-before"))
        if item["type"] == "null_not_allowed":
            for name in (item.get("ctx") or {}).get("fields", []):
                found.append({"field": name, "message": "may not be null", "code": "null_not_allowed"})
            continue
        found.append({"field": location or "(body)", "message": item["msg"], "code": item["type"]})
    return found
