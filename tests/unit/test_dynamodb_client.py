"""DynamoDB's item operations sent directly (chalicelib/db/client.py) are what botocore would send and
give back what botocore would give back: the same SigV4 signature, the same JSON body, the same parsed
answer, the same exception for an error, the same retries. Each comparison runs the very same answer
through botocore's own path (`BaseClient._make_api_call`) and through the direct one."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import botocore.session
import pytest
from botocore import parsers, serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.client import BaseClient
from botocore.credentials import Credentials
from botocore.exceptions import ChecksumError, ClientError, EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.db import client as direct

MODEL = botocore.session.get_session().get_service_model("dynamodb")
names = st.text(min_size=1, max_size=8)
texts = st.text(max_size=12)
numbers = st.integers(-(10**12), 10**12).map(str)
blobs = st.binary(max_size=12)
scalars = st.one_of(
    texts.map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    blobs.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(texts, min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
    st.lists(numbers, min_size=1, max_size=3, unique=True).map(lambda v: {"NS": v}),
    st.lists(blobs, min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.dictionaries(names, inner, max_size=3).map(lambda m: {"M": m}),
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
    ),
    max_leaves=12,
)
items = st.dictionaries(names, values, min_size=1, max_size=6)


def on_the_wire(value: Any) -> Any:
    """What DynamoDB sends: the same JSON with binary values base64-encoded."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: on_the_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [on_the_wire(v) for v in value]
    return value


NOW = datetime(2026, 11, 30, 15, 4, 5, tzinfo=UTC)


class Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


class Answers:
    """An HTTP session that answers from a list (a status and body, or an exception) and keeps requests."""

    def __init__(self, *answers: tuple[int, Any] | Exception, crc: bool = True) -> None:
        self.answers = list(answers)
        self.requests: list[Any] = []
        self.crc = crc

    def send(self, request: Any) -> AWSResponse:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"x-amzn-RequestId": "REQ1", "Content-Type": "application/x-amz-json-1.0"}
        if self.crc:
            headers["x-amz-crc32"] = str(zlib.crc32(content) & 0xFFFFFFFF)
        return AWSResponse(request.url, status, headers, Raw(content))


def dynamodb(session: Answers, endpoint: str = "http://localhost:8000") -> Any:
    direct.install()
    made = botocore.session.get_session()
    made.set_credentials("AKIDEXAMPLE", "secret", None)
    config = botocore.client.Config(retries={"total_max_attempts": 4, "mode": "standard"})
    client = made.create_client("dynamodb", "eu-west-1", endpoint_url=endpoint, config=config)
    client._endpoint.http_session = session
    return client


def both_ways(operation: str, params: dict[str, Any], *answers: tuple[int, Any]) -> tuple[Any, Any]:
    """The result (or the exception) of the same call and answers, through botocore and directly."""
    results = []
    for call in (BaseClient._make_api_call, direct.DirectDataPlane._make_api_call):
        client = dynamodb(Answers(*answers))
        try:
            results.append(call(client, operation, params))
        except ClientError as error:
            results.append(error)
    return results[0], results[1]


def without_metadata(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if key != "ResponseMetadata"}


def test_the_client_botocore_makes_for_dynamodb_takes_the_direct_path_first() -> None:
    client = dynamodb(Answers())
    assert type(client).__mro__[1] is direct.DirectDataPlane


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize("endpoint", ["http://localhost:8000", "https://dynamodb.eu-west-1.amazonaws.com"])
def test_a_request_is_signed_exactly_as_botocores_sigv4_signs_it(token: str | None, endpoint: str) -> None:
    body = direct.dumps({"TableName": "t", "Key": {"pk": {"S": "a"}}})
    headers = direct.signed_headers(
        host=direct._host(endpoint + "/"),
        target="DynamoDB_20120810.GetItem",
        body=body,
        region="eu-west-1",
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        token=token,
        now=NOW,
    )
    unsigned = {k: v for k, v in headers.items() if k not in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")}
    request = AWSRequest(method="POST", url=endpoint + "/", headers=unsigned, data=body)
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        SigV4Auth(Credentials("AKIDEXAMPLE", "secret", token), "dynamodb", "eu-west-1").add_auth(request)
    assert headers["Authorization"] == request.headers["Authorization"]
    assert headers["X-Amz-Date"] == request.headers["X-Amz-Date"]
    assert headers.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_a_call_is_one_post_to_the_endpoint_naming_its_operation() -> None:
    session = Answers((200, {"Items": [], "Count": 0}))
    client = dynamodb(session)
    assert client.query(
        TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}
    ) == {
        "Items": [],
        "Count": 0,
    }
    (request,) = session.requests
    assert (request.method, request.url) == ("POST", "http://localhost:8000/")
    assert request.headers["X-Amz-Target"] == "DynamoDB_20120810.Query"
    assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert json.loads(request.body)["ExpressionAttributeValues"] == {":p": {"S": "a"}}


@settings(max_examples=100, deadline=None)
@given(st.lists(items, max_size=4), items)
def test_an_answer_parses_to_what_botocore_would_give(found: list[dict[str, Any]], last: dict[str, Any]) -> None:
    body = on_the_wire({"Items": found, "Count": len(found), "LastEvaluatedKey": last})
    wire_answer = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    expected = parsers.JSONParser().parse(wire_answer, MODEL.operation_model("Query").output_shape)
    assert direct.loads(json.dumps(body).encode()) == without_metadata(expected)


