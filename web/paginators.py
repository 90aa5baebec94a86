"""Pagination that stays cheap on large organizations."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Counting stops here: "more than 10,000 tasks" is as useful as an exact number and costs a
# bounded scan instead of a full COUNT(*). Pages end here too (200 pages of 50): past that, filter.
COUNT_CAP = 10_000


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
