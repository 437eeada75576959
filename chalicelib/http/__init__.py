"""The HTTP layer shared by the JSON API (chalicelib/api) and the pages for people (chalicelib/web).

- `table` is the light route table app.py registers at cold start; each view module is imported on the
  first request that needs it (`dispatch`).
- `route` is the one declaration of a route: its authenticator, role, body schema, error style and
  OpenAPI entry.
- `authenticators` are pluggable: public, bearer (integrations), session (people in a browser, with
  CSRF), link (signed links customers get by e-mail).
- `responses` renders problem details (RFC 9457), JSON and pages.

Only this package and the view modules import Chalice; domain code never does.
"""
