"""Property-based tests share the functional tests' moto server and test client (same fixtures)."""

from tests.functional.conftest import api, client, company, moto_server, other_company  # noqa: F401
