"""The gateway blueprint; its routes live in admission, personal, online and content."""

from flask import Blueprint

from portal.errors import DomainError
from portal.extensions import csrf
from portal.gateway.protocol import render_domain_error

bp = Blueprint("gateway", __name__, url_prefix="/gateway")
csrf.exempt(bp)
bp.register_error_handler(DomainError, render_domain_error)
