"""Reading SES's verdict on the From address from the topmost Authentication-Results header."""

from __future__ import annotations

import pytest

from chalicelib.inbound.authentication import from_verified
from chalicelib.inbound.parse import parse


def mail_with(*results: str) -> bytes:
    headers = "".join(f"Authentication-Results: {value}\r\n" for value in results)
    return (headers + "From: ann@example.com\r\nTo: desk@example.com\r\nSubject: Hi\r\n\r\nHello\r\n").encode()


@pytest.mark.parametrize(
    ("results", "verified"),
    [
        (["amazonses.com; spf=pass; dkim=pass; dmarc=pass header.from=example.com;"], True),
        (["amazonses.com; spf=fail; dkim=none; dmarc=fail header.from=example.com"], False),
        (["AmazonSES.com;dmarc=FAIL (p=REJECT)"], False),
        (["amazonses.com; spf=none; dkim=none; dmarc=none"], None),
        (["amazonses.com; spf=pass; dkim=pass"], None),
        ([], None),
        (["mx.attacker.example; dmarc=pass"], None),  # only SES's verdict counts
        (["amazonses.com; dmarc=fail", "amazonses.com; dmarc=pass"], False),  # the topmost is SES's
        (["amazonses.com; dmarc="], None),
    ],
)
def test_the_from_is_verified_only_by_ses_dmarc_verdict_on_the_topmost_header(
    results: list[str], verified: bool | None
) -> None:
    assert from_verified(parse(mail_with(*results))) is verified
