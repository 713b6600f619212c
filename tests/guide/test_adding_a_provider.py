"""docs/adding-a-provider.md, followed step by step: what it tells a reader to write works.

The guide's registration of a toy provider ("localllm", an OpenAI-compatible server reusing the
Chat Completions wire API) is run exactly as the guide prints it, then pointed at the embedded
server's OpenAI-compatible chat route, and text and a tool call are streamed from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import modelwire as mw
from modelwire import services as registry
from modelwire.auth import OutgoingRequest
from modelwire.testing import FakeServer

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "adding-a-provider.md"
WIRE_APIS = ("responses", "chat", "messages")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def block_containing(text: str) -> str:
    [block] = [block for block in python_blocks() if text in block]
    return block


def run_block(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "guide"}
    exec(compile(block_containing(text), str(GUIDE), "exec"), namespace)
    return namespace


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


@pytest.fixture
def localllm(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """The guide's registration, run as printed, with LOCALLLM_BASE_URL at the embedded server."""
    for name in ("LOCALLLM_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCALLLM_BASE_URL", fake_server.base_url("openai"))
    run_block('name="localllm"')
    try:
        yield fake_server
    finally:
        mw.unregister_provider("localllm")


def test_the_registered_provider_streams_text(localllm: FakeServer) -> None:
    with mw.Client("localllm") as client:
        assert client.api == "chat"
        with client.stream(input="hello local model") as stream:
            events = list(stream)
            response = stream.response

    assert response.text == "You said: hello local model"
    assert [e for e in events if isinstance(e, mw.TextDelta)]
    assert isinstance(events[-1], mw.Completed)
    [request] = localllm.requests_to("chat")
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-local"
    assert request.json is not None
    assert request.json["model"] == "llama-3.1-8b-instruct"


def test_the_registered_provider_streams_a_tool_call_and_takes_its_result(
    localllm: FakeServer,
) -> None:
    with mw.Client("localllm") as client:
        with client.stream(input="use get_weather", tools=[get_weather]) as stream:
            started = [e for e in stream if isinstance(e, mw.ToolCallStarted)]
            first = stream.response
        [call] = first.tool_calls
        history = [
            mw.Message(role="user", content="use get_weather"),
            *first.items,
            mw.ToolResult(call_id=call.id, output=get_weather(**call.arguments)),
        ]
        second = client.create(input=history, tools=[get_weather])

    assert [e.name for e in started] == ["get_weather"]
    assert call.name == "get_weather"
    assert second.text == "The tool get_weather returned: sunny in sample city"


def test_an_explicit_api_key_reaches_the_server(localllm: FakeServer) -> None:
    with mw.Client("localllm", api_key="sk-explicit") as client:
        client.create(input="hi")

    assert localllm.requests[-1].headers["authorization"] == "Bearer sk-explicit"


def test_the_provider_refuses_a_wire_api_it_does_not_speak(localllm: FakeServer) -> None:
    with pytest.raises(mw.ConfigurationError, match="does not serve the responses API"):
        mw.Client("localllm", api="responses")


def test_registering_the_same_name_twice_needs_replace(localllm: FakeServer) -> None:
    spec = registry.provider("localllm")

    with pytest.raises(mw.ConfigurationError, match="already registered"):
        mw.register_provider(spec)
    mw.register_provider(spec, replace=True)


def test_the_custom_auth_example_adds_its_header_and_hides_its_key() -> None:
    auth_class = run_block("class ApiKeyHeaderAuth")["ApiKeyHeaderAuth"]
    auth = auth_class("gw-secret")
    request = OutgoingRequest(api="chat", url="https://gw.example/v1", headers={}, body={})

    auth.prepare(request)

    assert request.headers == {"api-key": "gw-secret"}
    assert "gw-secret" not in repr(auth)
    assert set(auth.apis) == {"chat", "responses"}


def test_the_quoted_built_in_registrations_are_the_real_ones() -> None:
    source = " ".join((ROOT / "src/modelwire/services.py").read_text().split())
    quoted = [block for block in python_blocks() if block.startswith("register_provider(")]

    assert len(quoted) == 2
    for block in quoted:
        assert " ".join(block.split()) in source


def test_every_file_the_guide_names_exists_for_each_existing_api() -> None:
    named = set(re.findall(r"`((?:src|tests|schemas|docs|generated)/[^`\s]+)`", GUIDE.read_text()))
    assert len(named) > 15
    for path in sorted(named):
        for api in WIRE_APIS:
            concrete = path.replace("<api>", api).replace("<case>", "plain_text")
            assert (ROOT / concrete).exists(), concrete


def test_the_new_api_steps_list_every_place_that_names_the_wire_apis() -> None:
    """Step 4 lists the hand-written places that enumerate the wire APIs; a new one appearing
    in the code without the guide knowing would make the guide incomplete."""
    guide = GUIDE.read_text()
    pattern = re.compile(r"""["']responses["'],\s*["']chat["'],\s*["']messages["']""")
    for path in sorted((ROOT / "src/modelwire").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if pattern.search(path.read_text()):
            assert relative in guide, relative
