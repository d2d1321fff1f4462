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

from typing import Annotated

from pydantic import AfterValidator

from treatyledger.text import invisible_in, visible

__all__ = ["Name", "invisible_in", "visible"]


def _plain(text: str) -> str:
    found = invisible_in(text)
    if found is not None:
        raise ValueError(f"a name may not hold control or bidirectional characters (found {found})")
    return text


#: A name: any printable text without control or bidirectional characters.
Name = Annotated[str, AfterValidator(_plain)]
