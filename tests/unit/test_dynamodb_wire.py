"""DynamoDB's attribute values parsed and serialized directly (chalicelib/db/wire.py) give exactly what
botocore's own shape walk gives, for every operation PynamoDB uses, on generated items of every type."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
from botocore import parsers, serialize
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.db import wire

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


def parsed(parser_class: type[parsers.JSONParser], operation: str, body: dict[str, Any]) -> Any:
    answer = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    result = parser_class().parse(answer, MODEL.operation_model(operation).output_shape)
    result.pop("ResponseMetadata", None)
    return result


def serialized(serializer_class: type[serialize.JSONSerializer], operation: str, params: dict[str, Any]) -> Any:
    request = serializer_class().serialize_to_request(params, MODEL.operation_model(operation))
    return json.loads(request["body"])


@settings(max_examples=150, deadline=None)
@given(st.lists(items, max_size=4), items)
def test_a_query_answer_parses_to_what_botocore_would_give(found: list[dict[str, Any]], last: dict[str, Any]) -> None:
    body = on_the_wire({"Items": found, "Count": len(found), "LastEvaluatedKey": last})
    assert parsed(wire.AttributeValueJSONParser, "Query", body) == parsed(parsers.JSONParser, "Query", body)


@settings(max_examples=100, deadline=None)
@given(items, items)
def test_a_batch_get_and_a_get_parse_to_what_botocore_would_give(item: dict[str, Any], key: dict[str, Any]) -> None:
    batch = on_the_wire({"Responses": {"t": [item]}, "UnprocessedKeys": {"t": {"Keys": [key]}}})
    single = on_the_wire({"Item": item})
    for operation, body in (("BatchGetItem", batch), ("GetItem", single)):
        assert parsed(wire.AttributeValueJSONParser, operation, body) == parsed(parsers.JSONParser, operation, body)


@settings(max_examples=150, deadline=None)
@given(items, items, values)
def test_a_transaction_serializes_to_what_botocore_would_send(
    item: dict[str, Any], key: dict[str, Any], value: dict[str, Any]
) -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": item, "ConditionExpression": "attribute_not_exists(a)"}},
            {
                "Update": {
                    "TableName": "t",
                    "Key": key,
                    "UpdateExpression": "SET #a = :v",
                    "ExpressionAttributeNames": {"#a": "a"},
                    "ExpressionAttributeValues": {":v": value},
                }
            },
        ]
    }
    fast = serialized(wire.AttributeValueJSONSerializer, "TransactWriteItems", params)
    assert fast == serialized(serialize.JSONSerializer, "TransactWriteItems", params)


def test_binary_values_travel_base64_encoded_and_come_back_as_bytes() -> None:
    item = {"k": {"B": b"\x00\xff"}, "set": {"BS": [b"a", b"b"]}, "nested": {"M": {"x": {"L": [{"B": b"z"}]}}}}
    body = serialized(wire.AttributeValueJSONSerializer, "PutItem", {"TableName": "t", "Item": item})
    assert body["Item"]["k"] == {"B": "AP8="}
    assert parsed(wire.AttributeValueJSONParser, "GetItem", {"Item": body["Item"]}) == {"Item": item}


def test_a_value_that_is_not_a_plain_attribute_value_is_left_to_botocore() -> None:
    odd = {"Item": {"a": {"S": "x", "N": "1"}, "b": {"S": None}, "c": {"NEW": 1}}}
    assert parsed(wire.AttributeValueJSONParser, "GetItem", odd) == parsed(parsers.JSONParser, "GetItem", odd)


def test_installing_makes_every_new_dynamodb_client_use_them() -> None:
    wire.install()
    assert parsers.ResponseParserFactory().create_parser("json").__class__ is wire.AttributeValueJSONParser
    assert serialize.create_serializer("json", include_validation=False).__class__ is wire.AttributeValueJSONSerializer
