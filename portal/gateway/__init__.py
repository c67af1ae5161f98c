"""The gateway door: seed 002 JSON API."""
