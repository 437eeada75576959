"""Pages for people: customers (from their e-mails), agents and managers (in a browser). Their own face
over the same domain services as the JSON API (chalicelib/api), declared with the same `@route`:
errors become friendly pages in the reader's language, forms post back and redirect."""
