"""The mail bucket: one lazily created S3 client, the key prefixes and what each holds.

`inbound/` raw mail as SES stores it (expires after the deployment's retention), `attachments/` the
files kept with thread messages, `quarantine/` raw mail a person should look at (expires too). The
bucket is private and encrypted; people get files only through short-lived presigned links.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.settings import get_settings

INBOUND = "inbound/"
ATTACHMENTS = "attachments/"
QUARANTINE = "quarantine/"
LINK_SECONDS = 15 * 60  # presigned links to attachments


@functools.cache
def s3_client() -> Any:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    return boto3.client(
        "s3",
        region_name=settings.region,
        endpoint_url=settings.s3_endpoint,
        config=Config(
            connect_timeout=2,
            read_timeout=20,
            retries={"max_attempts": 3, "mode": "standard"},
            signature_version="s3v4",
            s3={"addressing_style": "path"} if settings.s3_endpoint else {},
        ),
    )


def bucket() -> str:
    return get_settings().mail_bucket


def ensure_bucket() -> None:
    """The local stage's bucket in moto (on AWS the deploy template creates it)."""
    settings = get_settings()
    if not settings.is_local:
        raise RuntimeError("the mail bucket is created by the deploy template on deployed stages")
    client = s3_client()
    try:
        client.head_bucket(Bucket=settings.mail_bucket)
    except client.exceptions.ClientError:
        client.create_bucket(Bucket=settings.mail_bucket)
