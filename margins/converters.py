"""The `tag_value` path converter of the margin URLs, registered once on import.

A URL-decoded tag value: any characters, slashes included, except exactly "unmatched", so
`GET /api/margins/unmatched` stays the mappings app's unmatched queue whichever URLs are included
first. A tag value spelled exactly "unmatched" has no detail page (its row still appears in the table).
"""

from __future__ import annotations

from django.urls import register_converter


class TagValueConverter:
    regex = r"(?!unmatched\Z).+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TagValueConverter, "tag_value")
