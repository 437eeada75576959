"""Canned replies: per-company snippets managers write and agents insert into a reply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import StringConstraints, model_validator
from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.models import Model
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.auth import Principal
from chalicelib.clock import iso, utcnow
from chalicelib.db import prefetch
from chalicelib.db.base import is_condition_failure, read_one, table_meta
from chalicelib.errors import Conflict, NotFound
from chalicelib.ids import MAX_LENGTH, new_id
from chalicelib.validation import RequestBody

MAX_PER_COMPANY = 200
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class CannedReply(Model):
    Meta = table_meta("canned_replies")

    company_id = UnicodeAttribute(hash_key=True)
    canned_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class CannedReplyOut(TypedDict):
    canned_id: str
    title: str
    body: str
    updated_at: str | None


class NewCannedReply(RequestBody):
    title: Title
    body: Body


class CannedReplyPatch(RequestBody):
    title: Title | None = None
    body: Body | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CannedReplyPatch:
        if self.title is None and self.body is None:
            raise ValueError("give a title and/or a body")
        return self


def list_all(company_id: str) -> list[CannedReply]:
    """The company's canned replies by title (one Query)."""
    found = list(CannedReply.query(company_id, limit=MAX_PER_COMPANY))
    return sorted(found, key=lambda c: (c.title.lower(), c.canned_id))


def get(company_id: str, canned_id: str) -> CannedReply:
    if not canned_id or len(canned_id) > MAX_LENGTH:
        raise NotFound("Canned reply")
    reply = read_one(CannedReply, company_id, canned_id)
    if reply is None:
        raise NotFound("Canned reply")
    return reply


def path_canned(company_id: str, params: Mapping[str, str]) -> list[tuple[Any, Any, Any]]:
    """The canned reply a route's path names, read with the credential (`@route(reads=path_canned)`)."""
    return prefetch.path_item(CannedReply, company_id, params, "canned_id")


def create(principal: Principal, request: NewCannedReply) -> CannedReply:
    principal.require_manager()
    if len(list(CannedReply.query(principal.company_id, limit=MAX_PER_COMPANY))) >= MAX_PER_COMPANY:
        raise Conflict(f"A company keeps at most {MAX_PER_COMPANY} canned replies.", "too-many")
    now = utcnow()
    reply = CannedReply(
        principal.company_id,
        new_id("can"),
        title=request.title,
        body=request.body,
        created_by=principal.employee_id,
        created_at=now,
        updated_at=now,
    )
    reply.save(condition=CannedReply.canned_id.does_not_exist())
    return reply


def update(principal: Principal, canned_id: str, patch: CannedReplyPatch) -> CannedReply:
    principal.require_manager()
    reply = get(principal.company_id, canned_id)
    actions: list[Any] = [CannedReply.updated_at.set(utcnow())]
    if patch.title is not None:
        actions.append(CannedReply.title.set(patch.title))
    if patch.body is not None:
        actions.append(CannedReply.body.set(patch.body))
    try:
        reply.update(actions=actions, condition=CannedReply.canned_id.exists())
    except UpdateError as error:
        if is_condition_failure(error):
            raise NotFound("Canned reply") from None
        raise
    return reply


def delete(principal: Principal, canned_id: str) -> None:
    principal.require_manager()
    reply = get(principal.company_id, canned_id)
    try:
        reply.delete(condition=CannedReply.canned_id.exists())
    except DeleteError as error:
        if not is_condition_failure(error):
            raise


def view(reply: CannedReply) -> CannedReplyOut:
    return {
        "canned_id": reply.canned_id,
        "title": reply.title,
        "body": reply.body,
        "updated_at": iso(reply.updated_at),
    }
