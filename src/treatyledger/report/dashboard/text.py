"""Text as the dashboard shows it: every string reaches a page through Jinja2's autoescape
(HTML-special characters) and, before that, through :func:`visible`, which makes control
characters and Unicode bidirectional controls visible as ``<U+202E>``. A notification's free
text comes from the other party too; a right-to-left override must not reorder what a reader
sees next to it, and a terminal escape must not travel into a copied command. The one
definition is ``treatyledger.model.text`` (the CLI's consoles and CSV use it too)."""

from __future__ import annotations

from treatyledger.model.text import visible

__all__ = ["visible"]
