"""The official ``openai`` SDK's Responses client against the emulator: create, stream, the stream
helper, a tool loop with the SDK's own output items, reasoning replay, and the stored-response
endpoints."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from modelwire.testing import FakeServer, Script

from .strict import strict

WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather of a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def test_create(openai_client: openai.OpenAI) -> None:
    response = openai_client.responses.create(model="gpt-5", input="hello there")

    assert response.output_text == "You said: hello there"
    assert response.status == "completed"
    assert response.usage is not None
    assert response.usage.output_tokens == 4
    strict(Response, response.model_dump(mode="json", exclude_unset=True))


def test_stream(openai_client: openai.OpenAI) -> None:
    with openai_client.responses.create(model="gpt-5", input="hello there", stream=True) as events:
        seen = list(events)

    text = "".join(e.delta for e in seen if e.type == "response.output_text.delta")
    assert text == "You said: hello there"
    assert seen[0].type == "response.created"
    assert seen[-1].type == "response.completed"
    for event in seen:
        strict(ResponseStreamEvent, event.model_dump(mode="json", exclude_unset=True))


def test_stream_helper_and_its_final_response(openai_client: openai.OpenAI) -> None:
    with openai_client.responses.stream(model="gpt-5", input="hello there") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(deltas) == final.output_text == "You said: hello there"


def test_tool_loop_sends_the_sdks_own_output_items_back(openai_client: openai.OpenAI) -> None:
    history: Any = [{"role": "user", "content": "use get_weather"}]
    first = openai_client.responses.create(model="gpt-5", input=history, tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]
    history += first.output
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": "sunny"})

    second = openai_client.responses.create(model="gpt-5", input=history, tools=[WEATHER])

    assert json.loads(call.arguments) == {"city": "sample city"}
    assert second.output_text == "The tool get_weather returned: sunny"


def test_tool_loop_with_previous_response_id(openai_client: openai.OpenAI) -> None:
    first = openai_client.responses.create(model="gpt-5", input="use get_weather", tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]

    second = openai_client.responses.create(
        model="gpt-5",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "rain"}],
        tools=[WEATHER],
    )

    assert second.output_text == "The tool get_weather returned: rain"


def test_encrypted_reasoning_is_replayed_without_storage(openai_client: openai.OpenAI) -> None:
    options: Any = {
        "model": "gpt-5",
        "tools": [WEATHER],
        "store": False,
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    }
    history: Any = [{"role": "user", "content": "use get_weather"}]
    with openai_client.responses.stream(input=history, **options) as stream:
        first = stream.get_final_response()
    reasoning, call = first.output
    assert reasoning.type == "reasoning"
    assert reasoning.encrypted_content
    assert reasoning.summary[0].text.startswith("**Reading")
    assert call.type == "function_call"
    history += first.output
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": "sunny"})

    second = openai_client.responses.create(input=history, **options)

    assert second.output_text == "The tool get_weather returned: sunny"


def test_tampered_reasoning_is_a_bad_request(openai_client: openai.OpenAI) -> None:
    first = openai_client.responses.create(
        model="gpt-5",
        input="hi",
        store=False,
        reasoning={"effort": "low"},
        include=["reasoning.encrypted_content"],
    )
    reasoning: Any = first.output[0].model_dump(exclude_unset=True)
    reasoning["encrypted_content"] = "gAAAAAtampered"

    with pytest.raises(openai.BadRequestError) as refused:
        openai_client.responses.create(model="gpt-5", input=[reasoning], store=False)
    assert refused.value.code == "invalid_encrypted_content"


def test_retrieve_input_items_and_delete(openai_client: openai.OpenAI) -> None:
    created = openai_client.responses.create(model="gpt-5", input="keep this")

    retrieved = openai_client.responses.retrieve(created.id)
    items = list(openai_client.responses.input_items.list(created.id))
    openai_client.responses.delete(created.id)

    assert retrieved.id == created.id
    assert retrieved.output_text == "You said: keep this"
    assert [item.type for item in items] == ["message"]
    with pytest.raises(openai.NotFoundError):
        openai_client.responses.retrieve(created.id)


def test_cancel_a_background_response(openai_client: openai.OpenAI) -> None:
    created = openai_client.responses.create(model="gpt-5", input="hi", background=True)
    assert openai_client.responses.cancel(created.id).id == created.id


def test_input_token_count(openai_client: openai.OpenAI) -> None:
    counted = openai_client.responses.input_tokens.count(model="gpt-5", input="one two three")
    assert counted.input_tokens == 3


def test_a_scripted_web_search_and_its_citation(
    fake_server: FakeServer, openai_client: openai.OpenAI
) -> None:
    response = openai_client.responses.create(
        model="gpt-5", input="search for cats", tools=[{"type": "web_search"}]
    )

    search, message = response.output
    assert search.type == "web_search_call"
    assert message.type == "message"
    [content] = message.content
    assert content.type == "output_text"
    assert content.annotations[0].type == "url_citation"


async def test_async_stream_helper(async_openai_client: openai.AsyncOpenAI) -> None:
    async with async_openai_client.responses.stream(model="gpt-5", input="hello there") as stream:
        final = await stream.get_final_response()
    assert final.output_text == "You said: hello there"


def test_a_scripted_refusal(fake_server: FakeServer, openai_client: openai.OpenAI) -> None:
    fake_server.queue("responses", Script.text("I can't help with that.").stopping("refusal"))
    response = openai_client.responses.create(model="gpt-5", input="hi")
    [message] = response.output
    assert message.type == "message"
    assert message.content[0].type == "refusal"
