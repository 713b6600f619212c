"""Content blocks of the Messages beta features that carry no text or tool call of their own:
``compaction`` (the API's summary of the earlier conversation, which must go back in the next
request in place of what it summarises) and ``mcp_tool_listing`` (the tools an MCP server offered).

Each becomes a :class:`~modelwire.common.items.HostedToolCallItem` whose ``native`` is the block
as the API takes it back; the stream mapper and the body decoder read them here, so a stream and a
body of the same answer agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from ...common.items import HostedToolCallItem

_ITEM_API: Final[Literal["messages"]] = "messages"

#: Result blocks of beta server tools (``tool_use_id`` names the ``server_tool_use`` call).
BETA_RESULT_BLOCKS: Final = ("advisor_tool_result",)

#: Known blocks with no common meaning and nothing to send back (a model fallback notice).
BETA_OPAQUE_BLOCKS: Final = ("fallback",)


def compaction_item(block: dict[str, Any]) -> HostedToolCallItem:
    content = block.get("content")
    return HostedToolCallItem(
        id="",
        name="compaction",
        status="completed",
        result=content if type(content) is str else None,
        api=_ITEM_API,
        native=block,
    )


def mcp_tool_listing_item(block: dict[str, Any]) -> HostedToolCallItem:
    server = block.get("mcp_server_name")
    return HostedToolCallItem(
        id="",
        name="mcp_tool_listing",
        status="completed",
        input={"mcp_server_name": server} if type(server) is str else None,
        result=block.get("tools"),
        api=_ITEM_API,
        native=block,
    )


#: Block type -> its common item.
BETA_ITEM_BLOCKS: Final[dict[str, Callable[[dict[str, Any]], HostedToolCallItem]]] = {
    "compaction": compaction_item,
    "mcp_tool_listing": mcp_tool_listing_item,
}
