"""Characters that must not hide in names, and how text shows them.

A notification comes from the other party and its names reach terminals, CSV files and
pages. Control characters (C0 but tab and newline, DEL, C1) can carry terminal escape
sequences or cut a line; NUL truncates in C; bidirectional controls (embeddings, overrides,
isolates, the marks) reorder what a reader sees around them, so ``US-1<U+202E>2-SU`` can
look like another identifier. Identifiers are ASCII by pattern already; names (facility and
party names, system and warhead types, escrow values, log origins) refuse these characters
(``Name``), and every text output passes through :func:`visible`, which shows them as
``<U+202E>``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

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


def _plain(text: str) -> str:
    found = invisible_in(text)
    if found is not None:
        raise ValueError(f"a name may not hold control or bidirectional characters (found {found})")
    return text


#: A name: any printable text without control or bidirectional characters.
Name = Annotated[str, AfterValidator(_plain)]
