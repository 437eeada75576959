"""Which addresses mail can be sent to: the one rule the intake, the web form, employees and the sender share."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.settings import get_settings


class AddressRefused(ValueError):
    """No mail system would take this address; the message says why, without repeating it."""


@dataclass(frozen=True)
class CheckedAddress:
    normalized: str  # as people write it: the domain in lower case, an internationalised domain in Unicode
    ascii: str  # as SES takes it: the domain in its ASCII (punycode) form


def check(address: str) -> CheckedAddress:
    """An address SES accepts: a dot-atom local part in ASCII (no quoting, commas, angle brackets, spaces
    or display names), a domain with a dot (IDN allowed), no DNS lookup. Reserved test domains (`.test`)
    pass on the local stage only."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            test_environment=get_settings().is_local,
        )
    except EmailNotValidError as error:
        raise AddressRefused(str(error)) from None
    return CheckedAddress(str(checked.normalized), str(checked.ascii_email))
