"""Text as the dashboard shows it: every string reaches a page through Jinja2's autoescape
(HTML-special characters) and, before that, through :func:`visible`, which makes control
characters and Unicode bidirectional controls visible as ``<U+202E>``. A notification's free
text comes from the other party too; a right-to-left override must not reorder what a reader
sees next to it, and a terminal escape must not travel into a copied command."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and C1, zero-width and direction marks, the bidi
# embeddings, overrides and isolates, the Arabic letter mark and the byte-order mark.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)


def visible(text: str) -> str:
    """``text`` with each invisible or reordering character replaced by ``<U+XXXX>``."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
