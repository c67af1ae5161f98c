"""What one load run measured, whichever generator ran it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    answered: int  # answers received
    failed: int  # ... that were not the door's success (HTTP status and success code)
    socket_errors: int  # connect, read and write errors, timeouts
    seconds: float  # how long the generator sent
    p50_ms: float
    p99_ms: float
    samples: list[str] = field(default_factory=list)  # a few of the failed answers
    ran_out: bool = False  # a unique run used up its prepared calls before its time
    reused: int = 0  # prepared calls sent twice by a unique run (must stay 0)
    passed: list[bool | None] | None = None  # per prepared call (None: not sent in time)

    @property
    def errors(self) -> int:
        return self.failed + self.socket_errors + self.reused

    @property
    def rate(self) -> float:
        """Successful answers per second."""
        return (self.answered - self.failed) / self.seconds if self.seconds > 0 else 0.0
