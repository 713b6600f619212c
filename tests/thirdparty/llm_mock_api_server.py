"""Run llm-mock-api (PyPI; a Python port of llm-mock-server) with the thirdparty tests' rules.

Started by the ``llm_mock_api`` fixture as ``python llm_mock_api_server.py``: it binds an
ephemeral loopback port, prints ``listening <url>`` on stdout once the socket accepts, and serves
until SIGTERM. The rules use the package's own Python API (its JSON5 rules cannot echo a tool
result back, which is what proves the result arrived).
"""

from __future__ import annotations

import asyncio
import signal

from llm_mock_api import MockServer, MockServerOptions
from llm_mock_api.types.reply import ErrorReply, ReplyObject, ToolCall
from llm_mock_api.types.request import MockRequest

#: Answer texts the tests assert on (the tests import them from here: one home per fact).
REASONING = "The user wants a short joke. Keep it to one line."
JOKE = "Why did the developer go broke? He used up all his cache."
WEATHER_PREFACE = "Checking the weather."
REASONING_BEFORE_TOOL = "The user asks about the weather: call get_weather for Paris."
TOOL_RESULT_PREFIX = "The tool returned: "
ECHO_PREFIX = "You said: "
WEATHER_ARGUMENTS = {"city": "Paris", "unit": "celsius"}
TIME_ARGUMENTS = {"zone": "Europe/Paris"}
RATE_LIMIT_PROMPT = "please rate limit me"
SERVER_ERROR_PROMPT = "please fail"
#: Characters per streamed delta, small so that every answer arrives in several deltas.
CHUNK_SIZE = 7


def _after_tool_result(request: MockRequest) -> bool:
    # The package keeps the answered call's id on the last message: a Chat `tool` message, a
    # Responses `function_call_output`, or a Messages user turn of `tool_result` blocks.
    return bool(request.messages) and request.messages[-1].tool_call_id is not None


def _tool_result_reply(request: MockRequest) -> ReplyObject:
    return ReplyObject(text=TOOL_RESULT_PREFIX + request.messages[-1].content)


def _echo(request: MockRequest) -> str:
    return ECHO_PREFIX + request.last_message


def build() -> MockServer:
    server = MockServer(
        MockServerOptions(
            port=0, host="127.0.0.1", default_latency=0, default_chunk_size=CHUNK_SIZE
        )
    )
    server.when(RATE_LIMIT_PROMPT).reply(
        ReplyObject(error=ErrorReply(status=429, message="Slow down", type="rate_limit_error"))
    )
    server.when(SERVER_ERROR_PROMPT).reply(
        ReplyObject(error=ErrorReply(status=500, message="Mock failure", type="server_error"))
    )
    server.when(_after_tool_result).reply(_tool_result_reply)
    server.when("get_weather and get_time").reply(
        ReplyObject(
            tools=[
                ToolCall(name="get_weather", args=WEATHER_ARGUMENTS),
                ToolCall(name="get_time", args=TIME_ARGUMENTS),
            ]
        )
    )
    server.when("think, then use get_weather").reply(
        ReplyObject(
            reasoning=REASONING_BEFORE_TOOL,
            tools=[ToolCall(name="get_weather", args=WEATHER_ARGUMENTS)],
        )
    )
    server.when("use get_weather").reply(
        ReplyObject(
            text=WEATHER_PREFACE, tools=[ToolCall(name="get_weather", args=WEATHER_ARGUMENTS)]
        )
    )
    server.when("joke").reply(ReplyObject(reasoning=REASONING, text=JOKE))
    server.fallback("fallback")
    server.when(lambda request: True).reply(_echo)
    return server


async def main() -> None:
    server = build()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    print(f"listening {server.url}", flush=True)
    await stop.wait()
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
