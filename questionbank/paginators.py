"""A paginator that finds a page's ids first, then reads those rows.

For lists ordered by what no index covers whole (the questions, by competency slug and code;
by the API's `?ordering=`, the admin's column sorting): the database sorts ids and sort keys,
not whole rows with their texts in every language. At 100,000 questions a page of the API's
list went from 0.2 s (0.8 s for page 1,000) to about 40 ms. It costs one query more: the
page's rows, by id.
"""

from django.core.paginator import Paginator

# Ids asked for at least: for a LIMIT under ten SQLite's planner (without statistics) sorts
# the whole table instead of reading the index in order (2.9 s instead of 1 ms, at 100,000).
MIN_IDS = 20


class IdFirstPaginator(Paginator):
    """Pages a queryset by its ids: the page's object list holds the rows, in order."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values_list("pk", flat=True)[bottom : max(top, bottom + MIN_IDS)]
        ids = list(ids)[: top - bottom]
        rows = self.object_list.order_by().in_bulk(ids)
        # A row deleted between the two queries is left out, as a moment later it would be.
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
