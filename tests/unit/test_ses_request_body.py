"""The SES request a mail becomes is, byte for byte, the one botocore would send: the raw message
form-encoded once (chalicelib.mail.form_encoded_once) instead of once to sign it and once to send it."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import mail

ANSWER = (
    b'<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult>'
    b"<MessageId>m-1</MessageId></SendRawEmailResult></SendRawEmailResponse>"
)


class Raw:
    def stream(self, **_: Any) -> Any:
        yield ANSWER


class Kept:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def send(self, request: Any) -> AWSResponse:
        body = request.body
        self.bodies.append(body.encode() if isinstance(body, str) else body)
        return AWSResponse(request.url, 200, {}, Raw())


def ses(encoded_once: bool) -> Any:
    session = botocore.session.get_session()
    session.set_credentials("AKIDEXAMPLE", "secret")
    client = session.create_client("ses", "eu-west-1", endpoint_url="http://localhost:9")
    if encoded_once:
        client.meta.events.register("before-call.ses.SendRawEmail", mail.form_encoded_once)
    return client


CLIENTS = {True: ses(True), False: ses(False)}


def sent_body(raw: bytes, source: str, to: str, encoded_once: bool) -> bytes:
    client = CLIENTS[encoded_once]
    kept = Kept()
    client._endpoint.http_session = kept
    assert client.send_raw_email(Source=source, Destinations=[to], RawMessage={"Data": raw})["MessageId"] == "m-1"
    (body,) = kept.bodies
    return body


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.emails(), st.text(max_size=30).map(lambda name: f"{name} <desk@example.com>"))
def test_a_raw_message_is_sent_exactly_as_botocore_would_encode_it(raw: bytes, to: str, source: str) -> None:
    assert sent_body(raw, source, to, encoded_once=True) == sent_body(raw, source, to, encoded_once=False)
