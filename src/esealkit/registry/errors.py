"""Import errors of the registry (导入错误): every bad row, with its column and reason.

Example::

    from esealkit.registry.errors import ImportRejected

    try:
        import_directory(db, "exports/")
    except ImportRejected as rejected:
        for error in rejected.errors:
            print(error.file, error.row, error.column, error.reason)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from esealkit.errors import StoreError

__all__ = ["ImportRejected", "RowError"]

_SHOWN_IN_MESSAGE = 10


@dataclass(frozen=True)
class RowError:
    """One problem in an interchange file.

    ``row`` is the spreadsheet row number (the header is row 1, the first data row is
    row 2; 0 when the problem concerns the whole file); ``column`` is the column name
    (empty when the problem concerns the whole row or file).
    """

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}


class ImportRejected(StoreError):
    """A file was not imported at all because some of its rows are wrong.

    ``errors`` lists every problem found (not only the first), in row order.
    """

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(errors)
        shown = "\n".join(f"  {e}" for e in self.errors[:_SHOWN_IN_MESSAGE])
        more = len(self.errors) - _SHOWN_IN_MESSAGE
        tail = f"\n  ... and {more} more" if more > 0 else ""
        files = sorted({e.file for e in self.errors})
        super().__init__(
            f"import rejected, nothing was stored from {', '.join(files)}: "
            f"{len(self.errors)} error(s)\n{shown}{tail}"
        )
