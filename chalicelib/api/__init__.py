"""The JSON API: one module per capability, each a list of `@route` declarations over domain services.

Pages for people are their own face over the same services, beside this one (chalicelib/web).
"""
