"""One row per vendor call, in (a vendor called a door) or out (the portal called one)."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class VendorCall(db.Model):
    __tablename__ = "vendor_call"
    __table_args__ = (Index("ix_vendor_call_vendor_at", "vendor", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    vendor: Mapped[str] = mapped_column(String(20))  # betcore | betsy | betcalc | payments | crm
    method: Mapped[str] = mapped_column(String(10))
    endpoint: Mapped[str] = mapped_column(String(500))
    status: Mapped[int | None]  # HTTP status; None: no answer (a network error)
    duration_ms: Mapped[int | None]
    request_body: Mapped[str | None] = mapped_column(Text)  # masked
    response_body: Mapped[str | None] = mapped_column(Text)  # masked
    error: Mapped[str | None] = mapped_column(String(500))
