"""What modelwire receives it can send back (issue 13, item 5).

For every output member the schemas know (Responses output items, Messages content blocks, Chat
tool calls), a received payload — the first one in the real-traffic corpus, else one built from the
fields the pinned SDK requires — is decoded as a non-streaming answer, and the items of that
Response go into the next request through the API's request builder. The body must pass both
request-side checks: the generated request model (what `Client` checks before sending) and the
embedded server's schema validation. Every recorded answer of the corpus goes the same way.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest
import yaml

from modelwire.apis import wire_api
from modelwire.bodies import decode_body
from modelwire.common.items import Item, Message
from modelwire.common.prompt import Prompt
from modelwire.testing.apis import EMULATED_APIS
from tests.corpus import harvest, reading

from .support import ROOT, codegen_module

EMULATED = {api.name: api for api in EMULATED_APIS}
UNION = "x-modelwire-union"
REF = "#/components/schemas/"

#: The union of what each API answers with, member by member: (schema document, union name).
RECEIVED_UNIONS = {
    "responses": "OutputItem",
    "messages": "ContentBlock",
    "chat": "ChatCompletionMessageToolCallUnion",
}

#: Members that become no item: nothing of theirs goes back, by design.
NO_ITEM = {
    ("messages", "container_upload"): "a file the caller uploaded, not part of the answer",
    ("messages", "fallback"): "a notice that another model answered; the API does not take it",
}


@cache
def derived(api: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "schemas" / f"{api}.yaml").read_text())
    return document["components"]["schemas"]


@cache
def sdk_shapes(api: str) -> dict[str, Any]:
    """The shapes as the pinned SDK defines them (with the SDK's required fields)."""
    schemas: dict[str, Any] = codegen_module("upstream").raw_document(api)["schemas"]
    return schemas


def members(api: str) -> dict[str, str]:
    """Tag -> the response-side member schema of the API's received union."""
    tags = derived(api)[RECEIVED_UNIONS[api]][UNION]["tags"]
    return {tag: names[0] for tag, names in tags.items()}


# ---------------------------------------------------------------------- received payloads


def _corpus_payloads(api: str) -> dict[str, dict[str, Any]]:
    """The first recorded member of each tag in the corpus's answers (bodies and final events)."""
    found: dict[str, dict[str, Any]] = {}
    for record in harvest.load():
        if record.api != api or not record.success:
            continue
        finals = []
        if record.streaming:
            for frame in reading.frames(record.body):
                if frame.is_json and frame.payload.get("type") == "response.completed":
                    finals.append(frame.payload.get("response") or {})
        else:
            finals.append(json.loads(record.body))
        for final in finals:
            for member in _members_of(api, final):
                tag = member.get("type", "function")
                if isinstance(tag, str):
                    found.setdefault(tag, member)
    return found


def _members_of(api: str, final: dict[str, Any]) -> list[dict[str, Any]]:
    if api == "responses":
        return [i for i in final.get("output") or () if isinstance(i, dict)]
    if api == "messages":
        return [b for b in final.get("content") or () if isinstance(b, dict)]
    calls: list[dict[str, Any]] = []
    for choice in final.get("choices") or ():
        message = choice.get("message") or {}
        calls.extend(c for c in message.get("tool_calls") or () if isinstance(c, dict))
    return calls


@cache
def corpus_payloads(api: str) -> dict[str, dict[str, Any]]:
    return _corpus_payloads(api)


def built(api: str, name: str, depth: int = 0) -> Any:
    """A minimal payload of an SDK shape: its required fields, each with the simplest value."""
    schema = sdk_shapes(api)[name]
    return _value(api, schema, depth)


def _value(api: str, schema: dict[str, Any], depth: int) -> Any:
    if "$ref" in schema:
        return built(api, schema["$ref"].removeprefix(REF), depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o != {"type": "null"}]
        return _value(api, options[0], depth) if options else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        return {
            field: _value(api, schema["properties"][field], depth + 1)
            for field in schema.get("required", ())
        }
    simple = {"string": "x", "integer": 0, "number": 0, "boolean": False, "array": [], "null": None}
    return simple.get(kind, "x")  # type: ignore[arg-type]


def received(api: str, tag: str) -> dict[str, Any]:
    recorded = corpus_payloads(api).get(tag)
    if recorded is not None:
        return copy.deepcopy(recorded)
    payload: dict[str, Any] = built(api, members(api)[tag])
    return payload


# ---------------------------------------------------------------------- answers and requests


#: Output items that answer a call: a replayed conversation holds the call before its output (the
#: API refuses an output whose call it cannot find), and the builder tells the kind of an output by
#: its call.
ANSWERS_A_CALL = {"custom_tool_call_output": "custom_tool_call"}


def answer_body(api: str, member: dict[str, Any]) -> dict[str, Any]:
    """A non-streaming answer that carries one received member."""
    if api == "responses":
        output = [member]
        call_tag = ANSWERS_A_CALL.get(member["type"])
        if call_tag is not None:
            output.insert(0, {**received(api, call_tag), "call_id": member.get("call_id")})
        return {"id": "resp_1", "object": "response", "status": "completed", "output": output}
    if api == "messages":
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-x",
            "content": [member],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    message = {"role": "assistant", "content": None, "tool_calls": [member]}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-x",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }


def next_request(api: str, items: list[Item]) -> dict[str, Any]:
    """The body of the next turn: a user message, then everything received."""
    history: list[Item] = [Message(role="user", content="go on"), *items]
    prompt = Prompt(model="model-x", input=history, max_output_tokens=64)
    return wire_api(api).build_body(prompt, None, stream=False)


def assert_accepted(api: str, body: dict[str, Any]) -> None:
    validate = wire_api(api).validate
    assert validate is not None
    validate(body)  # the generated request model; raises ConfigurationError naming the fields
    refusal = EMULATED[api].validate_schema(body, {}, "req_send_back")
    assert refusal is None, refusal


def sent_members(api: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    if api == "responses":
        return [i for i in body["input"] if isinstance(i, dict)]
    if api == "messages":
        return [
            block
            for turn in body["messages"]
            if isinstance(turn.get("content"), list)
            for block in turn["content"]
        ]
    return [c for m in body["messages"] for c in m.get("tool_calls") or ()]


CASES = [(api, tag) for api in RECEIVED_UNIONS for tag in members(api)]


@pytest.mark.parametrize(("api", "tag"), CASES, ids=[f"{a}-{t}" for a, t in CASES])
def test_every_received_member_goes_back(api: str, tag: str) -> None:
    response = decode_body(api, answer_body(api, received(api, tag)))
    body = next_request(api, response.items)
    assert_accepted(api, body)
    sent = {member.get("type", "function") for member in sent_members(api, body)}
    if (api, tag) in NO_ITEM:
        assert tag not in sent
    else:
        assert tag in sent, f"the received {tag} was not sent back"


def test_the_cases_cover_every_member_the_sdks_know() -> None:
    # The schemas are derived from the SDKs, so their unions are the SDKs' (plus our extras).
    assert {tag for api, tag in CASES if api == "responses"} >= {
        "shell_call",
        "local_shell_call",
        "apply_patch_call",
        "compaction",
        "tool_search_call",
        "computer_call",
    }
    assert {tag for api, tag in CASES if api == "messages"} >= {
        "advisor_tool_result",
        "compaction",
        "mcp_tool_listing",
    }


ANSWERS = [
    r
    for r in harvest.load()
    if not r.streaming and r.success and ((r.request or {}).get("n") or 1) == 1
]


@pytest.mark.parametrize("record", ANSWERS, ids=[r.id for r in ANSWERS])
def test_every_recorded_answer_goes_back(record: harvest.Record) -> None:
    response = decode_body(record.api, record.body)
    assert_accepted(record.api, next_request(record.api, response.items))
