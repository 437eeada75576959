"""Request bodies of the ticket routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from chalicelib.validation import (
    Email,
    Identifier,
    Integer,
    Name,
    PlainText,
    RequestBody,
    SingleLine,
    Slug,
    Tier,
    non_null,
    refuse_nulls,
)

Channel = Literal["web", "email", "chat", "phone", "telegram"]
Locale = Literal["en", "ru"]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), PlainText]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class IntakeTicket(RequestBody):
    subject: Subject
    body: Body
    customer_name: Name
    customer_email: Email
    channel: Channel = "web"
    department: Slug | None = None
    locale: Locale = "en"
    telegram_chat_id: str | None = Field(default=None, pattern=r"^-?[0-9]{1,20}$")
    # Customers whose karma makes them eligible skip the first line unless they send false here;
    # for anyone else it changes nothing.
    skip_first_line: bool | None = None


class Reply(RequestBody):
    body: Body
    visibility: Literal["public", "internal"] = "public"


class CustomerReply(RequestBody):
    body: Body


def _agent_or_queue(schema: dict[str, Any]) -> None:
    non_null("to_agent_id", "tier")(schema)
    queue = {"anyOf": [{"required": ["department"]}, {"required": ["tier"]}]}
    schema["oneOf"] = [
        {"required": ["to_agent_id"], "not": queue},
        {**queue, "not": {"required": ["to_agent_id"]}},
    ]


class Transfer(RequestBody):
    """Exactly one target: an agent, or a queue given by department (null: the general queue) and/or tier."""

    model_config = ConfigDict(json_schema_extra=_agent_or_queue)

    to_agent_id: Identifier | None = None
    department: Slug | None = None
    tier: Tier | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        refuse_nulls(data, ("to_agent_id", "tier"))
        return data

    @model_validator(mode="after")
    def _one_target(self) -> Transfer:
        if not self.model_fields_set:
            raise ValueError("give to_agent_id, or a department and/or tier")
        if self.to_agent_id and ({"department", "tier"} & self.model_fields_set):
            raise ValueError("transfer to an agent or to a queue, not both")
        return self


class Tags(RequestBody):
    tags: list[Tag] = Field(min_length=1, max_length=20)


class CallLog(RequestBody):
    duration_seconds: Integer = Field(ge=1, le=24 * 3600)
