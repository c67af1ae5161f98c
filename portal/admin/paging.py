"""Paging and sorting of admin tables, from the query string (`page`, `sort`, `dir`):
only the sort keys a table offers are taken, anything else falls back to its default."""

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select, func, select

from portal.admin.args import arg_number
from portal.extensions import db

PER_PAGE = 50


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int
    sort: str
    direction: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def url(self, **changes) -> str:
        """This page's URL with some query arguments changed (filters kept)."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        return request.path + "?" + urlencode(args)  # (any argument name, even "endpoint")

    def sort_url(self, key: str) -> str:
        flip = "asc" if self.sort == key and self.direction == "desc" else "desc"
        return self.url(sort=key, dir=flip, page=1)


def paginate(query: Select, sorts: dict, default: str, *, per_page: int = PER_PAGE,
             scalars: bool = True) -> Page:  # fmt: skip
    """One page of `query`, ordered by the requested key of `sorts` (name → column)."""
    sort = request.args.get("sort", default)
    if sort not in sorts:
        sort = default
    direction = "asc" if request.args.get("dir") == "asc" else "desc"
    column = sorts[sort]
    ordered = query.order_by(column.asc() if direction == "asc" else column.desc())
    number = max(1, min(arg_number("page") or 1, 100_000))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    limited = ordered.limit(per_page).offset((number - 1) * per_page)
    result = db.session.execute(limited)
    items = list(result.scalars() if scalars else result)
    return Page(items, number, per_page, total or 0, sort, direction)
