"""Create the app's tables (from the one catalog) and export their stream ARNs for app.py."""

from __future__ import annotations

import os

import boto3


def create_tables(moto_url: str) -> dict[str, str]:
    """Create missing tables; set `<SHORT>_STREAM_ARN` for each table with a stream. Env must be set."""
    from chalicelib.db.catalog import ALL_MODELS, create_missing_tables

    create_missing_tables()
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name=os.environ["AWS_DEFAULT_REGION"])
    arns: dict[str, str] = {}
    for model in ALL_MODELS:
        table = client.describe_table(TableName=model.Meta.table_name)["Table"]
        if table.get("LatestStreamArn"):
            short_name: str = getattr(model.Meta, "short_name")  # noqa: B009 - set by table_meta, untyped
            name = f"{short_name.upper()}_STREAM_ARN"
            arns[name] = table["LatestStreamArn"]
    os.environ.update(arns)
    return arns
