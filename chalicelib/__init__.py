"""Domain code of the service desk. Nothing under chalicelib imports Chalice except chalicelib.api."""
