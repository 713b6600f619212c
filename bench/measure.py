"""The measured loops: modelwire, the official SDKs, and a bare split-lines + json.loads loop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
import orjson

import modelwire as mw


def best_of(runs: int, work: Callable[..., Any], *args: Any) -> float:
    """The fastest of ``runs`` timings of ``work(*args)``, in seconds (the least disturbed)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work(*args)
        best = min(best, time.perf_counter() - start)
    return best


def bare_loop(chunks: list[bytes]) -> int:
    """What any SSE consumer must at least do: split lines, parse each data line as JSON."""
    buffer = b""
    count = 0
    for chunk in chunks:
        buffer += chunk
        lines = buffer.split(b"\n")
        buffer = lines.pop()
        for line in lines:
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                json.loads(line[6:])
                count += 1
    return count


def orjson_loop(chunks: list[bytes]) -> int:
    """The floor: the bare loop with orjson (modelwire's JSON parser) instead of json.loads."""
    buffer = b""
    count = 0
    loads = orjson.loads
    for chunk in chunks:
        buffer += chunk
        lines = buffer.split(b"\n")
        buffer = lines.pop()
        for line in lines:
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                loads(line[6:])
                count += 1
    return count


def modelwire_decode(api: str, chunks: list[bytes]) -> int:
    count = 0
    for _ in mw.decode(api, chunks):  # type: ignore[arg-type]
        count += 1
    return count


def modelwire_collect(api: str, chunks: list[bytes]) -> mw.Response:
    return mw.collect(mw.decode(api, chunks))  # type: ignore[arg-type]


def _transport(chunks: list[bytes]) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=iter(chunks)
        )

    return httpx2.MockTransport(handler)


def openai_client(chunks: list[bytes]) -> Any:
    import openai

    return openai.OpenAI(
        api_key="sk-bench",
        base_url="http://bench.invalid/v1",
        http_client=httpx2.Client(transport=_transport(chunks)),
        max_retries=0,
    )


def anthropic_client(chunks: list[bytes]) -> Any:
    import anthropic

    return anthropic.Anthropic(
        api_key="sk-ant-bench",
        base_url="http://bench.invalid",
        http_client=httpx2.Client(transport=_transport(chunks)),
        max_retries=0,
    )


def sdk_raw(api: str, client: Any) -> int:
    """Iterate the official SDK's own stream of typed events."""
    count = 0
    if api == "responses":
        stream = client.responses.create(model="gpt-5.1", input="x", stream=True)
    elif api == "chat":
        stream = client.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "x"}], stream=True
        )
    else:
        stream = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            messages=[{"role": "user", "content": "x"}],
            stream=True,
        )
    for _ in stream:
        count += 1
    return count


def sdk_accumulate(api: str, client: Any) -> Any:
    """The official SDK's accumulating helper, iterated to the end, then its final object."""
    if api == "responses":
        with client.responses.stream(model="gpt-5.1", input="x") as stream:
            for _ in stream:
                pass
            return stream.get_final_response()
    if api == "chat":
        with client.chat.completions.stream(
            model="gpt-5.1", messages=[{"role": "user", "content": "x"}]
        ) as stream:
            for _ in stream:
                pass
            return stream.get_final_completion()
    with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=1024, messages=[{"role": "user", "content": "x"}]
    ) as stream:
        for _ in stream:
            pass
        return stream.get_final_message()
