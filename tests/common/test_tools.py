"""Tool definitions: the description comes from the docstring, and Chat sends ``strict``."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

import modelwire as mw
from modelwire.common.tools import Tool, as_tool

from ..transport.raw_server import CHAT_HELLO, RawServer, sse_response


def get_weather(city: str) -> str:
    """Current weather for a city.

    Returns a one-line summary.
    """
    return city


def undocumented(city: str) -> str:
    return city


class LookUp(BaseModel):
    """Look a word up in the dictionary."""

    word: str


def test_a_function_tool_takes_its_whole_docstring_as_the_description() -> None:
    tool = as_tool(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Current weather for a city.\n\nReturns a one-line summary."


def test_a_function_without_a_docstring_has_an_empty_description() -> None:
    assert as_tool(undocumented).description == ""


def test_a_pydantic_tool_takes_the_model_docstring_as_the_description() -> None:
    tool = as_tool(LookUp)
    assert tool.name == "look_up"
    assert tool.description == "Look a word up in the dictionary."
    assert "description" not in tool.parameters


def test_an_explicit_description_in_a_dict_wins() -> None:
    assert as_tool({"name": "t", "description": "said so"}).description == "said so"


def sent_tools(*tools: Any) -> list[dict[str, Any]]:
    """The ``tools`` of the Chat request body the client really sends."""
    with RawServer([sse_response(CHAT_HELLO)]) as server:
        client = mw.Client("openai", api="chat", api_key="sk-test", base_url=server.url)
        client.create(model="m", input="hi", tools=list(tools))
    [request] = server.requests
    body = request.json()
    assert isinstance(body, dict)
    result: list[dict[str, Any]] = body["tools"]
    return result


@pytest.mark.parametrize("strict", [True, False])
def test_chat_sends_the_strict_flag_of_a_tool_as_given(strict: bool) -> None:
    [tool] = sent_tools(Tool(name="t", strict=strict))
    assert tool["type"] == "function"
    assert tool["function"]["strict"] is strict


def test_chat_sends_no_strict_flag_for_a_tool_that_sets_none() -> None:
    [tool] = sent_tools(Tool(name="t"))
    assert "strict" not in tool["function"]


def test_chat_sends_the_docstring_description_and_the_strict_flag_of_a_dict_tool() -> None:
    first, second = sent_tools(get_weather, {"name": "s", "strict": True})
    assert first["function"]["description"].startswith("Current weather for a city.")
    assert first["function"]["parameters"]["required"] == ["city"]
    assert second["function"] == {
        "name": "s",
        "description": "",
        "parameters": {"type": "object", "properties": {}},
        "strict": True,
    }
