"""In-app links between the views (relative URLs with ``?view=…``): imported by any view, importing none."""

from __future__ import annotations

from urllib.parse import urlencode


def related_href(text_or_ref: str) -> str:
    """In-app link (relative URL) to the related view for a finding reference or free text."""
    return "?" + urlencode({"view": "related", "ref": text_or_ref})


def notice_href(doc_id: str) -> str:
    """In-app link (relative URL) to the notice view on ``doc_id``."""
    return "?" + urlencode({"view": "notice", "doc": doc_id})
