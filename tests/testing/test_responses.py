"""POST /v1/responses: auth, validation, the echo model's answers, replay rules, stream shape."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from modelwire.testing.server import FakeServer

from .helpers import (
    OPENAI_KEY,
    TIME_TOOL_SCHEMA,
    WEATHER_TOOL_SCHEMA,
    check_error,
    check_final,
    openai_headers,
    stream_payloads,
    types_of,
)

WEATHER = {"type": "function", "name": "get_weather", "parameters": WEATHER_TOOL_SCHEMA}
TIME = {"type": "function", "name": "get_time", "parameters": TIME_TOOL_SCHEMA}


def post(
    http: httpx2.Client, server: FakeServer, body: dict[str, Any], **headers: str
) -> httpx2.Response:
    return http.post(
        server.base_url("openai") + "/responses",
        json={"model": "gpt-5", **body},
        headers={**openai_headers(), **headers},
    )


def test_a_real_looking_key_is_accepted(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"input": "hello"})
    assert response.status_code == 200
    check_final("responses", response.json())


def test_a_wrong_key_gets_401_without_echoing_the_key(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = post(http, fake_server, {"input": "hi"}, authorization="Bearer bad-key-0123456xyz")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error"
    assert error["param"] is None
    assert error["message"].startswith("Incorrect API key provided: bad-***xyz.")
    assert "bad-key-0123456xyz" not in response.text
    check_error("responses", response.json())


def test_an_anthropic_key_is_not_an_openai_key(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = post(http, fake_server, {"input": "hi"}, authorization="Bearer sk-ant-api03-abc")
    assert response.status_code == 401


def test_a_missing_key_gets_401(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = http.post(fake_server.base_url("openai") + "/responses", json={"input": "hi"})
    assert response.status_code == 401
    assert "You didn't provide an API key" in response.json()["error"]["message"]


def test_an_explicit_key_set_accepts_only_its_keys(http: httpx2.Client) -> None:
    with FakeServer(api_keys=["sk-only-this-one"]) as server:
        assert post(http, server, {"input": "hi"}).status_code == 401
        accepted = post(http, server, {"input": "hi"}, authorization="Bearer sk-only-this-one")
        assert accepted.status_code == 200


def test_an_invalid_role_names_the_field(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = post(http, fake_server, {"input": [{"role": "bogus", "content": "hi"}]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "input[0].role"
    assert error["message"].startswith("Invalid value for 'input[0].role': 'bogus'.")
    assert error["code"] == "invalid_value"


def test_a_missing_field_names_the_field(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"input": [{"type": "function_call_output", "call_id": "call_1"}]}
    error = post(http, fake_server, body).json()["error"]
    assert error["param"] == "input[0].output"
    assert error["code"] == "missing_required_parameter"


def test_an_unknown_top_level_field_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = post(http, fake_server, {"input": "hi", "temperatur": 1})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Unrecognized request argument supplied: temperatur"
    )


def test_a_wrong_type_names_the_field(fake_server: FakeServer, http: httpx2.Client) -> None:
    error = post(http, fake_server, {"input": "hi", "max_output_tokens": "many"}).json()["error"]
    assert error["param"] == "max_output_tokens"
    assert error["code"] == "invalid_type"


def test_a_body_that_is_not_json_is_refused(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = http.post(
        fake_server.base_url("openai") + "/responses",
        content=b"{not json",
        headers={**openai_headers(), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "could not parse the JSON body" in response.json()["error"]["message"]


def test_the_stream_has_the_real_event_sequence(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    response = post(http, fake_server, {"input": "one two three four five", "stream": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    payloads = stream_payloads("responses", response.content)
    kinds = types_of(payloads)
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[2:4] == ["response.output_item.added", "response.content_part.added"]
    assert kinds.count("response.output_text.delta") >= 3
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    text = "".join(p["delta"] for p in payloads if p["type"] == "response.output_text.delta")
    assert text == "You said: one two three four five"
    completed = payloads[-1]["response"]
    assert completed["output"][0]["content"][0]["text"] == text
    assert completed["usage"]["input_tokens"] == 5
    check_final("responses", completed)


def test_the_non_streaming_body_is_the_final_response(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = post(http, fake_server, {"input": "hi there"}).json()
    assert body["status"] == "completed"
    assert body["output"][0]["content"][0]["text"] == "You said: hi there"
    assert body["usage"] == {
        "input_tokens": 2,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 4,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 6,
    }


def test_rate_limit_headers_and_request_id(fake_server: FakeServer, http: httpx2.Client) -> None:
    first = post(http, fake_server, {"input": "hi"})
    second = post(http, fake_server, {"input": "hi"})
    assert first.headers["x-request-id"].startswith("req_")
    assert first.headers["x-ratelimit-limit-requests"] == "10000"
    assert first.headers["x-ratelimit-remaining-requests"] == "9999"
    assert second.headers["x-ratelimit-remaining-requests"] == "9998"
    for name in ("reset-requests", "limit-tokens", "remaining-tokens", "reset-tokens"):
        assert f"x-ratelimit-{name}" in first.headers


def test_use_tool_calls_it_with_arguments_from_its_schema(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"input": "Please use get_weather", "tools": [WEATHER, TIME], "stream": True}
    payloads = stream_payloads("responses", post(http, fake_server, body).content)
    done = [p["item"] for p in payloads if p["type"] == "response.output_item.done"]
    assert [item["type"] for item in done] == ["function_call"]
    assert done[0]["name"] == "get_weather"
    assert json.loads(done[0]["arguments"]) == {
        "city": "sample city",
        "days": 1,
        "unit": "celsius",
    }
    deltas = [p for p in payloads if p["type"] == "response.function_call_arguments.delta"]
    assert "".join(p["delta"] for p in deltas) == done[0]["arguments"]


def test_use_a_and_b_makes_parallel_calls(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"input": "use get_time and get_weather", "tools": [WEATHER, TIME]}
    output = post(http, fake_server, body).json()["output"]
    assert [item["name"] for item in output] == ["get_time", "get_weather"]
    assert len({item["call_id"] for item in output}) == 2


def test_parallel_tool_calls_false_calls_one(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {
        "input": "use get_time and get_weather",
        "tools": [WEATHER, TIME],
        "parallel_tool_calls": False,
    }
    assert len(post(http, fake_server, body).json()["output"]) == 1


def test_a_tool_result_round_trip_quotes_the_output(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    first = post(http, fake_server, {"input": "use get_time", "tools": [TIME], "store": False})
    call = first.json()["output"][0]
    history = [
        {"role": "user", "content": "use get_time"},
        {k: call[k] for k in ("type", "call_id", "name", "arguments")},
        {"type": "function_call_output", "call_id": call["call_id"], "output": "12:00"},
    ]
    second = post(http, fake_server, {"input": history, "tools": [TIME]})
    assert second.status_code == 200, second.text
    text = second.json()["output"][0]["content"][0]["text"]
    assert text == "The tool get_time returned: 12:00"


def test_an_output_for_an_unknown_call_is_refused(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    history = [
        {"role": "user", "content": "hi"},
        {"type": "function_call_output", "call_id": "call_nobody", "output": "x"},
    ]
    response = post(http, fake_server, {"input": history})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "No tool call found for function call output with call_id call_nobody."
    )


def test_reasoning_summary_and_encrypted_content(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {
        "input": "think about it",
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "stream": True,
    }
    payloads = stream_payloads("responses", post(http, fake_server, body).content)
    kinds = types_of(payloads)
    assert kinds[2:5] == [
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
    ]
    assert kinds.count("response.reasoning_summary_part.done") == 2
    reasoning = next(
        p["item"]
        for p in payloads
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "reasoning"
    )
    assert reasoning["encrypted_content"].startswith("gAAAAA")
    assert len(reasoning["summary"]) == 2
    usage = payloads[-1]["response"]["usage"]
    assert usage["output_tokens_details"]["reasoning_tokens"] > 0


def test_reasoning_without_a_summary_has_no_summary_events(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"input": "hi", "reasoning": {"effort": "low"}, "stream": True}
    kinds = types_of(stream_payloads("responses", post(http, fake_server, body).content))
    assert "response.reasoning_summary_part.added" not in kinds
    assert kinds[2] == "response.output_item.added"


def test_encrypted_reasoning_round_trip_and_tampering(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body: dict[str, Any] = {
        "input": "use get_time",
        "tools": [TIME],
        "reasoning": {"effort": "low"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
    }
    output = post(http, fake_server, body).json()["output"]
    reasoning, call = output
    history = [
        {"role": "user", "content": "use get_time"},
        {k: reasoning[k] for k in ("type", "id", "summary", "encrypted_content")},
        {k: call[k] for k in ("type", "call_id", "name", "arguments")},
        {"type": "function_call_output", "call_id": call["call_id"], "output": "noon"},
    ]
    accepted = post(http, fake_server, {**body, "input": history})
    assert accepted.status_code == 200, accepted.text

    history[1] = {
        **history[1],
        "encrypted_content": reasoning["encrypted_content"][:-8] + "AAAAAAAA",
    }
    refused = post(http, fake_server, {**body, "input": history})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_encrypted_content"


def test_unstored_reasoning_without_encrypted_content_is_not_found(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    history = [
        {"role": "user", "content": "hi"},
        {"type": "reasoning", "id": "rs_unknown", "summary": []},
    ]
    response = post(http, fake_server, {"input": history, "store": False})
    assert response.status_code == 404
    assert "Items are not persisted when `store` is set to false" in response.text


def test_previous_response_id_continues_a_stored_conversation(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    first = post(http, fake_server, {"input": "use get_time", "tools": [TIME]}).json()
    call_id = first["output"][0]["call_id"]
    follow_up = {
        "previous_response_id": first["id"],
        "input": [{"type": "function_call_output", "call_id": call_id, "output": "noon"}],
        "tools": [TIME],
    }
    second = post(http, fake_server, follow_up)
    assert second.status_code == 200, second.text
    missing = post(http, fake_server, {"previous_response_id": "resp_nope", "input": "hi"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "previous_response_not_found"


def test_structured_output_follows_the_schema(fake_server: FakeServer, http: httpx2.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    text_format = {"type": "json_schema", "name": "person", "schema": schema, "strict": True}
    body = post(http, fake_server, {"input": "who?", "text": {"format": text_format}}).json()
    assert json.loads(body["output"][0]["content"][0]["text"]) == {
        "name": "sample name",
        "age": 1,
    }


def test_json_mode_requires_the_word_json(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"input": "hello", "text": {"format": {"type": "json_object"}}}
    assert post(http, fake_server, body).status_code == 400
    body["input"] = "answer in json"
    assert json.loads(post(http, fake_server, body).json()["output"][0]["content"][0]["text"])


def test_web_search_is_a_hosted_call_then_cited_text(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    body = {"input": "search for modelwire", "tools": [{"type": "web_search"}], "stream": True}
    payloads = stream_payloads("responses", post(http, fake_server, body).content)
    kinds = types_of(payloads)
    assert kinds[2:7] == [
        "response.output_item.added",
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
        "response.output_item.done",
    ]
    assert "response.output_text.annotation.added" in kinds
    message = payloads[-1]["response"]["output"][1]
    assert message["content"][0]["annotations"][0]["type"] == "url_citation"


def test_max_output_tokens_cuts_the_answer(fake_server: FakeServer, http: httpx2.Client) -> None:
    body = {"input": "one two three four five six", "max_output_tokens": 3, "stream": True}
    payloads = stream_payloads("responses", post(http, fake_server, body).content)
    final = payloads[-1]
    assert final["type"] == "response.incomplete"
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["response"]["output"][0]["content"][0]["text"] == "You said: one"


def test_obfuscation_can_be_turned_off(fake_server: FakeServer, http: httpx2.Client) -> None:
    body: dict[str, Any] = {"input": "hi there", "stream": True}
    deltas = [
        p
        for p in stream_payloads("responses", post(http, fake_server, body).content)
        if p["type"] == "response.output_text.delta"
    ]
    assert all("obfuscation" in p for p in deltas)
    body["stream_options"] = {"include_obfuscation": False}
    deltas = [
        p
        for p in stream_payloads("responses", post(http, fake_server, body).content)
        if p["type"] == "response.output_text.delta"
    ]
    assert not any("obfuscation" in p for p in deltas)


def test_the_key_is_recorded_raw_but_shown_redacted(
    fake_server: FakeServer, http: httpx2.Client
) -> None:
    post(http, fake_server, {"input": "hi"})
    [request] = fake_server.requests
    assert request.headers["Authorization"] == f"Bearer {OPENAI_KEY}"
    assert OPENAI_KEY not in repr(request)
    assert OPENAI_KEY not in str(request.redacted_headers())
    assert request.json["input"] == "hi"
    assert request.route == "responses"
    assert request.status == 200
