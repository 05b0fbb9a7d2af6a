"""Untrusted text (titles, ids, query parameters, error messages quoting input) in Markdown elements.

``st.warning`` / ``st.error`` / ``st.info`` / ``st.success`` render Markdown, so
``![x](http://host/x.png)`` in a notice title would become a live image the
browser fetches.  :func:`plain` backslash-escapes every ASCII punctuation mark
(CommonMark lets any of them be escaped), so the text shows as typed.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """``text`` as Markdown that renders literally (no link, image, emphasis, HTML or math)."""
    return _PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))
