"""Whether a message's From is its sender's own, as SES judged it when it took the message.

SES prepends `Authentication-Results: amazonses.com; spf=...; dkim=...; dmarc=...` to every message it
stores (only the topmost header is SES's: a sender may add their own lower down). DMARC is the verdict about
the From domain itself, so it alone decides; a domain that publishes no DMARC policy gives no verdict, and
such mail is taken as before (no desk can tell a forged From from a real one there).
"""

from __future__ import annotations

from chalicelib.inbound.parse import ParsedMail

SES_AUTHSERV_ID = "amazonses.com"


def from_verified(mail: ParsedMail) -> bool | None:
    """True when DMARC passed, False when it failed, None when SES gave no DMARC verdict."""
    header = mail.headers.get("authentication-results", "")
    authserv_id, _, results = header.partition(";")
    if authserv_id.strip().lower() != SES_AUTHSERV_ID:
        return None
    for result in results.split(";"):
        method, _, rest = result.strip().partition("=")
        if method.strip().lower() == "dmarc":
            verdict = rest.split()[0].lower() if rest.split() else ""
            if verdict == "pass":
                return True
            if verdict == "fail":
                return False
    return None
