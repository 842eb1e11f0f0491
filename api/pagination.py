from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Cursor pagination: stable pages however many rows arrive meanwhile."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
