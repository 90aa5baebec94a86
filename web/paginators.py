"""Pagination that stays cheap on large organizations."""

import hashlib
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django_tables2.data import TableQuerysetData
from django_tables2.utils import OrderBy

from workspace import revisions

# Counting stops here: "more than 10,000 tasks" is as useful as an exact number and costs a
# bounded scan instead of a full COUNT(*). Pages end here too (200 pages of 50): past that, filter.
COUNT_CAP = 10_000
# From this offset on, a page looks up its rows' keys first (see KeysFirstQuerysetData).
DEEP_OFFSET = 500


class CappedCountPaginator(Paginator):
    """For django-tables2 tables (which paginate their bound rows) and plain querysets.

    With ``organization_id`` (task lists), the count is kept under the organization's task
    revision (``workspace.revisions``): paging or re-opening a list does not count again until
    a task of the organization changes."""

    def __init__(self, *args, organization_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id

    def _queryset(self) -> QuerySet | None:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows
        data = getattr(getattr(rows, "data", None), "data", None)  # tables2 BoundRows
        return data if isinstance(data, QuerySet) else None

    @cached_property
    def count(self) -> int:
        queryset = self._queryset()
        if queryset is None:
            return len(self.object_list)
        capped = queryset.order_by()[: COUNT_CAP + 1]
        if self.organization_id is None:
            return capped.count()
        sql, params = capped.query.sql_with_params()
        name = "count:" + hashlib.blake2b(repr((sql, params)).encode(), digest_size=16).hexdigest()
        return revisions.cached(self.organization_id, revisions.TASKS, name, capped.count)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, max(1, COUNT_CAP // self.per_page))


class KeysFirstQuerysetData(TableQuerysetData):
    """Table data whose deep pages skip rows cheaply.

    ``OFFSET n`` makes PostgreSQL build (join, decode) the ``n`` rows it then throws away. From
    ``DEEP_OFFSET`` on, a page is fetched as ``WHERE key IN (SELECT key ... OFFSET n LIMIT m)``:
    the skipping happens in the inner query, which reads only the sort index (an index-only
    scan when ``key`` is in it), and the joins run for the page's own rows. The outer query keeps
    the same ordering, so the page holds the same rows in the same order. ``key`` must be unique
    within the queryset; every task ordering ends with the unique task number.

    A page sorted by a column whose ordering no index holds (``computed_order = True`` on the
    column: a custom field's value) is fetched keys first at any depth: PostgreSQL computes the
    sort key of every matching row, and joining each of them first (thousands of rows on a
    project's filtered list) cost more than the sort."""

    keys_first = False  # the current ordering is computed: see order_by

    def __init__(
        self,
        data,
        *,
        key: str = "pk",
        values: tuple[str, ...] | None = None,
        expressions: dict | None = None,
    ):
        """``values``: pages hold these fields as dicts (``QuerySet.values``), not models, plus
        ``expressions`` (name -> expression), which only a page's rows compute (never counts)."""
        super().__init__(data)
        self.key = key
        self.values = values
        self.expressions = expressions or {}

    def _rows(self, queryset):
        return queryset.values(*self.values, **self.expressions) if self.values else queryset

    def order_by(self, aliases):
        super().order_by(aliases)
        columns = self.table.columns
        self.keys_first = any(
            getattr(columns[OrderBy(alias).bare].column, "computed_order", False)
            for alias in aliases
        )

    def __getitem__(self, index):
        order = getattr(getattr(self, "table", None), "group_order", None)
        if isinstance(index, slice) and order is not None:
            return self._grouped_page(order, index.start or 0, index.stop)
        if isinstance(index, slice) and (self.keys_first or (index.start or 0) >= DEEP_OFFSET):
            keys = self.data.values(self.key)[index]
            return self._rows(self.data.filter(**{f"{self.key}__in": keys}))
        if isinstance(index, slice):
            return self._rows(self.data)[index]
        return self.data[index]

    def _grouped_page(self, order: "GroupOrder", start: int, stop: int) -> list:
        sql, params = order.page_keys(self.data, start, stop)
        keys = RawSQL(sql, params)  # noqa: S611 - built by page_keys from Django's own SQL
        field = self.data.model._meta.get_field(order.column)
        values = (*self.values, field.attname) if self.values else None
        rows = (
            list(self.data.filter(**{f"{self.key}__in": keys}).values(*values, **self.expressions))
            if values
            else (list(self.data.filter(**{f"{self.key}__in": keys})))
        )
        read = (lambda row, name: row[name]) if values else getattr
        place = {key: n for n, (_, key) in enumerate(order.ordered())}
        sign = 1 if order.descending else -1
        rows.sort(
            key=lambda row: (
                place.get(read(row, field.attname), len(place)),
                sign * read(row, self.key),
            )
        )
        return rows


@dataclass(frozen=True)
class GroupOrder:
    """A sort by a column with few distinct values (status, project, assignee): the groups in
    the order people read them (``keys``, ``None`` for "no value"), each group's tasks by number.

    ``ORDER BY <the group's position>`` cannot be read off an index, so PostgreSQL would sort
    every matching task for a page of 50. Instead a page walks the groups in order and reads each
    group's first rows from an (organization, column, number) index, stopping when the page is
    full (``LATERAL`` join, see ``page_keys``): a page reads at most ``stop`` rows per group,
    never the whole organization."""

    column: str  # the task column: "status", "project_id", "assignee_id"
    keys: tuple  # group keys in ascending display order; None (no value) may be one of them
    descending: bool = False

    def position(self, value) -> int:
        try:
            return self.keys.index(value)
        except ValueError:
            return len(self.keys)  # a value that appeared since the keys were read: last

    def ordered(self) -> list[tuple[int, object]]:
        pairs = list(enumerate(self.keys))
        return pairs[::-1] if self.descending else pairs

    def page_keys(self, queryset: QuerySet, start: int, stop: int) -> tuple[str, list]:
        """SQL (and params) selecting the numbers of rows ``start:stop`` of ``queryset`` in this
        order. Each group contributes at most ``stop`` rows, read in index order."""
        number_order = "number" if self.descending else "-number"
        direction = "ASC" if self.descending else "DESC"
        walk = [(place, key) for place, (_, key) in enumerate(self.ordered(), 1)]
        keyed = [(place, key) for place, key in walk if key is not None]
        parts, params = [], []
        if keyed:
            field = queryset.model._meta.get_field(self.column)
            target = field.target_field if field.is_relation else field
            key_type = "text" if isinstance(target, models.CharField) else "bigint"
            inner = (
                queryset.filter(**{field.attname: RawSQL("g.key", (), output_field=target)})
                .order_by(number_order)
                .values_list("number", flat=True)[:stop]
            )
            inner_sql, inner_params = inner.query.sql_with_params()
            parts.append(
                # Our constants and Django's compiled SQL; every value is a parameter.
                f"SELECT g.place, t.number FROM unnest(%s::{key_type}[], %s::int[]) "  # noqa: S608
                f"AS g(key, place) CROSS JOIN LATERAL ({inner_sql}) AS t(number)"
            )
            params += [[key for _, key in keyed], [place for place, _ in keyed], *inner_params]
        for place, key in walk:
            if key is None:
                empty = (
                    queryset.filter(**{f"{self.column}__isnull": True})
                    .order_by(number_order)
                    .values_list("number", flat=True)[:stop]
                )
                empty_sql, empty_params = empty.query.sql_with_params()
                parts.append(f"SELECT %s::int, e.number FROM ({empty_sql}) AS e(number)")  # noqa: S608
                params += [place, *empty_params]
        union = " UNION ALL ".join(f"({part})" for part in parts)
        sql = (
            f"SELECT number FROM ({union}) AS page(place, number) "  # noqa: S608
            f"ORDER BY place, number {direction} LIMIT %s OFFSET %s"
        )
        return sql, [*params, stop - start, start]
