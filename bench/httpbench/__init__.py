"""The HTTP benchmark's parts (run by bench/http_load.py): the portal under gunicorn, driven
over loopback by wrk (or a Python load generator) with signed vendor calls."""
