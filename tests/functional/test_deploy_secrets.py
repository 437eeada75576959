"""Secrets on deployed stages come from SSM Parameter Store (moto's, here), cached; the local stage
reads plain variables and never calls SSM; neither stage takes the other's kind of setting."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from chalicelib import keys, secrets
from chalicelib.settings import get_settings
from chalicelib.tips.config import get_tip_config
from tests.conftest import MOTO_URL

CLOSED_PORT_URL = "http://127.0.0.1:9"  # nothing listens: a call to SSM through it fails


def _forget() -> None:
    get_settings.cache_clear()
    secrets.clear_cache()
    secrets.ssm_client.cache_clear()
    keys.app_secret.cache_clear()
    get_tip_config.cache_clear()


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch, moto_server: None) -> Iterator[pytest.MonkeyPatch]:
    """Lets a test switch stage variables; every cache built from them is dropped before and after."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", MOTO_URL)
    _forget()
    yield monkeypatch
    monkeypatch.undo()
    _forget()


def _put(name: str, value: str) -> None:
    ssm = boto3.client("ssm", endpoint_url=MOTO_URL)
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def test_a_deployed_stage_reads_its_secrets_from_ssm_secure_strings(stage: pytest.MonkeyPatch) -> None:
    _put("/servicedesk/t1/app-secret", "from-ssm")
    _put("/servicedesk/t1/tip-webhook-secrets", "whsec_a whsec_b")
    stage.setenv("STAGE", "dev")
    stage.setenv("SECRETS_PATH", "/servicedesk/t1")
    assert keys.app_secret() == b"from-ssm"
    assert get_tip_config().webhook_secrets == ("whsec_a", "whsec_b")


def test_a_deployed_stage_ignores_plain_secret_variables(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("STAGE", "dev")
    stage.setenv("SECRETS_PATH", "/servicedesk/t2")  # nothing stored there
    stage.setenv("APP_SECRET", "plain-text-in-the-environment")
    stage.setenv("TIP_PARTNER_API_KEY", "plain-key")
    assert secrets.secret("APP_SECRET") is None
    with pytest.raises(RuntimeError, match="/servicedesk/t2/app-secret"):
        keys.app_secret()
    config = get_tip_config()
    assert config.partner_api_key is None and config.webhook_secrets == ()


def test_a_deployed_stage_without_a_secrets_path_has_no_secrets_and_no_dev_fallback(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("STAGE", "prod")
    stage.delenv("SECRETS_PATH", raising=False)
    with pytest.raises(RuntimeError):
        keys.app_secret()


def test_secrets_are_cached_then_refreshed(stage: pytest.MonkeyPatch) -> None:
    _put("/servicedesk/t3/telegram-bot-token", "first")
    stage.setenv("STAGE", "dev")
    stage.setenv("SECRETS_PATH", "/servicedesk/t3")
    assert secrets.secret("TELEGRAM_BOT_TOKEN") == "first"
    _put("/servicedesk/t3/telegram-bot-token", "rotated")
    assert secrets.secret("TELEGRAM_BOT_TOKEN") == "first"  # cached: one SSM call per few minutes
    secrets.clear_cache()  # what MAX_AGE_SECONDS does on its own
    assert secrets.secret("TELEGRAM_BOT_TOKEN") == "rotated"


def test_the_local_stage_never_calls_ssm_even_when_given_a_secrets_path(stage: pytest.MonkeyPatch) -> None:
    stage.setenv("AWS_ENDPOINT_URL_SSM", CLOSED_PORT_URL)
    stage.setenv("STAGE", "local")
    stage.setenv("SECRETS_PATH", "/servicedesk/dev")
    stage.setenv("APP_SECRET", "local-plain")
    assert keys.app_secret() == b"local-plain"
    assert secrets.parameter_name("APP_SECRET") is None
    stage.delenv("TIP_PARTNER_API_KEY", raising=False)
    assert get_tip_config().partner_api_key == "sandbox-api-key"  # the dev-only sandbox's
