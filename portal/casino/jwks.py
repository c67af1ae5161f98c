"""BETCORE's signing keys, from its JWKS, as each worker process knows them.

A known `kid` is looked up without waiting for anything: a slow or failing JWKS never
holds up calls signed with a key we have. An unknown `kid` may refresh the set, at most
once per BETCORE_JWKS_COOLDOWN seconds whether the attempt succeeds or fails (so junk
tokens cannot make us hammer BETCORE's JWKS while it is down), and never while another
refresh is running (that caller is refused at once instead of queueing behind it), except
while no key is known yet: then callers wait for the first fetch, and a failed attempt is
retried after at most a second. Keys never go
stale by age: an outage of the JWKS does not refuse calls signed with a known key.
"""

import logging
import threading
import time

import jwt

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 5  # seconds
FIRST_FETCH_RETRY = 1.0  # seconds between attempts while no key is known at all


class UnknownKey(Exception):
    """No key with this kid, and none could be fetched now."""


class KeySet:
    def __init__(self, url: str, cooldown: float):
        self.url, self.cooldown = url, cooldown
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=FETCH_TIMEOUT)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._last_attempt: float | None = None
        self._refreshing = threading.Lock()

    def get(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        # Another request is fetching: wait for it only while no key is known at all (the
        # first calls after a start); otherwise refuse at once rather than queue behind it.
        waits = not self._keys
        if not waits and not self._may_refresh():
            raise UnknownKey(kid)
        if not self._refreshing.acquire(blocking=waits, timeout=FETCH_TIMEOUT + 1 if waits else -1):
            raise UnknownKey(kid)
        try:
            if kid not in self._keys and self._may_refresh():
                self._refresh()
        finally:
            self._refreshing.release()
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(kid)
        return key

    def _may_refresh(self) -> bool:
        if self._last_attempt is None:
            return True
        wait = self.cooldown if self._keys else min(self.cooldown, FIRST_FETCH_RETRY)
        return time.monotonic() - self._last_attempt >= wait

    def _refresh(self) -> None:
        self._last_attempt = time.monotonic()
        try:
            found = self._client.get_jwk_set(refresh=True)
        except Exception as exc:  # unreachable, an error status, garbage, no usable key
            log.warning("BETCORE JWKS at %s could not be fetched: %s", self.url, exc)
            return
        # Keys once known stay known (a key dropped from the set still verifies old calls
        # only until the process restarts; BETCORE's tokens live about ten seconds).
        self._keys = {**self._keys, **{k.key_id: k for k in found.keys if k.key_id}}


_sets: dict[tuple[str, float], KeySet] = {}
_sets_lock = threading.Lock()


def key_set(url: str, cooldown: float) -> KeySet:
    """The process's key set for this JWKS URL and cooldown."""
    with _sets_lock:
        found = _sets.get((url, cooldown))
        if found is None:
            found = _sets[(url, cooldown)] = KeySet(url, cooldown)
        return found
