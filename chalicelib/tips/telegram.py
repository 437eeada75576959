"""Telegram Bot API: a message with URL buttons to a customer who came through Telegram."""

from __future__ import annotations

from typing import Any

from chalicelib.tips.config import get_tip_config


class TelegramError(Exception):
    pass


def send_message(chat_id: str, text: str, buttons: list[tuple[str, str]]) -> str:
    """Send `text` with one URL button per row; returns Telegram's message id."""
    config = get_tip_config()
    if not config.telegram_bot_token:
        raise TelegramError("no Telegram bot is configured")
    payload: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "disable_web_page_preview": True,
        "reply_markup": {"inline_keyboard": [[{"text": label, "url": url}] for label, url in buttons]},
    }
    import requests  # on first use: ~50 ms off every cold start that never calls out

    url = f"{config.telegram_api_url}/bot{config.telegram_bot_token}/sendMessage"
    try:
        response = requests.post(url, json=payload, timeout=(2, 5))
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise TelegramError(f"Telegram could not be reached: {type(error).__name__}") from None
    if not response.ok or not isinstance(data, dict) or not data.get("ok"):
        raise TelegramError(f"Telegram refused the message (HTTP {response.status_code})")
    return str(data.get("result", {}).get("message_id", ""))


def is_configured() -> bool:
    return bool(get_tip_config().telegram_bot_token)
