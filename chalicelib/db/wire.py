"""DynamoDB's attribute values on the wire without botocore's shape walk.

botocore turns every JSON answer into Python by walking the operation's output shape member by member;
for DynamoDB that walk visits each attribute of each item as a structure of ten optional members, and it
is most of the CPU a Query or BatchGetItem costs (boto/boto3#2928). Yet DynamoDB's JSON already *is* the
parsed form, except that binary values (`B`, `BS`) travel base64-encoded. So where botocore meets the
`AttributeValue` shape, in either direction, these classes convert the value directly: the same result
(tested against botocore's own walk in tests/unit/test_dynamodb_wire.py), a fraction of the work. Anything
that is not a plain attribute value (an unknown tag, a value with several tags) takes botocore's path.

Installed for the process by `install()` (chalicelib.db.base calls it before any client is made). Only
DynamoDB's model has a shape named `AttributeValue` with these members, so other JSON services are unaffected.
"""

from __future__ import annotations

from typing import Any

from botocore import parsers, serialize

_SCALARS = frozenset(("S", "N", "SS", "NS", "NULL", "BOOL"))
_TAGS = _SCALARS | {"B", "BS", "M", "L"}


def _is_attribute_value(shape: Any) -> bool:
    return shape.name == "AttributeValue" and shape.type_name == "structure"


def convert(value: dict[str, Any], binary: Any) -> dict[str, Any] | None:
    """One attribute value as botocore would convert it, in either direction: `binary` turns a binary
    value into what the other side holds (base64 decoding in, encoding out), the rest is as it is. None
    when it is not plain: botocore's own path takes it (the same result for a null member either way)."""
    if len(value) != 1:
        return None
    ((tag, inner),) = value.items()
    if inner is None or tag not in _TAGS:
        return None
    if tag in _SCALARS:
        return value
    if tag == "M":
        converted_map = {}
        for name, member in inner.items():
            converted = convert(member, binary) if isinstance(member, dict) else None
            if converted is None:
                return None
            converted_map[name] = converted
        return {"M": converted_map}
    if tag == "L":
        converted_list = []
        for member in inner:
            converted = convert(member, binary) if isinstance(member, dict) else None
            if converted is None:
                return None
            converted_list.append(converted)
        return {"L": converted_list}
    if tag == "B":
        return {"B": binary(inner)}
    return {"BS": [binary(member) for member in inner]}


class AttributeValueJSONParser(parsers.JSONParser):
    """botocore's parser for the JSON protocol, with DynamoDB's attribute values taken directly."""

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        if isinstance(value, dict) and _is_attribute_value(shape):
            parsed = convert(value, self._blob_parser)
            if parsed is not None:
                return parsed
        return super()._handle_structure(shape, value)

    def _handle_map(self, shape: Any, value: Any) -> Any:
        if isinstance(value, dict) and _is_attribute_value(shape.value) and shape.key.type_name == "string":
            parsed_map = {}
            for name, member in value.items():
                parsed = convert(member, self._blob_parser) if isinstance(member, dict) else None
                if parsed is None:
                    return super()._handle_map(shape, value)
                parsed_map[name] = parsed
            return parsed_map
        return super()._handle_map(shape, value)


class AttributeValueJSONSerializer(serialize.JSONSerializer):
    """botocore's serializer for the JSON protocol, with DynamoDB's attribute values put directly."""

    def _serialize_type_structure(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if key is not None and isinstance(value, dict) and _is_attribute_value(shape):
            done = convert(value, self._get_base64)
            if done is not None:
                serialized[key] = done
                return
        super()._serialize_type_structure(serialized, value, shape, key)

    def _serialize_type_map(self, serialized: Any, value: Any, shape: Any, key: Any) -> None:
        if isinstance(value, dict) and _is_attribute_value(shape.value):
            done_map = {}
            for name, member in value.items():
                done = convert(member, self._get_base64) if isinstance(member, dict) else None
                if done is None:
                    super()._serialize_type_map(serialized, value, shape, key)
                    return
                done_map[name] = done
            serialized[key] = done_map
            return
        super()._serialize_type_map(serialized, value, shape, key)


def install() -> None:
    """Use these for every JSON-protocol client made from now on (idempotent)."""
    parsers.PROTOCOL_PARSERS["json"] = AttributeValueJSONParser
    serialize.SERIALIZERS["json"] = AttributeValueJSONSerializer
