"""CloudFormation tables made from the PynamoDB models: keys, indexes, projections, streams, TTL."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from deploy.functions import short_name


def _key_schema(keys: list[Any]) -> list[dict[str, str]]:
    ordered = sorted(keys, key=lambda key: 0 if key["KeyType"] == "HASH" else 1)  # CloudFormation: HASH first
    return [{"AttributeName": key["AttributeName"], "KeyType": key["KeyType"]} for key in ordered]


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        result["NonKeyAttributes"] = sorted(projection["NonKeyAttributes"])
    return result


def ttl_attribute(model: type[Model]) -> str | None:
    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name or name
    return None


def stream_view_type(model: type[Model]) -> str | None:
    return getattr(model.Meta, "stream_view_type", None)


def table_resource(model: type[Model], table_prefix: str) -> dict[str, Any]:
    """An AWS::DynamoDB::Table for `model`, named as the stage's code names it."""
    schema: dict[str, Any] = dict(model._get_schema())
    properties: dict[str, Any] = {
        "TableName": f"{table_prefix}-{short_name(model)}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(
            (
                {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
                for d in schema["attribute_definitions"]
            ),
            key=lambda d: d["AttributeName"],
        ),
        "KeySchema": _key_schema(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    for kind, cfn_name in (
        ("global_secondary_indexes", "GlobalSecondaryIndexes"),
        ("local_secondary_indexes", "LocalSecondaryIndexes"),
    ):
        indexes: list[Any] = schema.get(kind) or []
        if indexes:
            properties[cfn_name] = [
                {
                    "IndexName": index["index_name"],
                    "KeySchema": _key_schema(index["key_schema"]),
                    "Projection": _projection(index["projection"]),
                }
                for index in sorted(indexes, key=lambda index: index["index_name"])
            ]
    view = stream_view_type(model)
    if view:
        properties["StreamSpecification"] = {"StreamViewType": view}
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",  # a stack deleted by mistake must not take the data with it
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }
