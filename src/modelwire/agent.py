"""The tool loop: call the model, run the functions it asks for, send their results back, until
it answers without calling a tool or the turn limit is reached.

``client.run(input=..., tools=[functions], max_turns=...)`` returns a :class:`RunResult`;
``client.run_stream(...)`` yields every turn's events as they arrive, plus :class:`TurnStarted`
and :class:`ToolExecuted`, and holds the RunResult at the end. Arguments the model sends are
validated and coerced against each function's signature (pydantic); invalid arguments, an unknown
tool or an exception in the tool go back to the model as an error result, so it can try again,
instead of ending the run.

One :class:`ToolLoop` holds the state of a run; :class:`RunStream` and :class:`AsyncRunStream`
only perform its calls (sync tools in order; async tools, and sync ones in worker threads,
concurrently on the async client).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, cast

from .common.errors import ConfigurationError, ModelwireError
from .common.event_stream import AsyncEventStream, EventStream
from .common.events import Event
from .common.items import Item, Message, ToolCall, ToolResult
from .common.output import OutputSpec, output_spec
from .common.response import ParsedT, Response
from .common.tools import Tool, arguments_model

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .client import AsyncClient, CallArgs, Client

__all__ = [
    "DEFAULT_MAX_TURNS",
    "AsyncRunStream",
    "FunctionTool",
    "MaxTurnsExceededError",
    "RunEvent",
    "RunResult",
    "RunStream",
    "ToolExecuted",
    "ToolLoop",
    "TurnStarted",
]

#: Model calls a run makes at most when ``max_turns`` is not given (as openai-agents).
DEFAULT_MAX_TURNS = 10


@dataclass(slots=True)
class RunResult(Generic[ParsedT]):
    """What a run produced.

    ``response`` is the last model response (its ``parsed`` the run's ``output_type``, when one
    was given); ``transcript`` the whole conversation — the input, every turn's output items and
    every tool result — to pass as the next call's ``input``; ``turns`` the model calls made;
    ``responses`` each turn's Response.
    """

    response: Response[ParsedT]
    transcript: list[Item]
    turns: int
    responses: list[Response[Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The final answer's text."""
        return self.response.text

    @property
    def parsed(self) -> ParsedT:
        """The final answer validated as the run's ``output_type``."""
        return self.response.parsed


class MaxTurnsExceededError(ModelwireError):
    """The model still called tools after ``max_turns`` model calls.

    ``result`` is the run so far: its transcript ends with the results of the last calls, so
    ``run(input=error.result.transcript, ...)`` goes on where it stopped.
    """

    def __init__(self, result: RunResult[Any], max_turns: int) -> None:
        super().__init__(f"the model was still calling tools after {max_turns} turns")
        self.result = result
        self.max_turns = max_turns


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A model call of the run begins (``turn`` counts from 1)."""

    turn: int


@dataclass(frozen=True, slots=True)
class ToolExecuted:
    """A tool call was answered: ``result.is_error`` when the arguments did not validate, the
    tool is unknown or the function raised (``error`` is then that exception, else None)."""

    call: ToolCall
    result: ToolResult
    error: BaseException | None = None


#: What a run stream yields: each turn's common events, and the run's own two.
RunEvent: TypeAlias = Event | TurnStarted | ToolExecuted


class FunctionTool:
    """A function the loop may run: its Tool definition and the model of its arguments."""

    def __init__(self, function: object) -> None:
        if isinstance(function, type | Tool | dict) or not callable(function):
            raise ConfigurationError(
                f"run() takes functions as tools (to run them), not {function!r}; "
                "give Tool or schema definitions to create() and run the calls yourself"
            )
        self.function = function
        self.tool = Tool.from_function(function)
        self.name = self.tool.name
        self.arguments: type[BaseModel] = arguments_model(function)
        self.is_async = inspect.iscoroutinefunction(function)

    def prepare(self, call: ToolCall) -> dict[str, Any] | ToolResult:
        """The validated keyword arguments of the call, or the error result telling the model
        what was wrong with them."""
        from pydantic import ValidationError

        if call.arguments_error is not None:
            return _error(call, f"the arguments are not valid JSON ({call.arguments_error})")
        try:
            validated = self.arguments.model_validate(call.arguments)
        except ValidationError as error:
            problems = [
                {"loc": list(d["loc"]), "msg": d["msg"]}
                for d in error.errors(include_url=False, include_input=False)
            ]
            return _error(
                call,
                f"invalid arguments for {self.name}: {json.dumps(problems)}. "
                "Fix the errors and call the tool again.",
            )
        return {name: getattr(validated, name) for name in type(validated).model_fields}

    def answered(self, call: ToolCall, value: Any) -> ToolResult:
        """The tool result of a value the function returned: a string as it is, anything else
        as JSON."""
        if isinstance(value, str):
            output = value
        else:
            from pydantic_core import PydanticSerializationError, to_json

            try:
                output = to_json(value).decode()
            except PydanticSerializationError:
                output = str(value)
        return ToolResult(call_id=call.id, output=output, name=call.name)

    def failed(self, call: ToolCall, error: Exception) -> ToolResult:
        return _error(call, f"the tool raised {type(error).__name__}: {error}")


def _error(call: ToolCall, message: str) -> ToolResult:
    return ToolResult(call_id=call.id, output=message, is_error=True, name=call.name)


class ToolLoop(Generic[ParsedT]):
    """The state of one run, without I/O: the next call's arguments, the transcript, the turns."""

    def __init__(
        self,
        method: str,
        call: CallArgs,
        *,
        max_turns: int,
        output_type: type[ParsedT] | None,
        is_async: bool = False,
    ) -> None:
        if max_turns < 1:
            raise ConfigurationError(f"max_turns must be >= 1, got {max_turns}")
        functions = [FunctionTool(function) for function in call.get("tools") or []]
        self.functions = {function.name: function for function in functions}
        if len(self.functions) != len(functions):
            raise ConfigurationError(f"{method}(): tool names must be unique")
        if not is_async and any(function.is_async for function in functions):
            names = ", ".join(function.name for function in functions if function.is_async)
            raise ConfigurationError(
                f"{method}(): async tools ({names}) need AsyncClient.run or a sync function"
            )
        self.max_turns = max_turns
        self.output: OutputSpec[ParsedT] | None = None
        base: dict[str, Any] = {key: value for key, value in call.items() if key != "input"}
        if output_type is not None:
            if call.get("output_schema") is not None:
                raise ConfigurationError("give output_type or output_schema, not both")
            self.output = output_spec(output_type)
            base["output_schema"] = output_type
        base["tools"] = [function.tool for function in functions]
        self._base = base
        input = call["input"]
        if isinstance(input, str):
            self.transcript: list[Item] = [Message(role="user", content=input)]
        elif isinstance(input, list):
            self.transcript = list(input)
        else:
            self.transcript = [input]
        self.turns = 0
        self.responses: list[Response[Any]] = []

    def next_call(self) -> CallArgs:
        """The arguments of the next model call (the whole transcript as its input)."""
        arguments = {**self._base, "input": list(self.transcript)}
        # A forced tool choice holds for the first turn only: kept, the model could never stop.
        if self.turns and arguments.get("tool_choice") not in (None, "auto", "none"):
            del arguments["tool_choice"]
        self.turns += 1
        return cast("CallArgs", arguments)

    def answered(self, response: Response[Any]) -> list[ToolCall]:
        """Take in a turn's response; the tool calls to run (none: the run is over)."""
        self.responses.append(response)
        self.transcript.extend(response.items)
        return list(response.tool_calls)

    def add(self, results: list[ToolResult]) -> None:
        self.transcript.extend(results)
        if self.turns >= self.max_turns:
            raise MaxTurnsExceededError(self._result(self.responses[-1]), self.max_turns)

    def finish(self, response: Response[Any]) -> RunResult[ParsedT]:
        """The run's result (OutputValidationError when the answer is not the output type)."""
        if self.output is not None:
            response.parsed = self.output.parse(response)
        return self._result(response)

    def _result(self, response: Response[Any]) -> RunResult[ParsedT]:
        return RunResult(
            response=cast("Response[ParsedT]", response),
            transcript=list(self.transcript),
            turns=self.turns,
            responses=list(self.responses),
        )

    def prepare(self, call: ToolCall) -> tuple[FunctionTool, dict[str, Any]] | ToolResult:
        function = self.functions.get(call.name)
        if function is None:
            known = ", ".join(sorted(self.functions)) or "none"
            return _error(call, f"there is no tool named {call.name!r} (tools: {known})")
        arguments = function.prepare(call)
        if isinstance(arguments, ToolResult):
            return arguments
        return function, arguments


class _RunDriver(Generic[ParsedT]):
    _result: RunResult[ParsedT] | None = None

    @property
    def result(self) -> RunResult[ParsedT]:
        """The run's result, once the stream has ended."""
        if self._result is None:
            raise ModelwireError("the run has not finished: iterate the stream to its end first")
        return self._result

    def _outcome(self) -> RunResult[ParsedT]:
        return self.result


class RunStream(_RunDriver[ParsedT], EventStream[RunEvent, RunResult[ParsedT]]):
    """A running tool loop: iterate for every turn's events; ``result`` at the end (also what
    ``until_done()`` returns). Tool calls of one turn run one after another, in the order the
    model made them."""

    def __init__(self, client: Client, loop: ToolLoop[ParsedT]) -> None:
        self._client = client
        self._loop = loop
        self._events = self._drive()

    def _drive(self) -> Generator[RunEvent, None, None]:
        loop = self._loop
        while True:
            arguments = loop.next_call()
            yield TurnStarted(loop.turns)
            with self._client.stream(**arguments) as stream:
                yield from stream
            response = stream.response
            calls = loop.answered(response)
            if not calls:
                self._result = loop.finish(response)
                return
            results: list[ToolResult] = []
            for call in calls:
                executed = self._execute(call)
                results.append(executed.result)
                yield executed
            loop.add(results)

    def _execute(self, call: ToolCall) -> ToolExecuted:
        prepared = self._loop.prepare(call)
        if isinstance(prepared, ToolResult):
            return ToolExecuted(call, prepared)
        function, arguments = prepared
        try:
            value = function.function(**arguments)
        except Exception as error:  # the model hears of it and may try again
            return ToolExecuted(call, function.failed(call, error), error)
        return ToolExecuted(call, function.answered(call, value))


class AsyncRunStream(_RunDriver[ParsedT], AsyncEventStream[RunEvent, RunResult[ParsedT]]):
    """The async twin of :class:`RunStream`: the tool calls of one turn run concurrently (async
    functions awaited, sync ones in worker threads); their events come in the model's order."""

    def __init__(self, client: AsyncClient, loop: ToolLoop[ParsedT]) -> None:
        self._client = client
        self._loop = loop
        self._events = self._drive()

    async def _drive(self) -> AsyncGenerator[RunEvent, None]:
        loop = self._loop
        while True:
            arguments = loop.next_call()
            yield TurnStarted(loop.turns)
            async with self._client.stream(**arguments) as stream:
                async for event in stream:
                    yield event
            response = stream.response
            calls = loop.answered(response)
            if not calls:
                self._result = loop.finish(response)
                return
            executed = await asyncio.gather(*(self._execute(call) for call in calls))
            for each in executed:
                yield each
            loop.add([each.result for each in executed])

    async def _execute(self, call: ToolCall) -> ToolExecuted:
        prepared = self._loop.prepare(call)
        if isinstance(prepared, ToolResult):
            return ToolExecuted(call, prepared)
        function, arguments = prepared
        try:
            if function.is_async:
                value = await function.function(**arguments)
            else:
                value = await asyncio.to_thread(function.function, **arguments)
        except Exception as error:  # the model hears of it and may try again
            return ToolExecuted(call, function.failed(call, error), error)
        return ToolExecuted(call, function.answered(call, value))
