"""The feeds' errors: an HTTP status and a message naming what is wrong."""


class FeedError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
