"""The local stage's environment: .chalice/config.json's stage variables plus the stack's own
(endpoints, ports, a dev secret), set before anything imports app.py or PynamoDB models."""

from __future__ import annotations

import json
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEV_APP_SECRET = "local-dev-secret-never-used-in-deployed-stages"  # noqa: S105

AWS_DUMMIES = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


def stage_variables(stage: str = "local") -> dict[str, str]:
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    variables = dict(config.get("environment_variables", {}))
    variables.update(config["stages"][stage].get("environment_variables", {}))
    return {k: str(v) for k, v in variables.items()}


def local_environment(moto_url: str, api_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**AWS_DUMMIES, **stage_variables("local")}
    env.update(
        {
            "DYNAMODB_ENDPOINT": moto_url,
            "SES_ENDPOINT": moto_url,
            "S3_ENDPOINT": moto_url,  # the mail bucket (e-mail in)
            "PUBLIC_BASE_URL": api_url,
            "APP_SECRET": os.environ.get("APP_SECRET", DEV_APP_SECRET),
            "TEMPLATES_RELOAD": "1",  # templates edited while `make run` runs show on the next page
        }
    )
    env.update(extra or {})
    return env
