from django.core.paginator import Paginator as DjangoPaginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """`?page=N&page_size=M`: 50 per page by default, at most 200.

    A malformed page or page size, or a page size over the cap, is a 400
    naming the parameter; a page past the end is a 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({"page": ["Must be a whole number from 1."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise NotFound(f"Page {raw} does not exist.") from exc


# Ids asked for at least: for a LIMIT under ten SQLite's planner (without statistics) sorts the
# whole table instead of reading the index in order (2.9 s instead of 1 ms, at 100,000).
MIN_IDS = 20


class IdPaginator(DjangoPaginator):
    """A page of ids, read with a LIMIT of at least `MIN_IDS`."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list[bottom : max(top, bottom + MIN_IDS)])[: top - bottom]
        return self._get_page(ids, number, self)


class IdFirstPagination(Pagination):
    """`Pagination` that finds the page's ids first, then reads those rows.

    For lists ordered by what no index covers (the questions, by competency slug and code;
    by `?ordering=`): the database sorts ids and sort keys, not whole rows with their texts in
    every language. At 100,000 questions a page went from 0.2 s (0.8 s for page 1,000) to
    about a tenth of that; it costs one query more, the page's rows by id.
    """

    django_paginator_class = IdPaginator

    def paginate_queryset(self, queryset, request, view=None):
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
        if ids is None:
            return None
        rows = queryset.order_by().in_bulk(ids)
        return [rows[pk] for pk in ids]
