"""Conversation items: what a Response produced and what the next request sends back.

Items are provider-neutral, but each output item keeps the exact wire JSON it came from
(``native``) and the API that produced it (``api``), so sending it back to the same API reproduces
the original block byte for byte (thinking signatures, encrypted reasoning, server tool blocks),
while another API gets a faithful conversion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .arguments import parse_tool_arguments

Role: TypeAlias = Literal["user", "assistant", "system", "developer"]
#: The built-in wire APIs (a runtime-registered API uses its own name).
ApiName: TypeAlias = Literal["responses", "chat", "messages"]


@dataclass(slots=True)
class TextPart:
    """Text in a message. ``annotations`` holds the API's citations/annotations as sent."""

    text: str
    annotations: list[dict[str, Any]] = field(default_factory=list)
    type: Literal["text"] = "text"


@dataclass(slots=True)
class RefusalPart:
    """The model declined; the text explains why."""

    refusal: str
    type: Literal["refusal"] = "refusal"


@dataclass(slots=True)
class ImagePart:
    """An image given by URL (``https:`` or ``data:``) or by base64 bytes with a media type."""

    url: str | None = None
    data: str | None = None
    media_type: str | None = None
    detail: Literal["auto", "low", "high"] | None = None
    type: Literal["image"] = "image"


ContentPart: TypeAlias = TextPart | RefusalPart | ImagePart


@dataclass(slots=True)
class Message:
    """A message of any role. ``content`` is plain text or a list of parts."""

    role: Role
    content: str | list[ContentPart]
    id: str | None = None
    api: ApiName | None = None
    native: dict[str, Any] | None = None
    type: Literal["message"] = "message"

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content if isinstance(part, TextPart))


@dataclass(slots=True)
class Reasoning:
    """Reasoning or thinking the model produced.

    Responses: ``summary`` parts, ``content`` (reasoning text) and ``encrypted_content``.
    Messages: ``content`` holds the thinking text with its ``signature``; a redacted_thinking
    block keeps its opaque ``redacted_data``. Chat: ``content`` from ``reasoning_content``.
    """

    summary: list[str] = field(default_factory=list)
    content: str = ""
    signature: str | None = None
    encrypted_content: str | None = None
    redacted_data: str | None = None
    id: str | None = None
    api: ApiName | None = None
    native: dict[str, Any] | None = None
    type: Literal["reasoning"] = "reasoning"

    @property
    def text(self) -> str:
        """Everything readable: the summaries, then the reasoning text."""
        return "\n\n".join(part for part in (*self.summary, self.content) if part)

    @property
    def is_signed(self) -> bool:
        """Whether the API can verify this block when sent back (unsigned ones are dropped)."""
        return bool(self.signature or self.encrypted_content or self.redacted_data)


@dataclass(slots=True)
class ToolCall:
    """A call the model asks the caller to run.

    ``arguments`` is the parsed JSON object; when the model produced invalid JSON it is empty,
    ``arguments_error`` says why, and ``raw_arguments`` keeps the text as sent. A call decoded
    from a whole body (:func:`unparsed_tool_call`) parses ``raw_arguments`` the first time
    either field is read, once.
    """

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    raw_arguments: str = ""
    arguments_error: str | None = None
    kind: Literal["function", "custom"] = "function"
    item_id: str | None = None
    api: ApiName | None = None
    native: dict[str, Any] | None = None
    type: Literal["tool_call"] = "tool_call"

    if not TYPE_CHECKING:  # hidden from mypy, which would accept any attribute name otherwise

        def __getattr__(self, name: str) -> Any:
            # Only reached for an unset slot, and only these two are ever left unset.
            if name not in {"arguments", "arguments_error"}:
                raise AttributeError(f"'ToolCall' object has no attribute {name!r}")
            parsed = parse_tool_arguments(self.raw_arguments)
            self.arguments, self.arguments_error = parsed
            return parsed[0] if name == "arguments" else parsed[1]


_new = object.__new__


def unparsed_tool_call(
    id: str,
    name: str,
    raw_arguments: str,
    api: ApiName,
    native: dict[str, Any],
    item_id: str | None = None,
) -> ToolCall:
    """A function call decoded from a whole body, its ``raw_arguments`` parsed on first read.

    A body of 200 calls is mostly read for its text; parsing every call's arguments up front
    was a third of decoding it (the official SDKs leave the text as it came). The two parsed
    fields stay unset until ToolCall's ``__getattr__`` fills them.
    """
    call: ToolCall = _new(ToolCall)
    call.id = id
    call.name = name
    call.raw_arguments = raw_arguments
    call.kind = "function"
    call.item_id = item_id
    call.api = api
    call.native = native
    call.type = "tool_call"
    return call


@dataclass(slots=True)
class ToolResult:
    """The caller's answer to a ToolCall, sent in the next request."""

    call_id: str
    output: str | list[ContentPart]
    is_error: bool = False
    name: str | None = None
    type: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class HostedToolCallItem:
    """A tool the API ran itself (web search, file search, code interpreter, MCP, server tools).

    ``name`` is the tool (``web_search``, ``file_search``, ``code_interpreter``, ``mcp``, or a
    Messages server tool name); ``native`` is the wire item or block, replayed as-is to the
    same API.
    """

    id: str
    name: str
    status: str | None = None
    input: dict[str, Any] | None = None
    result: Any = None
    api: ApiName | None = None
    native: dict[str, Any] | None = None
    type: Literal["hosted_tool_call"] = "hosted_tool_call"


Item: TypeAlias = Message | Reasoning | ToolCall | ToolResult | HostedToolCallItem
