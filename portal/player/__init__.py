"""The player door: server-rendered HTML pages."""
