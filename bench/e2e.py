"""End to end over loopback HTTP: the same canned body served by the embedded server, read through
modelwire's Client.stream and through the official SDKs' streaming calls."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import modelwire as mw
from modelwire.testing import FakeServer, Script

from . import streams
from .targets import Targets

PROVIDER = {"responses": "openai", "chat": "openai", "messages": "anthropic"}
KEY = {"openai": "sk-bench", "anthropic": "sk-ant-bench"}


def _modelwire(server: FakeServer, api: str) -> int:
    provider = PROVIDER[api]
    client = mw.Client(
        provider,
        api,  # type: ignore[arg-type]
        api_key=KEY[provider],
        base_url=server.base_url(provider),  # type: ignore[arg-type]
        max_retries=0,
    )
    count = 0
    with client, client.stream(model="bench", input="x") as stream:
        for _ in stream:
            count += 1
    return count


#: The request each API's stream answers, for the transport floor (the server answers any body).
_PATHS = {"responses": "/responses", "chat": "/chat/completions", "messages": "/v1/messages"}


def _transport(server: FakeServer, api: str) -> int:
    """The floor: httpx2 alone reading the same answer chunk by chunk, nothing decoded."""
    import httpx2

    provider = PROVIDER[api]
    headers = (
        {"x-api-key": KEY[provider], "anthropic-version": "2023-06-01"}
        if provider == "anthropic"
        else {"authorization": f"Bearer {KEY[provider]}"}
    )
    body: dict[str, Any] = {"model": "bench", "stream": True}
    if api == "responses":
        body["input"] = "x"
    else:
        body["messages"] = [{"role": "user", "content": "x"}]
    if api == "messages":
        body["max_tokens"] = 1024
    count = 0
    url = f"{server.base_url(provider)}{_PATHS[api]}"
    with httpx2.Client() as http, http.stream("POST", url, headers=headers, json=body) as answer:
        answer.raise_for_status()
        for _ in answer.iter_bytes():
            count += 1
    return count


def _official(server: FakeServer, api: str) -> int:
    count = 0
    if PROVIDER[api] == "openai":
        import openai

        openai_client = openai.OpenAI(
            api_key=KEY["openai"], base_url=server.base_url("openai"), max_retries=0
        )
        with openai_client:
            if api == "responses":
                stream: Any = openai_client.responses.create(model="bench", input="x", stream=True)
            else:
                stream = openai_client.chat.completions.create(
                    model="bench", messages=[{"role": "user", "content": "x"}], stream=True
                )
            for _ in stream:
                count += 1
        return count
    import anthropic

    anthropic_client = anthropic.Anthropic(
        api_key=KEY["anthropic"], base_url=server.base_url("anthropic"), max_retries=0
    )
    with anthropic_client:
        for _ in anthropic_client.messages.create(
            model="bench",
            max_tokens=1024,
            messages=[{"role": "user", "content": "x"}],
            stream=True,
        ):
            count += 1
    return count


def _serve(n: int, ports: Any, stop: Any) -> None:
    """In a child process, so the server does not share the readers' interpreter lock."""
    with FakeServer() as server:
        for api in streams.BODIES:
            server.always(api, Script.sse(streams.BODIES[api]["text"](n)))  # type: ignore[arg-type]
        ports.put(server.port)
        stop.wait(600)


class _Remote:
    """Addresses of the embedded server running in the child process."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def base_url(self, provider: str) -> str:
        return f"{self.url}/v1" if provider == "openai" else self.url


def run(targets: Targets, n: int, *, quick: bool = False) -> None:
    print("\n## End to end over loopback HTTP (embedded server, same body), events/s\n")
    print(
        "| api | events | modelwire events/s | SDK events/s | wall ratio "
        "| httpx2 alone CPU µs/chunk | modelwire CPU µs/event | SDK CPU µs/event | CPU ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    context = multiprocessing.get_context("spawn")
    ports, stop = context.Queue(), context.Event()
    child = context.Process(target=_serve, args=(n, ports, stop), daemon=True)
    child.start()
    try:
        server: Any = _Remote(ports.get(timeout=60))
        for api in streams.BODIES:
            timings = {}
            readers = (("transport", _transport), ("modelwire", _modelwire), ("sdk", _official))
            for name, reader in readers:
                reader(server, api)  # warm up: imports and first-call costs are not per event
                best = best_cpu = float("inf")
                for _ in range(1 if quick else 3):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    events = reader(server, api)
                    best = min(best, time.perf_counter() - start)
                    best_cpu = min(best_cpu, time.process_time() - start_cpu)
                timings[name] = (best, best_cpu, events)
            ours, ours_cpu, ours_events = timings["modelwire"]
            theirs, their_cpu, their_events = timings["sdk"]
            _, floor_cpu, floor_chunks = timings["transport"]
            # Rates per event each side counted (modelwire adds a RateLimits event).
            print(
                f"| {api} | {their_events} | {ours_events / ours:,.0f} | "
                f"{their_events / theirs:,.0f} | {theirs / ours * ours_events / their_events:.1f}x "
                f"| {floor_cpu / floor_chunks * 1e6:.1f} | {ours_cpu / ours_events * 1e6:.1f} "
                f"| {their_cpu / their_events * 1e6:.1f} "
                f"| {their_cpu / their_events / (ours_cpu / ours_events):.1f}x |"
            )
            targets.add(
                f"e2e {api}: modelwire CPU/event ÷ httpx2 alone CPU/chunk",
                ours_cpu / ours_events / (floor_cpu / floor_chunks),
            )
            targets.add(
                f"e2e {api}: SDK CPU/event ÷ modelwire CPU/event",
                their_cpu / their_events / (ours_cpu / ours_events),
            )
    finally:
        stop.set()
        child.join(10)
