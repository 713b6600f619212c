"""Token usage, normalized across the three APIs, with the provider's own object one step away."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .native import validate_as

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(slots=True)
class Usage:
    """Token counts. ``None`` means the API did not report that figure.

    ``input_tokens`` counts every prompt token including cached ones (Messages reports cache
    reads and writes apart from ``input_tokens``; they are added in here), ``cached_input_tokens``
    the part served from the prompt cache, ``reasoning_tokens`` the part of ``output_tokens``
    spent on reasoning.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    reasoning_tokens: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    api: str | None = field(default=None, repr=False, compare=False)
    schema: str | None = field(default=None, repr=False, compare=False)

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def native(self) -> BaseModel | dict[str, Any]:
        """The provider's usage object as its generated model (the raw dict if none is known)."""
        if self.api is None or self.schema is None:
            return self.raw
        return validate_as(self.api, self.schema, self.raw)
