"""Output items of the Responses tools that came after the first hosted ones: shell, local shell,
apply_patch, tool search and programmatic tool calling (``program``).

None of them is a function call (each has its own item and output shape, and goes back to the API
as that item), so, as for ``computer_call``, each becomes a
:class:`~modelwire.common.items.HostedToolCallItem` whose ``native`` is the wire item, announced by
``HostedToolCall`` events. Some of them wait for the caller to run them (the local shell, a patch
to apply, a client-side tool search): then the turn stopped for tool use. The stream mapper and
the body decoder read them here, so a stream and a body of the same answer agree.

The first hosted tools' items (web search, file search, code interpreter, MCP, image generation)
are read here too: :data:`HOSTED_TOOL_IO` gives each one's input and result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from ...common.items import HostedToolCallItem
from ...wire.json import JSONDecodeError, loads

_ITEM_API: Final[Literal["responses"]] = "responses"

#: Output item type -> the tool's common name.
TOOL_ITEM_NAMES: Final[dict[str, str]] = {
    "shell_call": "shell",
    "local_shell_call": "local_shell",
    "apply_patch_call": "apply_patch",
    "tool_search_call": "tool_search",
    "program": "program",
}


def waits_for_caller(item: dict[str, Any]) -> bool:
    """Whether the item is a tool call the caller must run and answer (the turn stopped for it)."""
    item_type = item.get("type")
    if item_type in ("local_shell_call", "apply_patch_call"):
        return True
    if item_type == "shell_call":
        # A shell in an API-hosted container runs on the server; any other shell is the caller's.
        environment = item.get("environment")
        return not (type(environment) is dict and environment.get("type") == "container_reference")
    if item_type == "tool_search_call":
        return item.get("execution") == "client"
    return False


def _object_or_none(value: object) -> dict[str, Any] | None:
    return value if type(value) is dict else None


def _shell_input(item: dict[str, Any]) -> dict[str, Any] | None:
    return _object_or_none(item.get("action"))


def _apply_patch_input(item: dict[str, Any]) -> dict[str, Any] | None:
    return _object_or_none(item.get("operation"))


def _tool_search_input(item: dict[str, Any]) -> dict[str, Any] | None:
    arguments = item.get("arguments")
    if arguments is None:
        return None
    return arguments if type(arguments) is dict else {"arguments": arguments}


def _program_input(item: dict[str, Any]) -> dict[str, Any] | None:
    code = item.get("code")
    return {"code": code} if code is not None else None


#: Output item type -> what the tool was asked to do (``HostedToolCallItem.input``).
_INPUT_OF: Final[dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]]] = {
    "shell_call": _shell_input,
    "local_shell_call": _shell_input,
    "apply_patch_call": _apply_patch_input,
    "tool_search_call": _tool_search_input,
    "program": _program_input,
}


def _str_or_none(value: object) -> str | None:
    return value if type(value) is str and value else None


def tool_item(item: dict[str, Any]) -> HostedToolCallItem:
    """The common item of a finished output item of one of ``TOOL_ITEM_NAMES``; its result comes
    later, in the matching ``*_output`` item (from the server or from the caller)."""
    item_type = item["type"]
    return HostedToolCallItem(
        id=_str_or_none(item.get("id")) or _str_or_none(item.get("call_id")) or "",
        name=TOOL_ITEM_NAMES[item_type],
        status=_str_or_none(item.get("status")) or "completed",
        input=_INPUT_OF[item_type](item),
        api=_ITEM_API,
        native=item,
    )


def _json_or_text(raw: object) -> object:
    """MCP arguments as parsed JSON when they are JSON, else as the text sent."""
    if not isinstance(raw, str) or not raw.strip():
        return raw
    try:
        return loads(raw)
    except JSONDecodeError:
        return raw


HostedToolIO = tuple[dict[str, Any] | None, Any]


def _web_search_io(item: dict[str, Any]) -> HostedToolIO:
    action = item.get("action")
    if not isinstance(action, dict):
        return None, None
    return action, action.get("sources")


def _file_search_io(item: dict[str, Any]) -> HostedToolIO:
    return {"queries": item.get("queries") or []}, item.get("results")


def _code_interpreter_io(item: dict[str, Any]) -> HostedToolIO:
    return {"code": item.get("code"), "container_id": item.get("container_id")}, item.get("outputs")


def _mcp_call_io(item: dict[str, Any]) -> HostedToolIO:
    tool_input = {
        "server_label": item.get("server_label"),
        "name": item.get("name"),
        "arguments": _json_or_text(item.get("arguments")),
    }
    error = item.get("error")
    return tool_input, error if error else item.get("output")


def _mcp_list_tools_io(item: dict[str, Any]) -> HostedToolIO:
    error = item.get("error")
    return {"server_label": item.get("server_label")}, error if error else item.get("tools")


def _image_generation_io(item: dict[str, Any]) -> HostedToolIO:
    revised_prompt = item.get("revised_prompt")
    return ({"revised_prompt": revised_prompt} if revised_prompt else None), item.get("result")


#: Hosted tool item type -> (input, result) read from the finished item (stream and body alike).
HOSTED_TOOL_IO: Final[dict[str, Callable[[dict[str, Any]], HostedToolIO]]] = {
    "web_search_call": _web_search_io,
    "file_search_call": _file_search_io,
    "code_interpreter_call": _code_interpreter_io,
    "mcp_call": _mcp_call_io,
    "mcp_list_tools": _mcp_list_tools_io,
    "image_generation_call": _image_generation_io,
}
