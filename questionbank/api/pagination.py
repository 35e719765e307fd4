from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from questionbank.paginators import IdFirstPaginator

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


class IdFirstPagination(Pagination):
    """`Pagination` that reads a page's ids first, then its rows (see `IdFirstPaginator`)."""

    django_paginator_class = IdFirstPaginator
