"""The provider-neutral request: what to ask, independent of the wire API it goes to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Required, TypeAlias, TypedDict, Unpack

from .errors import ConfigurationError
from .items import Item, Message
from .output import output_spec
from .tools import Tool, ToolLike, as_tool

ToolChoice: TypeAlias = Literal["auto", "required", "none"] | str
Effort: TypeAlias = Literal["minimal", "low", "medium", "high"]


class PromptArgs(TypedDict, total=False):
    """What to ask, as the call arguments give it (the prompt half of ``CallArgs``).

    ``input`` is a string (one user message) or items (history: messages, tool calls and results,
    reasoning from earlier turns: the ``items`` of a previous Response, from any API). ``tools``
    are Tool objects, ``{"name", "description", "parameters"}`` dicts, pydantic models or typed
    functions. ``tool_choice`` is ``"auto"``, ``"required"``, ``"none"`` or a tool's name.
    ``reasoning`` asks for reasoning effort on any API; ``output_schema`` for JSON output matching
    a JSON schema (or a type's: a pydantic model, dataclass, TypedDict; ``output_type=`` on the
    clients also validates the answer as it). ``model`` None: the provider's default for the API.
    """

    model: str | None
    input: Required[str | Item | list[Item]]
    instructions: str | None
    tools: list[ToolLike] | None
    tool_choice: ToolChoice | None
    parallel_tool_calls: bool | None
    max_output_tokens: int | None
    temperature: float | None
    stop: str | list[str] | None
    reasoning: Effort | None
    output_schema: dict[str, Any] | type[Any] | None


@dataclass(slots=True)
class Prompt:
    """Everything a request asks for, before it is shaped for one API.

    ``tool_choice`` is ``"auto"``, ``"required"``, ``"none"`` or the name of one tool.
    ``reasoning`` asks for reasoning/thinking effort on any API (Responses ``reasoning.effort``,
    Chat ``reasoning_effort``, Messages a thinking budget). ``output_schema`` asks for JSON output
    matching a JSON schema (or a pydantic model). When a type gave the schema,
    ``output_schema_strict`` is its OpenAI strict-mode form (None where strict mode cannot express
    it) and ``output_schema_messages`` its Messages form (see :mod:`modelwire.common.output`).
    """

    model: str
    input: list[Item]
    instructions: str | None = None
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    stop: list[str] = field(default_factory=list)
    reasoning: Effort | None = None
    output_schema: dict[str, Any] | None = None
    output_schema_name: str = "output"
    output_schema_strict: dict[str, Any] | None = None
    output_schema_messages: dict[str, Any] | None = None

    @classmethod
    def build(cls, **args: Unpack[PromptArgs]) -> Prompt:
        """A Prompt from the call arguments; ConfigurationError when they do not fit together."""
        model = args.get("model")
        input = args["input"]
        output_schema = args.get("output_schema")
        tools = args.get("tools")
        tool_choice = args.get("tool_choice")
        max_output_tokens = args.get("max_output_tokens")
        stop = args.get("stop")
        if not model:
            raise ConfigurationError("model is required (for example model='gpt-5.1')")
        if isinstance(input, str):
            items: list[Item] = [Message(role="user", content=input)]
        elif isinstance(input, list):
            items = list(input)
        else:
            items = [input]
        if not items:
            raise ConfigurationError("input is empty: give a string or at least one item")
        schema_name = "output"
        schema: dict[str, Any] | None
        strict_schema: dict[str, Any] | None = None
        messages_schema: dict[str, Any] | None = None
        if output_schema is None or isinstance(output_schema, dict):
            schema = output_schema
        else:  # a type: its JSON schema, as ``output_type`` sends it
            spec = output_spec(output_schema)
            schema, schema_name = spec.schema, spec.name
            strict_schema, messages_schema = spec.strict_schema, spec.messages_schema
        defined = [as_tool(tool) for tool in tools or []]
        names = [tool.name for tool in defined]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ConfigurationError(
                f"tool names must be unique; repeated: {', '.join(duplicates)}"
            )
        if tool_choice not in (None, "auto", "required", "none") and tool_choice not in names:
            raise ConfigurationError(
                f"tool_choice {tool_choice!r} is not 'auto', 'required', 'none' or a given tool"
            )
        if max_output_tokens is not None and max_output_tokens < 1:
            raise ConfigurationError(f"max_output_tokens must be positive, got {max_output_tokens}")
        return cls(
            model=model,
            input=items,
            instructions=args.get("instructions"),
            tools=defined,
            tool_choice=tool_choice,
            parallel_tool_calls=args.get("parallel_tool_calls"),
            max_output_tokens=max_output_tokens,
            temperature=args.get("temperature"),
            stop=[stop] if isinstance(stop, str) else list(stop or []),
            reasoning=args.get("reasoning"),
            output_schema=schema,
            output_schema_name=schema_name,
            output_schema_strict=strict_schema,
            output_schema_messages=messages_schema,
        )
