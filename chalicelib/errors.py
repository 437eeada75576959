"""Domain errors. The HTTP layer renders them as RFC 9457 problem details; none carries input back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DomainError(Exception):
    detail: str
    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(DomainError):
    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, 422, "validation-error", "Request body is not valid", errors or [])


class MalformedRequest(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 400, "malformed-request", "Malformed request")


class Unauthorized(DomainError):
    def __init__(self, detail: str = "A valid bearer token is required.") -> None:
        super().__init__(detail, 401, "unauthorized", "Unauthorized")


class Forbidden(DomainError):
    def __init__(self, detail: str = "Your role does not allow this.") -> None:
        super().__init__(detail, 403, "forbidden", "Forbidden")


class ManagersOnly(Forbidden):
    """A manager's page or route reached by an agent: the page says so in the reader's language."""

    def __init__(self) -> None:
        super().__init__("This page is for managers. If you need something from it, ask a manager.")
        self.title = "For managers only"


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found.", 404, "not-found", "Not found")


class Conflict(DomainError):
    def __init__(self, detail: str, slug: str = "conflict") -> None:
        super().__init__(detail, 409, slug, "Conflict")


class Gone(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 410, "gone", "Gone")
