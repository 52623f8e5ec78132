"""Pages the portal answers with instead of a view's own: a "not found" that says what is
gone and where to go instead (rendered by `ErrorPagesMiddleware`, DEBUG or not)."""

from __future__ import annotations

from django.http import Http404


class NotFoundPage(Http404):
    """Http404 with words for the page: `raise NotFoundPage("This replica was deleted", ...)`."""

    def __init__(
        self, title: str, message: str, *, back_url: str = "", back_label: str = ""
    ) -> None:
        super().__init__(title)
        self.title = title
        self.message = message
        self.back_url = back_url
        self.back_label = back_label
