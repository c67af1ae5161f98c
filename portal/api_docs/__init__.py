"""The OpenAPI 3.1 description of the portal's outside JSON doors (gateway, BETCORE, Betsy):
the file openapi.json, served at /openapi.json and rendered for integrators at /api-docs."""
