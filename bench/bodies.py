"""The non-streaming path: a whole JSON body -> ``modelwire.bodies.decode_body`` (a Response), next
to each official SDK turning the same bytes into its own response object.

The SDK baseline is the path the SDKs take by default: ``APIResponse._parse`` calls
``response.json()`` (``json.loads`` of the body) and hands the result to the client's
``_process_response_data``, which *constructs* the model (``construct_type``, no validation)
unless the client was made with ``_strict_response_validation=True``. That whole call, on a real
client and an ``httpx2.Response`` holding the bytes, is what is timed (``default``). Two more
lines are reported: the strict path (the same call on a client made with
``_strict_response_validation=True``: ``json.loads`` + ``validate_type``) and
``model_validate_json`` of the bytes (pydantic-core parsing and validating in one pass).

For each API, a small body (one short answer) and a large one (long text, reasoning, 200 tool
calls: some hundreds of kilobytes). ``decode_body`` builds the whole Response (text, reasoning,
tool calls, usage, items); a call's arguments are parsed when first read and its ``native`` model
validated only when asked for, as on the stream path. ``decode_body`` followed by reading every
call's arguments is timed beside it. All sides are timed in interleaved batches so that they meet
the same load on a shared machine; the fastest batch of each counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from modelwire.bodies import decode_body

CREATED = 1767225600


def _batch_size(work: Callable[[], Any]) -> int:
    """Calls per timed batch: enough for a batch to last a few milliseconds."""
    work()  # warm up: imports, caches
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            work()
        if time.perf_counter() - start > 0.005:
            return count
        count *= 2


def side_by_side(*works: Callable[[], Any], budget: float) -> list[float]:
    """Seconds per call of each: the fastest batch of each, batches interleaved."""
    counts = [_batch_size(work) for work in works]
    best = [float("inf")] * len(works)
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or best[-1] == float("inf"):
        for side, (work, count) in enumerate(zip(works, counts, strict=True)):
            start = time.perf_counter()
            for _ in range(count):
                work()
            best[side] = min(best[side], (time.perf_counter() - start) / count)
    return best


# ---------------------------------------------------------------------- bodies


def _sentence(i: int) -> str:
    return f"Sentence {i} of the answer says something about the weather in city number {i}. "


def responses_body(paragraphs: int, calls: int) -> dict[str, Any]:
    text = "".join(_sentence(i) for i in range(paragraphs))
    summaries = [
        {"type": "summary_text", "text": f"**Step {i}**\n\n" + _sentence(i) * 4}
        for i in range(max(1, paragraphs // 40))
    ]
    annotations = [
        {
            "type": "url_citation",
            "start_index": i,
            "end_index": i + 10,
            "title": f"Source {i}",
            "url": f"https://example.org/{i}",
        }
        for i in range(min(50, paragraphs))
    ]
    output: list[dict[str, Any]] = [
        {
            "id": "rs_1",
            "type": "reasoning",
            "encrypted_content": "gAAAAAB" + "x" * 400,
            "summary": summaries,
        },
        {
            "id": "msg_1",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}
            ],
        },
    ]
    output += [
        {
            "id": f"fc_{i}",
            "type": "function_call",
            "status": "completed",
            "call_id": f"call_{i}",
            "name": "get_weather",
            "arguments": json.dumps({"city": f"City {i}", "days": i, "units": "metric"}),
        }
        for i in range(calls)
    ]
    return {
        "id": "resp_measure",
        "object": "response",
        "created_at": CREATED,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-5-2025-08-07",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": "detailed"},
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 1200,
            "input_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 0},
            "output_tokens": 900,
            "output_tokens_details": {"reasoning_tokens": 300},
            "total_tokens": 2100,
        },
        "metadata": {},
    }


def chat_body(paragraphs: int, calls: int) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(_sentence(i) for i in range(paragraphs)),
        "refusal": None,
        "annotations": [],
    }
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "arguments": json.dumps({"city": f"City {i}", "days": i, "units": "metric"}),
                },
            }
            for i in range(calls)
        ]
    return {
        "id": "chatcmpl-measure",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 1200,
            "completion_tokens": 900,
            "total_tokens": 2100,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_measure",
    }


def messages_body(paragraphs: int, calls: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = [
        {
            "type": "thinking",
            "thinking": "".join(_sentence(i) for i in range(max(1, paragraphs // 10))),
            "signature": "EqQBCgIYAhIM" + "s" * 300,
        }
    ]
    per_block = max(1, paragraphs // 10)
    for block in range(10 if paragraphs >= 10 else 1):
        content.append(
            {
                "type": "text",
                "text": "".join(_sentence(block * per_block + i) for i in range(per_block)),
                "citations": None,
            }
        )
    content += [
        {
            "type": "tool_use",
            "id": f"toolu_{i:024d}",
            "name": "get_weather",
            "input": {"city": f"City {i}", "days": i, "units": "metric"},
        }
        for i in range(calls)
    ]
    return {
        "id": "msg_measure",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": "tool_use" if calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 176,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1024,
            "output_tokens": 900,
        },
    }


# ---------------------------------------------------------------------- SDK parsers

SDK_KINDS = ("default", "strict", "model_validate_json")


def _sdk_parsers(api: str, body: bytes) -> dict[str, Callable[[], Any]]:
    """The SDK's ways from ``body`` to its response object, by kind (see the module docstring)."""
    import anthropic
    import httpx2
    import openai
    from anthropic.types import Message
    from openai.types.chat import ChatCompletion
    from openai.types.responses import Response

    model: Any = {"responses": Response, "chat": ChatCompletion, "messages": Message}[api]
    sdk: Any = anthropic.Anthropic if api == "messages" else openai.OpenAI
    response = httpx2.Response(
        200,
        headers={"content-type": "application/json"},
        content=body,
        request=httpx2.Request("POST", "http://127.0.0.1/v1/bench"),
    )

    def process(client: Any) -> Callable[[], Any]:
        step = client._process_response_data
        return lambda: step(data=response.json(), cast_to=model, response=response)

    return {
        "default": process(sdk(api_key="bench", base_url="http://127.0.0.1/v1")),
        "strict": process(
            sdk(api_key="bench", base_url="http://127.0.0.1/v1", _strict_response_validation=True)
        ),
        "model_validate_json": lambda: model.model_validate_json(body),
    }


