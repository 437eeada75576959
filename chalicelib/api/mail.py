"""Routes of e-mail in: the company's addresses (its desk address and the ones a manager adds and forwards)."""

from __future__ import annotations

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here on 3.11

from chalicelib.clock import iso
from chalicelib.http.route import Call, route
from chalicelib.inbound import addresses
from chalicelib.inbound.models import MailAddress
from chalicelib.validation import Email, RequestBody

TAG = "E-mail in"


class NewAddress(RequestBody):
    address: Email


class AddressOut(TypedDict):
    address: str
    kind: str  # desk: the company's own address on the inbound domain; own: one a manager added
    created_at: str | None


class AddressesOut(TypedDict):
    addresses: list[AddressOut]


def _view(record: MailAddress) -> AddressOut:
    return {"address": record.address, "kind": record.kind, "created_at": iso(record.created_at)}


@route("GET", "/mail/addresses", summary="The company's inbound addresses", tag=TAG, role="manager")
def list_addresses(call: Call) -> AddressesOut:
    found = sorted(addresses.addresses_of(call.who.company_id), key=lambda r: (r.kind != "desk", r.address))
    return {"addresses": [_view(r) for r in found]}


@route(
    "POST",
    "/mail/addresses",
    summary="Add one of the company's own addresses (forward its mail to the desk address)",
    tag=TAG,
    role="manager",
    body=NewAddress,
    status=201,
)
def add_address(call: Call) -> AddressOut:
    who = call.who
    return _view(addresses.add_own_address(who.company_id, call.body.address, who.employee_id, is_manager=True))


@route(
    "DELETE", "/mail/addresses/{address}", summary="Remove one of the company's own addresses", tag=TAG, role="manager"
)
def remove_address(call: Call, address: str) -> None:
    addresses.remove_own_address(call.who.company_id, address, is_manager=True)
