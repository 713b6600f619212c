"""TextBuffer: text assembled from many small fragments at a cost of its characters, not of one
object per fragment (a 100k-delta stream would otherwise hold 100k string objects)."""

from __future__ import annotations

# Fragments are joined into one block every this many appends.
BLOCK = 256


class TextBuffer:
    __slots__ = ("_blocks", "parts")

    def __init__(self) -> None:
        self._blocks: list[str] = []
        #: The fragments not yet joined: a hot loop may append to it itself (a C call instead of
        #: a Python one), calling :meth:`compact` once it holds ``BLOCK`` fragments.
        self.parts: list[str] = []

    def append(self, fragment: str) -> None:
        parts = self.parts
        parts.append(fragment)
        if len(parts) >= BLOCK:
            self._blocks.append("".join(parts))
            parts.clear()

    def compact(self) -> None:
        """Join the pending fragments into one block."""
        if self.parts:
            self._blocks.append("".join(self.parts))
            self.parts.clear()

    def getvalue(self) -> str:
        self.compact()
        if len(self._blocks) > 1:
            self._blocks[:] = ["".join(self._blocks)]
        return self._blocks[0] if self._blocks else ""

    def __bool__(self) -> bool:
        # Empty fragments do not count: "" appended is still no text.
        return any(self.parts) or any(self._blocks)
