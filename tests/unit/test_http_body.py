from __future__ import annotations

import json

import pytest

import tests.conftest  # noqa: F401
from chalicelib.errors import DomainError, MalformedRequest
from chalicelib.http.body import MAX_BODY_BYTES, MAX_DEPTH, nesting_depth, parse_json


def test_nesting_is_measured_without_counting_brackets_inside_strings() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert nesting_depth('"\\"[["') == 0
    assert nesting_depth("[" * 5000 + "]" * 5000) == 5000


def test_json_nested_deeper_than_the_limit_is_refused_before_parsing() -> None:
    with pytest.raises(MalformedRequest, match="nests deeper"):
        parse_json("[" * 1000 + "]" * 1000)
    assert parse_json(json.dumps({"a": [[["ok"]]]})) == {"a": [[["ok"]]]}
    parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_a_body_larger_than_the_limit_is_refused_as_too_large() -> None:
    with pytest.raises(DomainError) as caught:
        parse_json(b'"' + b"x" * MAX_BODY_BYTES + b'"')
    assert caught.value.status == 413


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe", b"[1,]"])
def test_empty_invalid_or_non_utf8_bodies_are_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedRequest):
        parse_json(raw)
