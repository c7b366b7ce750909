"""The one error type rendering raises: a single line naming the file at fault."""

from __future__ import annotations


class RenderError(RuntimeError):
    """A report cannot be rendered (missing file, label, tool...); message is one line."""
