"""Settings come from the stage's environment variables (see .chalice/config.json).

Read once per process and cached: the cache may vanish at any time, which is fine because the
environment of a Lambda function does not change while it runs.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    dynamodb_endpoint: str | None
    ses_endpoint: str | None
    app_secret: str
    public_base_url: str
    mail_from: str
    secrets_path: str | None = None  # deployed stages: SSM folder of the secrets (chalicelib/secrets.py)
    # E-mail in (chalicelib/inbound): the domain SES receives for, the bucket it stores mail in, and
    # (local stage only) moto's S3 endpoint.
    inbound_mail_domain: str = "in.servicedesk.local"
    mail_bucket: str = "servicedesk-local-mail"
    s3_endpoint: str | None = None

    def table_name(self, short_name: str) -> str:
        return f"{self.table_prefix}-{short_name}"

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def mail_feedback_topic(self) -> str:
        """The SNS topic SES publishes bounces and complaints to (app.py subscribes at import)."""
        return f"{self.table_prefix}-mail-feedback"


def _optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@functools.cache
def get_settings() -> Settings:
    stage = os.environ.get("STAGE", "local")
    table_prefix = os.environ.get("TABLE_PREFIX", f"servicedesk-{stage}")
    mail_from = os.environ.get("MAIL_FROM", "support@servicedesk.local")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        table_prefix=table_prefix,
        dynamodb_endpoint=_optional("DYNAMODB_ENDPOINT"),
        ses_endpoint=_optional("SES_ENDPOINT"),
        app_secret=os.environ.get("APP_SECRET", ""),
        public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_from=mail_from,
        secrets_path=(_optional("SECRETS_PATH") or "").rstrip("/") or None,
        inbound_mail_domain=(_optional("MAIL_INBOUND_DOMAIN") or f"in.{mail_from.rpartition('@')[2]}").lower(),
        mail_bucket=_optional("MAIL_BUCKET") or f"{table_prefix}-mail",
        s3_endpoint=_optional("S3_ENDPOINT"),
    )


def stream_arn(short_table_name: str) -> str:
    """The stream ARN a handler subscribes to, from `<TABLE>_STREAM_ARN`.

    Chalice needs it when app.py is imported. The deploy template replaces it with the table's
    real `StreamArn`; locally the stack sets it after creating the tables. The fallback only
    names the table, which is all the local stream pump needs to find it.
    """
    env_name = f"{short_table_name.upper()}_STREAM_ARN"
    settings = get_settings()
    fallback = (
        f"arn:aws:dynamodb:{settings.region}:000000000000:table/{settings.table_name(short_table_name)}/stream/local"
    )
    return os.environ.get(env_name) or fallback


def signup_mode() -> str:
    """Who may create companies (SIGNUP_MODE): "closed" (the default: the first manager is made by
    `make first-manager`) or "open" (public sign-up, for someone hosting many companies). Read on each
    call: cheap, and a test client's stage variables apply."""
    return "open" if os.environ.get("SIGNUP_MODE", "").strip().lower() == "open" else "closed"


def limit(name: str, default: int) -> int:
    """A rate limit of the stage (e.g. SIGNIN_MAILS_PER_IP_PER_HOUR); the local stage raises the per-IP
    ones, since every local request comes from 127.0.0.1."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else default
