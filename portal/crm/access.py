"""Who may read the feeds: HTTP Basic with CRM_FEED_USER / CRM_FEED_PASSWORD, from an
address in CRM_ALLOWED_IPS when that is set. Without both credentials configured there
is no feed at all."""

import hmac
import ipaddress

from flask import current_app, request

from portal.crm.errors import FeedError

CHALLENGE = {"WWW-Authenticate": 'Basic realm="CRM feeds", charset="UTF-8"'}


def check() -> None:
    config = current_app.config
    user, password = config["CRM_FEED_USER"], config["CRM_FEED_PASSWORD"]
    if not user or not password:
        raise FeedError(404, "the CRM feeds are not enabled on this site")
    allowed = config["CRM_ALLOWED_IPS"]
    if allowed and not _address_in(request.remote_addr, allowed):
        current_app.logger.warning(
            "CRM feed refused for %s: not in CRM_ALLOWED_IPS", request.remote_addr
        )
        raise FeedError(403, "this address may not read the CRM feeds")
    given = request.authorization
    if given is None or given.type != "basic":
        raise FeedError(401, "HTTP Basic credentials are required", CHALLENGE)
    same_user = hmac.compare_digest((given.username or "").encode(), user.encode())
    same_password = hmac.compare_digest((given.password or "").encode(), password.encode())
    if not (same_user and same_password):
        raise FeedError(401, "wrong user name or password", CHALLENGE)


def _address_in(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)
