"""The collected result of one model response, the same shape for every API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, cast

from typing_extensions import TypeVar

from .items import Item, ToolCall
from .native import validate_as
from .usage import Usage

if TYPE_CHECKING:
    from pydantic import BaseModel

#: The type of ``Response.parsed``: what ``output_type`` asked for. A call without one returns
#: ``Response[None]``; the bare annotation ``Response`` takes any (``Response[Any]``).
ParsedT = TypeVar("ParsedT", default=Any)

StopReason: TypeAlias = Literal[
    "end_turn", "tool_use", "max_tokens", "content_filter", "refusal", "pause", "error", "other"
]


@dataclass(slots=True)
class Response(Generic[ParsedT]):
    """What a stream produced, collected.

    ``text`` is all assistant output text in order, ``reasoning`` all reasoning/thinking text,
    ``items`` the finished output items (send them back as history), ``native`` the API's own final
    object as its generated model. ``complete`` is False for the partial Response an error carries.
    ``parsed`` is the text validated as the call's ``output_type`` (``Response[City]``); None
    without one.
    """

    id: str | None = None
    model: str | None = None
    api: str | None = None
    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: StopReason | None = None
    native_stop_reason: str | None = None
    items: list[Item] = field(default_factory=list)
    complete: bool = False
    final: dict[str, Any] | None = field(default=None, repr=False)
    final_schema: str | None = field(default=None, repr=False)
    parsed: ParsedT = field(default=cast(Any, None))

    @property
    def native(self) -> BaseModel | None:
        """The final object as the API's generated model (None before the stream completed)."""
        if self.final is None or self.final_schema is None or self.api is None:
            return None
        return validate_as(self.api, self.final_schema, self.final)
