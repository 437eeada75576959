"""Canned replies over the JSON API: every employee reads them, managers manage them."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib import canned
from chalicelib.http.route import Call, route

TAG = "Canned replies"


class CannedRepliesOut(TypedDict):
    canned_replies: list[canned.CannedReplyOut]


@route("GET", "/canned-replies", summary="The company's canned replies", tag=TAG)
def list_replies(call: Call) -> CannedRepliesOut:
    return {"canned_replies": [canned.view(c) for c in canned.list_all(call.who.company_id)]}


@route(
    "POST",
    "/canned-replies",
    summary="Add a canned reply",
    tag=TAG,
    role="manager",
    body=canned.NewCannedReply,
    status=201,
    company=("canned",),  # the replies the ticket page offers, written with each reply
)
def add_reply(call: Call) -> canned.CannedReplyOut:
    return canned.view(canned.create(call.who, call.body))


@route(
    "PATCH",
    "/canned-replies/{canned_id}",
    summary="Change a canned reply's title or text",
    tag=TAG,
    role="manager",
    body=canned.CannedReplyPatch,
    reads=canned.path_canned,
    company=("canned",),
)
def change_reply(call: Call, canned_id: str) -> canned.CannedReplyOut:
    return canned.view(canned.update(call.who, canned_id, call.body))


@route(
    "DELETE",
    "/canned-replies/{canned_id}",
    summary="Delete a canned reply",
    tag=TAG,
    role="manager",
    reads=canned.path_canned,
    company=("canned",),
)
def delete_reply(call: Call, canned_id: str) -> None:
    canned.delete(call.who, canned_id)
