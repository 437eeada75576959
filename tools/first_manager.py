"""`make first-manager COMPANY=... NAME=... EMAIL=...`: create a company and its first manager and print a
one-time sign-in link (valid 24 hours). This is how a company starts on a deployment whose sign-up is
closed (SIGNUP_MODE=closed, the default of deployed stages).

    python -m tools.first_manager --company Acme --name Mia --email mia@acme.test [--timezone Europe/Vilnius]
        [--currency EUR] [--stage local|dev|prod] [--control http://127.0.0.1:8001] [--base-url https://...]

Locally (`--stage local`, the default) it finds the running stack (`make run`) through its control API.
For a deployed stage it uses your AWS credentials and the stage's tables; give `--base-url` (the stack's
PublicBaseUrl) so the link points at the desk.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request


def _environment(args: argparse.Namespace) -> None:
    """The stage's variables, set before chalicelib binds its tables (PynamoDB reads them at import)."""
    from devstack.environment import local_environment, stage_variables

    if args.stage == "local":
        if not os.environ.get("DYNAMODB_ENDPOINT"):
            with urllib.request.urlopen(f"{args.control}/health", timeout=10) as response:  # noqa: S310 (http only)
                health = json.load(response)
            os.environ.update(local_environment(health["moto"], args.base_url or health["api"]))
        return
    os.environ.update(stage_variables(args.stage))
    if args.base_url:
        os.environ["PUBLIC_BASE_URL"] = args.base_url
    if not os.environ.get("PUBLIC_BASE_URL"):
        raise SystemExit("give --base-url (the stack's PublicBaseUrl) for a deployed stage")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.first_manager", description=__doc__.split("\n\n")[0])
    parser.add_argument("--company", required=True, help="the company's name")
    parser.add_argument("--name", required=True, help="the manager's name")
    parser.add_argument("--email", required=True, help="the manager's e-mail address")
    parser.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/Vilnius")
    parser.add_argument("--currency", default="USD", help="ISO 4217 code, e.g. EUR")
    parser.add_argument("--stage", default="local", help="local (the running `make run` stack), dev or prod")
    parser.add_argument("--control", default="http://127.0.0.1:8001", help="the local stack's control API")
    parser.add_argument("--base-url", default=None, help="where people reach the desk (deployed stages)")
    args = parser.parse_args(argv)
    _environment(args)

    from chalicelib.companies import SignUp
    from chalicelib.errors import ValidationFailed
    from chalicelib.signin import FIRST_MANAGER_LIFETIME, first_manager
    from chalicelib.validation import validate

    try:
        request = validate(
            SignUp,
            {
                "name": args.company,
                "manager_name": args.name,
                "manager_email": args.email,
                "timezone": args.timezone,
                "currency": args.currency,
            },
        )
    except ValidationFailed as error:
        for problem in error.errors:
            print(f"{problem['field']}: {problem['message']}", file=sys.stderr)
        return 2
    company, manager, url = first_manager(request)
    hours = int(FIRST_MANAGER_LIFETIME.total_seconds() // 3600)
    print(f"Company {company.name} ({company.company_id}); manager {manager.name} <{manager.email}>")
    print(f"One-time sign-in link (valid {hours} hours, works once):")
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
