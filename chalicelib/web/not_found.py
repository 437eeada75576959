"""The page for an address the app does not serve. API Gateway answers unknown paths before Lambda runs
(as "Missing Authentication Token"), so the deploy template gives it this page as a Gateway Response
(deploy/gateway_responses.py) and the local stack answers with it too (devstack/not_found.py).

It is static (no nonce, no script) and free of `$` and `#`, which API Gateway's response templates
(Velocity) would treat as code; only `{{ base }}` varies.
"""

from __future__ import annotations


def not_found_html(base: str, locale: str = "en") -> str:
    from chalicelib.pages import render

    return render("web/not_found.html", locale=locale, base=base)