@settings(max_examples=100, deadline=None)
@given(items, items)
def test_a_request_body_is_what_botocore_would_send(item: dict[str, Any], key: dict[str, Any]) -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": item}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": key,
                    "UpdateExpression": "SET #a = :v",
                    "ExpressionAttributeNames": {"#a": "a"},
                    "ExpressionAttributeValues": {":v": item[next(iter(item))]},
                }
            },
        ]
    }
    botocores = serialize.JSONSerializer().serialize_to_request(params, MODEL.operation_model("TransactWriteItems"))
    assert json.loads(direct.dumps(params)) == json.loads(botocores["body"])


def test_a_binary_value_travels_base64_encoded_and_comes_back_as_bytes() -> None:
    item = {"pk": {"S": "a"}, "data": {"B": b"\x00\xff"}, "many": {"BS": [b"x", b"y"]}, "B": {"S": "named B"}}
    botocores, directly = both_ways(
        "GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}}, (200, on_the_wire({"Item": item}))
    )
    assert directly == without_metadata(botocores) == {"Item": item}


def test_a_failed_condition_raises_botocores_own_exception_with_the_item() -> None:
    answer = (
        400,
        on_the_wire(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "message": "The conditional request failed",
                "Item": {"pk": {"S": "a"}, "data": {"B": b"\x01"}},
            }
        ),
    )
    botocores, directly = both_ways("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}}}, answer)
    assert type(directly).__name__ == type(botocores).__name__ == "ConditionalCheckFailedException"
    assert without_metadata(directly.response) == without_metadata(botocores.response)
    assert directly.response["ResponseMetadata"]["RequestId"] == "REQ1"
    assert directly.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_cancelled_transaction_names_its_reasons_as_botocore_does() -> None:
    answer = (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
            "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "failed"}],
        },
    )
    params = {"TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}}}}]}
    botocores, directly = both_ways("TransactWriteItems", params, answer)
    assert type(directly).__name__ == type(botocores).__name__ == "TransactionCanceledException"
    assert without_metadata(directly.response) == without_metadata(botocores.response)


def test_a_throttled_call_is_retried_by_the_clients_own_handler_and_then_answers() -> None:
    throttled = (
        400,
        {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "slow"},
    )
    session = Answers(throttled, throttled, (200, {"Item": {"pk": {"S": "a"}}}))
    with mock.patch.object(direct.time, "sleep") as slept:
        answer = dynamodb(session).get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert answer == {"Item": {"pk": {"S": "a"}}}
    assert len(session.requests) == 3 and slept.call_count == 2
    assert session.requests[0].headers["Authorization"] != "" and session.requests[2].body == session.requests[0].body


def test_a_call_that_keeps_failing_raises_after_the_configured_attempts() -> None:
    unavailable = (503, b"")
    session = Answers(*[unavailable] * 4)
    with mock.patch.object(direct.time, "sleep"), pytest.raises(ClientError) as raised:
        dynamodb(session).get_item(TableName="t", Key={"pk": {"S": "a"}})
    assert len(session.requests) == 4
    assert raised.value.response["Error"]["Code"] == "503"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 3


def test_a_lost_connection_is_retried_and_raised_as_botocore_raises_it() -> None:
    lost = EndpointConnectionError(endpoint_url="http://localhost:8000/")
    session = Answers(lost, (200, {"Count": 0, "Items": []}))
    with mock.patch.object(direct.time, "sleep"):
        assert dynamodb(session).query(TableName="t")["Count"] == 0
    session = Answers(*[lost] * 4)
    with mock.patch.object(direct.time, "sleep"), pytest.raises(EndpointConnectionError):
        dynamodb(session).query(TableName="t")
    assert len(session.requests) == 4


def test_an_answer_whose_checksum_does_not_match_is_asked_again() -> None:
    good = json.dumps({"Item": {"pk": {"S": "a"}}}).encode()

    class Corrupting(Answers):
        def send(self, request: Any) -> AWSResponse:
            response = super().send(request)
            if len(self.requests) == 1:
                response.headers["x-amz-crc32"] = "1"
            return response

    session = Corrupting((200, good), (200, good))
    with mock.patch.object(direct.time, "sleep"):
        assert dynamodb(session).get_item(TableName="t", Key={"pk": {"S": "a"}}) == {"Item": {"pk": {"S": "a"}}}
    assert len(session.requests) == 2

    class AlwaysCorrupt(Answers):
        def send(self, request: Any) -> AWSResponse:
            response = super().send(request)
            response.headers["x-amz-crc32"] = "1"
            return response

    with mock.patch.object(direct.time, "sleep"), pytest.raises(ChecksumError):
        dynamodb(AlwaysCorrupt(*[(200, good)] * 4)).get_item(TableName="t", Key={"pk": {"S": "a"}})


def test_an_operation_that_is_not_an_item_operation_is_botocores_own_call() -> None:
    session = Answers((200, {"Table": {"TableName": "t", "CreationDateTime": 1764500000.0}}))
    described = dynamodb(session).describe_table(TableName="t")
    assert isinstance(described["Table"]["CreationDateTime"], datetime)  # botocore's parser made it
    assert described["ResponseMetadata"]["HTTPStatusCode"] == 200
