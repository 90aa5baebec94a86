"""Pagination that stays cheap on large organizations."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django_tables2.data import TableQuerysetData

# Counting stops here: "more than 10,000 tasks" is as useful as an exact number and costs a
# bounded scan instead of a full COUNT(*). Pages end here too (200 pages of 50): past that, filter.
COUNT_CAP = 10_000
# From this offset on, a page looks up its rows' keys first (see KeysFirstQuerysetData).
DEEP_OFFSET = 500


class CappedCountPaginator(Paginator):
    """For django-tables2 tables (which paginate their bound rows) and plain querysets."""

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
        return queryset.order_by()[: COUNT_CAP + 1].count()

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
    within the queryset; every task ordering ends with the unique task number."""

    def __init__(self, data, *, key: str = "pk"):
        super().__init__(data)
        self.key = key

    def __getitem__(self, index):
        if isinstance(index, slice) and (index.start or 0) >= DEEP_OFFSET:
            keys = self.data.values(self.key)[index]
            return self.data.filter(**{f"{self.key}__in": keys})
        return self.data[index]
