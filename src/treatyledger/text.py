"""Showing text safely: control and bidirectional characters as ``<U+XXXX>`` (the rules of
``treatyledger.model.text``, in a module of the standard library only, so that the command
line's consoles use them without importing the model)."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and C1, zero-width and direction marks, the bidi
# embeddings, overrides and isolates, the Arabic letter mark and the byte-order mark.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)
# In a name not even tab and newline.
_NOT_IN_NAME = re.compile(f"[\t\n{_INVISIBLE.pattern[1:-1]}]")


def visible(text: str) -> str:
    """``text`` with each invisible or reordering character replaced by ``<U+XXXX>``."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def invisible_in(text: str) -> str | None:
    """The first control or bidirectional character of ``text`` as ``U+XXXX``, or None."""
    found = _NOT_IN_NAME.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"
