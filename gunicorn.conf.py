"""gunicorn settings for the portal; `gunicorn app:app` reads this file from the working
directory (the repository root). Flags on the command line override it.

BETCORE may send its RS256 JWT in the Authorization header. gunicorn's default limit of
8190 bytes per header would answer a larger one with its own HTML 431 page; the portal
accepts tokens up to 16 KiB and answers anything longer in BETCORE's envelope, so the
limit here is well above both.
"""

limit_request_field_size = 65_536
