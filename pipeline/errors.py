"""Operator-facing input errors: one line naming the file, row and column; no traceback.

The CLI prints `str(exc)`. Messages may name a file, a table, a column, a row number and
(for a bad row only) the child ID; never other child-level values such as dates of birth.
"""

from __future__ import annotations


class InputError(Exception):
    """The raw extracts cannot be used as supplied (missing table, missing column, ...)."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        table: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason, self.file, self.table, self.row, self.column = reason, file, table, row, column
        where = [
            p
            for p in (
                file or (f"table {table}" if table else None),
                f"row {row}" if row is not None else None,
                f"column {column}" if column else None,
            )
            if p
        ]
        super().__init__(": ".join([*where, reason]))
