"""Local stand-ins for the vendors, for the demo (`make run` without internet) and the tests.

Each stand-in is its own small WSGI app with its own templates, e.g.
`portal.sandbox.betcore.create_betcore_sandbox(portal_url)`.
"""
