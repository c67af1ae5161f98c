"""Who did what: an append-only, hash-chained log of admin and operator actions."""