BODIES: dict[str, Callable[[int, int], dict[str, Any]]] = {
    "responses": responses_body,
    "chat": chat_body,
    "messages": messages_body,
}

#: (label, paragraphs of text, tool calls)
SIZES = (("small", 1, 0), ("large", 3000, 200))


def _with_arguments_read(api: str, body: bytes) -> list[Any]:
    """decode_body, then every call's arguments read (parsed on first read): what a caller that
    runs every call pays, which the SDKs' path leaves to the caller."""
    return [call.arguments for call in decode_body(api, body).tool_calls]  # type: ignore[arg-type]


def measure(budget: float = 2.0) -> list[dict[str, Any]]:
    """One row per API and body size: bytes, µs per call of modelwire and of each SDK kind, and
    SDK time / modelwire time for each kind (``ratio_<kind>``)."""
    rows: list[dict[str, Any]] = []
    for api, make in BODIES.items():
        for label, paragraphs, calls in SIZES:
            body = json.dumps(make(paragraphs, calls)).encode()
            parsers = _sdk_parsers(api, body)
            ours = decode_body(api, body)  # type: ignore[arg-type]
            for kind in SDK_KINDS:
                theirs = parsers[kind]()
                if ours.id != theirs.id:
                    raise AssertionError(
                        f"{api}: decode_body read id {ours.id!r}, SDK ({kind}) {theirs.id!r}"
                    )
            seconds = side_by_side(
                lambda b=body, a=api: decode_body(a, b),  # type: ignore[misc]
                lambda b=body, a=api: _with_arguments_read(a, b),  # type: ignore[misc]
                *(parsers[kind] for kind in SDK_KINDS),
                budget=budget,
            )
            row: dict[str, Any] = {
                "api": api,
                "body": label,
                "bytes": len(body),
                "modelwire_us": seconds[0] * 1e6,
                "modelwire_read_us": seconds[1] * 1e6,
                "ratio_default_read": seconds[2] / seconds[1],
            }
            for kind, sdk_s in zip(SDK_KINDS, seconds[2:], strict=True):
                row[f"sdk_{kind}_us"] = sdk_s * 1e6
                row[f"ratio_{kind}"] = sdk_s / seconds[0]
            rows.append(row)
    return rows
